"""The demo pipeline on synthetic data: generate, load, analyse, report.

``stakenet demo`` runs it into a fresh embedded database of its own (``OUT/demo.db``), so a demo
never mixes synthetic records into a real database, then renders the network page (through a
function the CLI hands in, since graph/ never imports viz/). Everything it writes says the data
are synthetic, and files appear in OUT only when every step succeeded.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph.analysis.analyze import AnalysisResult, analyze
from graph.errors import StakenetError
from graph.ingest.provenance import source_node
from graph.neighbourhood import stakeholder_overview
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
    page: Any = None  # what the network page shows (viz.views.PageInfo), once drawn
    written: list[Path] = field(default_factory=list)


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


def demo_marker(path: Path) -> Path:
    """The file that says ``path`` is a database the demo made (and may replace)."""
    return path.with_name(path.name + ".made-by-stakenet-demo")


def fresh_database(path: Path) -> None:
    """Remove an earlier demo database at ``path`` (and its write-ahead log), and mark the new one as the demo's.

    Only a database the demo made itself (it leaves ``demo_marker(path)`` next to it) is removed;
    anything else at ``path`` or its write-ahead log, a folder, a user's database, a file, makes
    this raise StakenetError with nothing deleted.
    """
    marker = demo_marker(path)
    wal = path.with_name(path.name + ".wal")
    present = [p for p in (path, wal) if p.exists() or p.is_symlink()]
    if present and not marker.is_file():
        raise StakenetError(
            f"{present[0]} exists and was not made by `stakenet demo`; the demo will not delete it. "
            "Move it away or choose another --out."
        )
    for p in present:
        if p.is_dir() and not p.is_symlink():
            raise StakenetError(f"{p} is a folder, not the demo's database; the demo will not delete it. "
                                "Move it away or choose another --out.")
    for p in (*present, path.with_name(path.name + ".open")):
        p.unlink(missing_ok=True)
    try:
        marker.write_text("This database was made by `stakenet demo` (synthetic data); the next demo replaces it.\n",
                          encoding="utf-8")
    except OSError as exc:
        raise StakenetError(f"cannot write {marker}: {exc.strerror}. Choose an --out you can write to.") from exc


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

    load_columns = getattr(store, "load_columns", None)
    if load_columns is not None:  # the embedded store: the same graph, generated and loaded as Arrow columns
        from graph.sources.synthetic_columns import iter_columns

        stats = load_columns(iter_columns(scale=scale, seed=seed), progress=progress)
    else:
        stats = store.load(synthetic.iter_records(scale=scale, seed=seed), progress=progress)
    store.load([source_node(
        f"synthetic:scale={scale}:seed={seed}", "synthetic", rows=stats.records, rejected=0,
        notes="generated by stakenet demo (graph/sources/synthetic.py); not real data",
        loaded_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )])
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


def run_demo_into(
    store: Any,
    out_dir: Path,
    draw: Callable[[Any, Path], Any],
    *,
    scale: int,
    seed: int,
    command: str | None = None,
    say: Say | None = None,
) -> DemoResult:
    """:func:`run_demo`, then the network page, staged and moved into ``out_dir`` only on success.

    ``draw(G, path)`` writes the stakeholder overview ``G`` as a page at ``path`` and returns what
    it shows (the CLI passes viz.views.write_view).
    """
    tell = say or (lambda _msg: None)
    staging = Path(tempfile.mkdtemp(prefix=".demo-", dir=out_dir))
    try:
        result = run_demo(store, staging, scale=scale, seed=seed, command=command, say=say)
        tell("drawing the network view ...")
        G = stakeholder_overview(store)
        G.graph["subtitle"] = "SYNTHETIC demo data: generated by stakenet demo, not real organisations. " + str(
            G.graph.get("subtitle") or ""
        )
        result.page = draw(G, staging / "network.html")
        for item in sorted(staging.rglob("*")):
            if item.is_file():
                target = out_dir / item.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(item), target)
                result.written.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def summary_lines(store: Any, result: DemoResult, where: str, out_dir: Path) -> list[str]:
    """What ``stakenet demo`` prints: the graph, the network, the top organisations, the files."""
    c = result.counts
    net = result.analysis.networks["stakeholder"]
    names = dict(store.rows("MATCH (o:Organisation) WHERE o.pagerank IS NOT NULL RETURN o.org_id, o.name"))
    top = ", ".join(f"{names.get(k, k)} ({v:.4f})" for k, v in net.top("pagerank", 3))
    lines = [
        "stakenet demo (SYNTHETIC data: generated organisations, projects and procurements; only the regions and "
        "counties carry real names)",
        f"  graph: {c.total_nodes:,} nodes, {c.total_rels:,} relationships in the {where}",
        f"  stakeholder network: {net.nodes:,} organisations, {net.edges:,} ties, "
        f"{len(net.communities)} communities (modularity {net.modularity:.3f})",
        f"  top PageRank: {top}",
    ]
    if result.page is not None:
        lines.append(f"  network view: {result.page.nodes:,} of {result.page.nodes + result.page.omitted:,} nodes drawn")
    lines.append("  timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()))
    lines += [f"  wrote {out_dir / name}" for name in ("report.md", "report.html", "report.json", "network.html")]
    lines.append(f"  ({len(result.written)} files in all)")
    return lines
