"""Benchmark code cannot rot: ``python -m bench --quick --json NAME`` runs for every benchmark.

Each benchmark runs at its quick size (seconds) in its own process, exactly as a user runs it, and
must print, as its last line, one JSON object with its figures, the baseline it is compared with
and the ratio. The Neo4j benchmarks need the test server (they take the tests' lock on it
themselves), ``view`` headless Chromium, ``load_files`` the real data in ../shared/data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NAMES = sorted(p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py"))
NEEDS = {
    "neo4j_load": [pytest.mark.neo4j],
    "neo4j_import": [pytest.mark.neo4j],
    "load_files": [pytest.mark.neo4j],
    "view": [pytest.mark.browser],
}


def _quick(name: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", name], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"bench {name} --quick failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", [pytest.param(n, marks=NEEDS.get(n, [])) for n in NAMES])
def test_quick_benchmark_prints_figures_baseline_and_ratio(name, request):
    if name in ("neo4j_load", "neo4j_import", "load_files"):
        request.getfixturevalue("neo4j_driver")  # fails (never skips) without the test server
    if name in ("load_files", "competition"):
        request.getfixturevalue("shared_data")  # fails (never skips) without the real data
    if name == "view":
        from browser import missing_chromium_message

        problem = missing_chromium_message()
        assert not problem, problem
    result = _quick(name)
    assert "baseline" in result, result
    text = json.dumps(result)
    assert '"ratio"' in text, f"bench {name}: no ratio in {text[:500]}"

