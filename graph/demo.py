"""The demo pipeline on synthetic data: generate, load, analyse, report.

``stakenet demo`` runs it into a fresh embedded database of its own (``OUT/demo.db``), so a demo
never mixes synthetic records into a real database, then renders the network page (the CLI does
that part, since graph/ never imports viz/). Everything it writes says the data are synthetic.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import StakenetError
from graph.network import AnalysisResult, analyze
from graph.report import ReportPaths, write_report
from graph.sources import synthetic
from graph.store import Counts, LoadStats

Say = Callable[[str], None]


@dataclass
class DemoResult:
    """What the demo produced, for the summary the CLI prints."""

    load: LoadStats
    counts: Counts
    analysis: AnalysisResult
    report: ReportPaths
    seconds: dict[str, float] = field(default_factory=dict)


def check_writable(out_dir: Path) -> None:
    """Create ``out_dir`` and prove a file can be written there, before any work starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".stakenet-write-test"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise StakenetError(
            f"cannot write to --out {out_dir}: {exc.strerror or exc}. Choose a folder you can write to."
        ) from exc


def fresh_database(path: Path) -> None:
    """Remove an earlier demo database at ``path`` (and its write-ahead log)."""
    for p in (path, path.with_name(path.name + ".wal")):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def run_demo(
    store: Any,
    report_dir: Path,
    *,
    scale: int,
    seed: int,
    command: str | None = None,
    say: Say | None = None,
) -> DemoResult:
    """Generate ``scale`` synthetic organisations, load them into ``store``, analyse, report.

    The report is written into ``report_dir`` (the CLI passes a staging folder and moves the
    files into place only when everything succeeded).
    """
    tell = say or (lambda _msg: None)
    seconds: dict[str, float] = {}
    plan = synthetic.plan(scale)
    tell(
        f"generating and loading SYNTHETIC data: {plan.organisations:,} organisations, "
        f"{plan.projects:,} projects, {plan.procurements:,} procurements (seed {seed})"
    )
    loaded = 0
    t0 = time.perf_counter()

    def progress(n: int) -> None:
        nonlocal loaded
        loaded += n
        rate = loaded / max(time.perf_counter() - t0, 1e-9)
        tell(f"  loaded {loaded:,} records ({rate:,.0f}/s)")

    stats = store.load(synthetic.iter_records(scale=scale, seed=seed), progress=progress)
    seconds["load"] = time.perf_counter() - t0
    counts = store.counts()
    t0 = time.perf_counter()
    analysis = analyze(store, networks=("stakeholder",), seed=seed, progress=lambda m: tell("  " + m))
    seconds["analyze"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tell("writing the report ...")
    paths = write_report(store, report_dir, formats=("md", "html", "json"), synthetic=True, command=command)
    seconds["report"] = time.perf_counter() - t0
    return DemoResult(stats, counts, analysis, paths, seconds)
