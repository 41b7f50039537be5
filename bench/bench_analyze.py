"""Benchmark ``stakenet analyze`` on a synthetic EU-size graph, beside igraph on the same graphs.

Full size: 700,000 organisations and 2,000,000 projects (``graph.sources.synthetic``), loaded into
a temporary embedded store through ``load_columns`` (setup, timed apart). Then the whole ``analyze(store, ("all",))`` is
timed with its peak resident memory (psutil RSS sampled every 50 ms in a thread, so the embedded
database's own memory counts too), and every metric of every network separately. The baseline is
igraph (C) computing the same metrics on the same projections in the same run: PageRank (PRPACK),
betweenness from the same sampled sources, eigenvector centrality, coreness, multilevel (Louvain)
communities and modularity. Ratios are stakenet / igraph, like for like twice: (1) projection in
memory -> every metric, graph building included on both sides (stakenet: ``analyze_projection``'s
wall time per network, from the progress messages; igraph: its graph build plus every metric);
(2) end to end from the store: ``analyze`` (read, metrics, write-back) vs igraph's reading the same
projections, its metrics and writing its values back through the same ``write_metrics``. Betweenness
is the sampled estimator on both sides (``betweenness_method="sampled"``, the same 256 sources);
``analyze``'s default takes KADABRA on networks of 50,000+ nodes instead, measured by
``bench/bench_betweenness.py``; a last pass, in the same process, times every network in memory
with the default method (``default_betweenness`` in the JSON). Goal: the
whole analyze under 15 minutes and 12 GB. ``--quick`` runs 2,000 organisations.

Set ``STAKENET_BENCH_SCALE`` to run another number of organisations, and
``STAKENET_BENCH_STORE=none`` to build the tables analyze reads straight from the record stream
instead of loading a store first (loading the embedded store is then not the bottleneck).
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import psutil

GOAL_SECONDS = 15 * 60
GOAL_BYTES = 12 * 1024**3
FULL_SCALE = 700_000
SEED = 42


class PeakRSS:
    """Samples this process's resident memory in a thread; the peak per labelled phase."""

    def __init__(self, interval: float = 0.05) -> None:
        self.proc = psutil.Process()
        self.interval = interval
        self.phase = "start"
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(self.interval)

    def sample(self) -> int:
        rss = int(self.proc.memory_info().rss)
        if rss > self.peaks.get(self.phase, 0):
            self.peaks[self.phase] = rss
        return rss

    def mark(self, phase: str) -> None:
        self.sample()
        self.phase = phase
        self.sample()

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def peak(self, prefix: str = "") -> int:
        return max((v for k, v in self.peaks.items() if k.startswith(prefix)), default=0)


def _gb(n: float) -> str:
    return f"{n / 1024**3:.2f} GB"


@contextmanager
def _timer(out: dict[str, float], name: str) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    out[name] = time.perf_counter() - t0


