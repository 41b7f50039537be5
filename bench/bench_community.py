"""Community detection on the same projections: stakenet's ``louvain`` vs igraph's, chosen by measurement.

The projections (collaboration, market, stakeholder) of the synthetic network at ``scale``
organisations (default 150,000: about 120,000 nodes and 780,000 edges in the stakeholder network; quick:
1,500) are built in memory from the record stream (not timed). On each, timed: stakenet's
``graph.analysis.community._louvain_csr`` (what ``analyze`` calls), igraph's multilevel (Louvain,
the baseline), igraph's Leiden with the modularity objective (2 iterations, igraph's default; run until stable
it raised modularity by 1-2% at 25-50x the time on these projections), and NetworKit's parallel Louvain
(PLM) when networkit is importable. Every method starts from the same symmetric scipy adjacency
in memory and its timed interval includes building its own graph from it (igraph.Graph,
networkit.Graph; stakenet builds its igraph graph inside ``_louvain_csr``) and, for stakenet,
turning labels into the sets it returns. Modularity is computed for every partition by the same
function (``_modularity_csr``). The ratio is baseline seconds / stakenet seconds; goal: > 1 at a
modularity no more than 1% below the baseline's.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

SEED = 42
FULL_SCALE = 150_000
QUICK_SCALE = 1_500


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _labels(parts: list[set[int]], n: int) -> np.ndarray:
    lab = np.empty(n, dtype=np.int64)
    for i, c in enumerate(parts):
        lab[list(c)] = i
    return lab


def methods(A: sp.csr_array) -> dict[str, Any]:
    """name -> function returning a label array, all on the same symmetric weighted adjacency."""
    import igraph as ig

    from graph.analysis.community import _louvain_csr

    n = A.shape[0]
    up = sp.triu(A, k=1).tocoo()

    def igraph_graph() -> ig.Graph:
        """Timed on igraph's side too: every method starts from the same in-memory adjacency."""
        random.seed(SEED)
        ig.set_random_number_generator(random)
        g = ig.Graph(n=n, edges=np.column_stack([up.row, up.col]), directed=False)
        g.es["weight"] = up.data
        return g

    def multilevel() -> np.ndarray:
        return np.array(igraph_graph().community_multilevel(weights="weight").membership)

    def leiden(iterations: int) -> np.ndarray:
        return np.array(
            igraph_graph().community_leiden(objective_function="modularity", weights="weight",
                                             n_iterations=iterations).membership
        )

    out: dict[str, Any] = {
        "stakenet louvain": lambda: _labels(_louvain_csr(list(range(n)), A, SEED, 1.0, 50_000), n),
        "igraph multilevel (baseline)": multilevel,
        "igraph leiden (2 iterations)": lambda: leiden(2),
    }
    try:
        import networkit as nk
    except ImportError:
        return out

    def plm() -> np.ndarray:
        nk.engineering.setSeed(SEED, True)
        G = nk.GraphFromCoo((up.data, (up.row, up.col)), n=n, weighted=True, directed=False)
        algo = nk.community.PLM(G, refine=True)
        algo.run()
        return np.array(algo.getPartition().getVector())

    out["networkit PLM"] = plm
    return out


def run(quick: bool = False) -> dict[str, Any]:
    from bench.bench_analyze import _tables_from_records
    from graph.analysis.community import _modularity_csr
    from graph.analysis.projections import _Reader

    scale = int(os.environ.get("STAKENET_BENCH_SCALE", 0)) or (QUICK_SCALE if quick else FULL_SCALE)
    ben, aw = _tables_from_records(scale)
    reader = _Reader(None, ben, aw)
    result: dict[str, Any] = {"scale": scale, "networks": {}}
    for name in ("collaboration", "market", "stakeholder"):
        proj = reader.projection(name)
        A = proj.adjacency()
        if proj.directed:
            A = sp.csr_array(A + A.T)
        print(f"{name}: {A.shape[0]:,} nodes, {(A.nnz + np.count_nonzero(A.diagonal())) // 2:,} edges")
        rows = {}
        for label, fn in methods(A).items():
            seconds, labels = _timed(fn)
            rows[label] = {"seconds": round(seconds, 3), "modularity": round(_modularity_csr(A, labels), 5),
                           "communities": int(len(np.unique(labels)))}
            print(f"  {label:<30}{seconds:>8.2f} s  modularity {rows[label]['modularity']:.4f}  "
                  f"{rows[label]['communities']:,} communities", flush=True)
        base, ours = rows["igraph multilevel (baseline)"], rows["stakenet louvain"]
        rows["ratio"] = round(base["seconds"] / max(ours["seconds"], 1e-9), 2)
        result["networks"][name] = rows
    result["baseline"] = "igraph multilevel"
    return result
