"""Sampled betweenness (what ``analyze`` computes above 5,000 nodes) vs igraph and KADABRA, same graphs.

The projections (collaboration, market, stakeholder) of the synthetic network at ``scale``
organisations (default 150,000; quick: 1,500) are built in memory from the record stream (not
timed). On each, timed from the same in-memory adjacency: stakenet's estimator
(``graph.analysis.betweenness``: Brandes from 256 sources sampled with the seed, many sources per
sparse product), igraph's Brandes from the same 256 sources (the baseline: same work, same values),
and NetworKit's KADABRA as ``analyze --betweenness kadabra`` runs it (``kadabra_arrays``: one
thread, seeded; an approximation with a guarantee: every value within ``eps`` of the normalised
betweenness with probability 1 - delta; delta = 0.1) when networkit is importable, at eps 0.01
and 0.005 (the default). Error is measured, not assumed: against a reference from 2,048 other sampled
sources (untimed; its own standard error about a third of the 256-source one), the relative error of
each method on the reference's top 10 nodes (median, max). The ratio is igraph seconds / stakenet
seconds.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

SEED = 42
K = 256
REFERENCE_K = 2_048
FULL_SCALE = 150_000
QUICK_SCALE = 1_500
KADABRA_EPS = (0.01, 0.005)


def _errors(values: np.ndarray, ref: np.ndarray, top: np.ndarray) -> tuple[float, float]:
    rel = np.abs(values[top] - ref[top]) / np.maximum(ref[top], 1e-300)
    return float(np.median(rel)), float(rel.max())


def _igraph(A: sp.csr_array, src: np.ndarray) -> np.ndarray:
    """igraph's Brandes from ``src``, scaled as stakenet scales a sampled estimate."""
    import igraph as ig

    n = A.shape[0]
    up = sp.triu(A, k=1).tocoo()
    g = ig.Graph(n=n, edges=np.column_stack([up.row, up.col]), directed=False)
    raw = np.array(g.betweenness(directed=False, sources=src.tolist()))  # unordered pairs, endpoints excluded
    # stakenet sums dependencies per source (ordered pairs from each source): twice igraph's half-sum
    # for an undirected graph; the scaling is then the one _betweenness_arrays applies.
    kk, N = len(src), n - 1
    is_src = np.zeros(n, dtype=bool)
    is_src[src] = True
    return 2 * raw * np.where(is_src, 1.0 / ((kk - 1) * (N - 1)), 1.0 / (kk * (N - 1)))


def run(quick: bool = False) -> dict[str, Any]:
    from bench.bench_analyze import _tables_from_records
    from graph.analysis.betweenness import _betweenness_arrays, kadabra_arrays
    from graph.analysis.projections import _Reader

    scale = int(os.environ.get("STAKENET_BENCH_SCALE", 0)) or (QUICK_SCALE if quick else FULL_SCALE)
    ben, aw = _tables_from_records(scale)
    reader = _Reader(None, ben, aw)
    try:
        import networkit as nk  # noqa: F401
    except ImportError:
        nk = None
        print("networkit is not importable: KADABRA not measured (pip install networkit)")
    result: dict[str, Any] = {"scale": scale, "baseline": f"igraph Brandes from the same {K} sources", "networks": {}}
    for name in ("collaboration", "market", "stakeholder"):
        proj = reader.projection(name)
        A = proj.adjacency()
        if proj.directed:
            A = sp.csr_array(A + A.T)
        A = sp.csr_array((np.ones_like(A.data), A.indices, A.indptr), shape=A.shape)  # hops, as analyze
        n = A.shape[0]
        k = min(K, n - 1)
        src = np.array(sorted(random.Random(SEED).sample(range(n), k)), dtype=np.int64)
        other = np.setdiff1d(np.arange(n), src)
        ref_src = np.array(sorted(random.Random(SEED + 1).sample(other.tolist(), min(REFERENCE_K, len(other)))))
        ref, _ = _betweenness_arrays(A, ref_src, exact=False, directed=False)
        top = np.argsort(-ref)[:10]
        rows: dict[str, Any] = {}
        t0 = time.perf_counter()
        ours, stderr = _betweenness_arrays(A, src, exact=False, directed=False)
        rows["stakenet"] = {"seconds": time.perf_counter() - t0}
        rows["stakenet"]["reported_rel_stderr_top10_median"] = float(np.median(stderr[top] / np.maximum(ours[top], 1e-300)))
        t0 = time.perf_counter()
        theirs = _igraph(A, src)
        rows["igraph (baseline)"] = {"seconds": time.perf_counter() - t0}
        assert np.allclose(ours, theirs, rtol=1e-6, atol=1e-12), "igraph and stakenet disagree on the same sources"
        for label, values in (("stakenet", ours), ("igraph (baseline)", theirs)):
            rows[label]["rel_error_top10_median"], rows[label]["rel_error_top10_max"] = _errors(values, ref, top)
        if nk is not None:
            for eps in KADABRA_EPS:
                t0 = time.perf_counter()
                values, halfwidth, _ = kadabra_arrays(A, eps=eps, seed=SEED)  # what analyze --betweenness kadabra runs
                label = f"KADABRA eps={eps} (±{halfwidth:.2g})"
                rows[label] = {"seconds": time.perf_counter() - t0}
                rows[label]["rel_error_top10_median"], rows[label]["rel_error_top10_max"] = _errors(values, ref, top)
        print(f"{name}: {n:,} nodes, {A.nnz // 2:,} edges; reference: {len(ref_src):,} other sources; "
              f"stakenet's own reported relative standard error (top 10, median) "
              f"{rows['stakenet']['reported_rel_stderr_top10_median']:.1%}")
        for label, r in rows.items():
            print(f"  {label:<32}{r['seconds']:>8.2f} s  relative error on the top 10: median "
                  f"{r['rel_error_top10_median']:.1%}, max {r['rel_error_top10_max']:.1%}", flush=True)
        rows["ratio"] = round(rows["igraph (baseline)"]["seconds"] / max(rows["stakenet"]["seconds"], 1e-9), 2)
        result["networks"][name] = {k2: ({m: round(x, 4) for m, x in v.items()} if isinstance(v, dict) else v)
                                    for k2, v in rows.items()}
    return result
