"""Benchmark code cannot rot: ``python -m bench --quick --json NAME`` runs and prints its figures.

Only bench neo4j_import so far (seconds at its quick size); the other benchmarks' quick modes still
take minutes and are not run here (issue 18, item C, open).
"""

from __future__ import annotations

import json

import pytest

from bench.__main__ import main

pytestmark = [pytest.mark.neo4j]


def test_bench_neo4j_import_quick_prints_figures_baseline_and_ratio(capsys, neo4j_store):
    neo4j_store.clear()  # the benchmark takes the same lock itself: release-free check that the server answers
    assert main(["--quick", "--json", "neo4j_import"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["relationships"] == 20_000
    assert result["bulk"]["rel_per_s"] > 0 and result["baseline"]["rel_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["bulk"]["rel_per_s"] / result["baseline"]["rel_per_s"], rel=0.01)