def _igraph_metrics(proj: Any, seed: int, exact_max: int, k: int, mem: PeakRSS) -> tuple[dict[str, float], dict[str, Any]]:
    """igraph's time for each metric on ``proj`` (undirected, weighted as stakenet computes it)."""
    import igraph as ig
    import scipy.sparse as sp

    seconds: dict[str, float] = {}
    values: dict[str, Any] = {}
    name = proj.name
    mem.mark(f"igraph {name}: graph")
    with _timer(seconds, "graph"):
        A = proj.adjacency()
        if proj.directed:
            A = sp.csr_array(A + A.T)
        up = sp.triu(A, k=1).tocoo()
        g = ig.Graph(n=proj.n, edges=np.column_stack([up.row, up.col]).tolist(), directed=False)
        g.es["weight"] = up.data.tolist()
    mem.mark(f"igraph {name}: pagerank")
    with _timer(seconds, "pagerank"):
        values["pagerank"] = g.pagerank(weights="weight", damping=0.85, directed=False)
    mem.mark(f"igraph {name}: betweenness")
    n = proj.n
    with _timer(seconds, "betweenness"):
        if n <= exact_max or k >= n:
            values["betweenness"] = g.betweenness(directed=False)
        else:
            values["betweenness"] = g.betweenness(directed=False, sources=sorted(random.Random(seed).sample(range(n), k)))
    mem.mark(f"igraph {name}: eigenvector")
    with _timer(seconds, "eigenvector"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "nearly zero ... not connected": expected here
        values["eigenvector"] = g.eigenvector_centrality(weights="weight")  # the graph is undirected; directed=False errs in igraph 1.0
    mem.mark(f"igraph {name}: core")
    with _timer(seconds, "core"):
        values["core"] = g.coreness()
    mem.mark(f"igraph {name}: louvain")
    with _timer(seconds, "louvain"):
        random.seed(seed)
        ig.set_random_number_generator(random)
        parts = g.community_multilevel(weights="weight")
        values["community"] = parts.membership
    mem.mark(f"igraph {name}: modularity")
    with _timer(seconds, "modularity"):
        values["modularity"] = g.modularity(parts.membership, weights="weight")
    with _timer(seconds, "degree"):
        values["degree"] = g.degree()
    with _timer(seconds, "strength"):
        values["strength"] = g.strength(weights="weight")
    mem.mark("idle")
    return seconds, values


def _igraph_write_back(store: Any, r: Any, proj: Any, values: dict[str, Any]) -> float:
    """Seconds to write igraph's metrics back through the same code as stakenet (``write_metrics``)."""
    from dataclasses import replace

    from graph.analysis.analyze import write_metrics

    nodes = proj.nodes.tolist()
    metrics = {m: dict(zip(nodes, values[m])) for m in ("degree", "strength", "pagerank", "betweenness",
                                                          "eigenvector", "core", "community")}
    t0 = time.perf_counter()
    write_metrics(store, replace(r, metrics=metrics))
    return time.perf_counter() - t0


def _in_memory_seconds(stamps: list[tuple[float, str]], name: str) -> float | None:
    """Wall seconds of ``analyze_projection`` for ``name``: from its projection being read to its last metric."""
    start = next((t for t, m in stamps if m.startswith(f"{name}: ") and " nodes, " in m), None)
    end = next((t for t, m in reversed(stamps) if m.startswith(f"{name}: modularity done")), None)
    return end - start if start is not None and end is not None else None


def _tables_from_records(scale: int) -> tuple[Any, Any]:
    """Beneficiaries and Awards as ``analyze`` reads them from a store, from the synthetic records.

    Awards carry no value of their own, so each gets its procurement's value split equally over
    the procurement's awards, the rule of ``graph.analysis.tables.Awards``.
    """
    from graph.analysis.tables import Awards, Beneficiaries
    from graph.records import Node, Rel
    from graph.sources.synthetic import iter_records

    ben_org: list[str] = []
    ben_proj: list[str] = []
    budget: dict[str, float] = {}
    proc_value: dict[str, float] = {}
    buyer_of: dict[str, str] = {}
    awards: list[tuple[str, str, str]] = []
    for r in iter_records(scale=scale, seed=SEED):
        if isinstance(r, Rel):
            if r.type == "BENEFICIARY_OF":
                ben_org.append(r.src[1])
                ben_proj.append(r.dst[1])
            elif r.type == "BUYER_OF":
                buyer_of[r.dst[1]] = r.src[1]
            elif r.type == "AWARDED_TO":
                awards.append((buyer_of[r.src[1]], r.src[1], r.dst[1]))
        elif isinstance(r, Node) and r.label == "Project":
            budget[r.props["project_id"]] = r.props["eu_budget"]
        elif isinstance(r, Node) and r.label == "Procurement":
            proc_value[r.props["procurement_id"]] = r.props["value"]
    awards.sort()
    per_proc: dict[str, int] = {}
    for _, p, _ in awards:
        per_proc[p] = per_proc.get(p, 0) + 1
    ben = Beneficiaries(ben_org, ben_proj, np.array([budget[p] for p in ben_proj], dtype=float), ["SEK"] * len(ben_proj))
    aw = Awards(
        [a[0] for a in awards], [a[1] for a in awards], [a[2] for a in awards],
        np.array([proc_value[a[1]] / per_proc[a[1]] for a in awards], dtype=float), ["SEK"] * len(awards),
    )
    return ben, aw


def run(quick: bool, scale: int | None = None, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the benchmark and print its table; returns the figures (for tests and notes)."""
    from graph.analysis.analyze import AnalysisResult, analyze, analyze_projection
    from graph.analysis.projections import NETWORKS, _Reader
    from graph.sources.synthetic import plan
    from graph.sources.synthetic_columns import iter_columns
    from graph.store.embedded import EmbeddedStore

    scale = scale or int(os.environ.get("STAKENET_BENCH_SCALE", 0)) or (2_000 if quick else FULL_SCALE)
    p = plan(scale)
    say(f"synthetic graph: {p.organisations:,} organisations, {p.projects:,} projects, {p.procurements:,} procurements (seed {SEED})")
    mode = os.environ.get("STAKENET_BENCH_STORE", "embedded")
    conn = None
    tmp = ""
    with PeakRSS() as mem:
        mem.mark("load")
        t0 = time.perf_counter()
        if mode == "embedded":
            import ladybug

            from graph.store.embedded import EmbeddedStore

            tmp = tempfile.mkdtemp(prefix="stakenet-bench-")
            # The embedded database's buffer pool counts in this process's RSS; left at its default
            # it grows towards most of the machine's memory during the load, so the benchmark caps it.
            pool_gb = float(os.environ.get("STAKENET_BENCH_BUFFER_GB", "4"))
            conn = ladybug.Connection(ladybug.Database(str(Path(tmp) / "bench.db"), buffer_pool_size=int(pool_gb * 1024**3)))
            say(f"embedded database buffer pool capped at {pool_gb:g} GB (STAKENET_BENCH_BUFFER_GB)")
            store = EmbeddedStore(conn)
            store.ensure_schema()
            store.load_columns(iter_columns(scale=scale, seed=SEED))
            reader = _Reader(store)
            what = "generated as columns and loaded into the embedded store (load_columns)"
        else:
            # STAKENET_BENCH_STORE=none: the same tables analyze reads from a store, built straight
            # from the record stream (for sizes where loading a store is the bottleneck)
            ben, aw = _tables_from_records(scale)
            reader = _Reader(None, ben, aw)
            what = "tables built from the record stream (no store)"
        load_s = time.perf_counter() - t0
        say(f"setup: {what} in {load_s:.0f} s (peak RSS {_gb(mem.peak('load'))})")
        mem.mark("analyze")
        rss_before = mem.sample()

        stamps: list[tuple[float, str]] = []

        def progress(msg: str) -> None:
            stamps.append((time.perf_counter(), msg))
            if msg.endswith(" ..."):
                mem.mark("analyze " + msg.removesuffix(" ..."))

        t0 = time.perf_counter()
        if mode == "embedded":
            result = analyze(store, ("all",), seed=SEED, progress=progress, betweenness_method="sampled")
        else:
            result = AnalysisResult(SEED, {})
            for name in NETWORKS:
                progress(f"{name}: reading the projection ...")
                t1 = time.perf_counter()
                proj = reader.projection(name)
                result.seconds[f"{name}: projection"] = time.perf_counter() - t1
                progress(f"{name}: {proj.n} nodes, read")
                result.networks[name] = analyze_projection(proj, seed=SEED, progress=progress, betweenness_method="sampled")
        analyze_s = time.perf_counter() - t0
        analyze_peak = mem.peak("analyze")
        mem.mark("idle")
        rows = []
        like: dict[str, dict[str, float]] = {}
        for name, r in result.networks.items():
            t1 = time.perf_counter()
            proj = reader.projection(name)
            read_s = time.perf_counter() - t1
            base, values = _igraph_metrics(proj, SEED, 5_000, 256, mem)
            ours_mem = _in_memory_seconds(stamps, name)
            like[name] = {
                "stakenet_in_memory_s": ours_mem if ours_mem is not None else sum(r.seconds.values()),
                "igraph_in_memory_s": sum(base.values()),
                "igraph_read_s": read_s,
                "igraph_write_back_s": (_igraph_write_back(store, r, proj, values)
                                        if mode == "embedded" and name == result.written_network else 0.0),
            }
            ours_pr = np.array([r.metrics["pagerank"][v] for v in proj.nodes.tolist()])
            pr_diff = float(np.abs(ours_pr - np.array(values["pagerank"])).max()) if proj.n else 0.0
            say(f"\n{name}: {r.nodes:,} nodes, {r.edges:,} edges; betweenness {r.betweenness_method}")
            say(f"  PageRank max |stakenet - igraph| = {pr_diff:.1e}; modularity stakenet {r.modularity:.4f} "
                f"(its partition), igraph multilevel {values['modularity']:.4f} (its own partition)")
            say(f"  {'metric':<14}{'stakenet s':>12}{'igraph s':>10}{'ratio':>8}{'peak RSS':>11}")
            ours_graph = r.seconds.get("networkx graph", 0.0)
            for metric in ("projection", "degree", "strength", "pagerank", "betweenness", "eigenvector", "core", "louvain", "modularity"):
                if metric == "projection":
                    ours = result.seconds.get(f"{name}: projection", 0.0)
                    theirs = base["graph"]
                    peak = mem.peak(f"analyze {name}: reading")
                else:
                    ours = r.seconds.get(metric, 0.0) + (ours_graph if metric == "core" else 0.0)
                    theirs = base.get(metric, float("nan"))
                    peak = mem.peak(f"analyze {name}: {metric}")
                ratio = ours / theirs if theirs and theirs == theirs and theirs > 0 else float("nan")
                say(f"  {metric:<14}{ours:>12.2f}{theirs:>10.2f}{ratio:>8.2f}{_gb(peak):>11}")
                rows.append((name, metric, ours, theirs, ratio, peak))
        # stakenet as a user runs it: the default betweenness (auto: KADABRA on 50,000+ nodes), in memory
        default: dict[str, dict[str, Any]] = {}
        for name in result.networks:
            proj = reader.projection(name)
            t1 = time.perf_counter()
            r = analyze_projection(proj, seed=SEED)
            default[name] = {"in_memory_s": round(time.perf_counter() - t1, 2),
                             "betweenness_s": round(r.seconds.get("betweenness", 0.0), 2), "method": r.betweenness_method}
        default_s = sum(d["in_memory_s"] for d in default.values())
    if conn is not None:
        conn.close()
        shutil.rmtree(tmp, ignore_errors=True)  # the benchmark's database (gigabytes at full size)
    ours_mem = sum(v["stakenet_in_memory_s"] for v in like.values())
    ig_mem = sum(v["igraph_in_memory_s"] for v in like.values())
    ig_e2e = sum(v["igraph_in_memory_s"] + v["igraph_read_s"] + v["igraph_write_back_s"] for v in like.values())
    scope = "read from the store, 4 networks, write-back" if mode == "embedded" else "read from in-memory tables, 4 networks"
    say(f"\nlike for like, projection in memory -> every metric (4 networks): stakenet {ours_mem:.1f} s, "
        f"igraph {ig_mem:.1f} s (graph build included on both sides); ratio {ours_mem / ig_mem:.2f}")
    say(f"like for like, end to end ({scope}): stakenet analyze {analyze_s:.1f} s, peak RSS {_gb(analyze_peak)} "
        f"(RSS before {_gb(rss_before)}); igraph {ig_e2e:.1f} s (the same projection reads"
        f"{' and write-back code' if mode == 'embedded' else ''}); ratio {analyze_s / ig_e2e:.2f}")
    say(f"stakenet with its default betweenness (auto: KADABRA from 50,000 nodes), projection in memory -> every "
        f"metric: {default_s:.1f} s (with sampled betweenness {ours_mem:.1f} s); betweenness "
        + ", ".join(f"{k} {d['betweenness_s']:.1f} s" for k, d in default.items()))
    say(f"goal: < {GOAL_SECONDS // 60} min and < {_gb(GOAL_BYTES)}: "
        f"{'met' if analyze_s < GOAL_SECONDS and analyze_peak < GOAL_BYTES else 'NOT met'} at {scale:,} organisations")
    return {
        "scale": scale, "load_s": round(load_s, 2), "analyze_peak_bytes": analyze_peak,
        "default_betweenness": {"in_memory_s": round(default_s, 2), "networks": default},
        "in_memory": {"stakenet_s": round(ours_mem, 2), "baseline_s": round(ig_mem, 2), "ratio": round(ours_mem / ig_mem, 3)},
        "end_to_end": {"stakenet_s": round(analyze_s, 2), "baseline_s": round(ig_e2e, 2),
                       "ratio": round(analyze_s / ig_e2e, 3), "scope": scope},
        "baseline": "igraph (PRPACK PageRank, sampled betweenness, eigenvector, coreness, multilevel)",
        "networks": {k: {m: round(x, 3) for m, x in v.items()} for k, v in like.items()},
        "rows": [list(r) for r in rows],
    }
