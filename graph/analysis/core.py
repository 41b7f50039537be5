"""Degree, strength and k-core numbers, the latter by vectorised peeling on a sparse matrix.

``core_number`` follows networkx's definition but peels a wave of nodes at a time on the sparse
matrix instead of networkx's per-node Python loop.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.analysis.sparse import _csr


def _strength_csr(A: sp.csr_array) -> np.ndarray:
    return np.asarray(A.sum(axis=1)).ravel() if A.shape[0] else np.zeros(0)


def degree(G: nx.Graph) -> dict[Any, int]:
    """Number of neighbours (in + out for directed graphs, self-loops ignored).

    >>> degree(nx.Graph([(0, 1), (1, 2)]))
    {0: 1, 1: 2, 2: 1}
    """
    return {v: int(d) for v, d in G.degree()}


def strength(G: nx.Graph, weight: str = "weight") -> dict[Any, float]:
    """Weighted degree: the sum of ``weight`` over a node's edges (missing weights count 1).

    >>> strength(nx.Graph([(0, 1, {"weight": 2.0}), (1, 2, {"weight": 0.5})]))
    {0: 2.0, 1: 2.5, 2: 0.5}
    """
    return {v: float(d) for v, d in G.degree(weight=weight)}


def _core_csr(A: sp.csr_array) -> np.ndarray:
    """k-core numbers by vectorised peeling: for k = 0, 1, ... remove, wave by wave, every
    remaining node of degree <= k (Batagelj-Zaversnik's order, a wave at a time)."""
    n = A.shape[0]
    P = sp.csr_array(A, copy=True)
    P.setdiag(0)
    P.eliminate_zeros()
    indptr, indices = P.indptr, P.indices
    deg = np.diff(indptr).astype(np.int64)
    core = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    remaining, k = n, 0
    while remaining:
        k = max(k, int(deg[alive].min()))
        while True:
            peel = np.flatnonzero(alive & (deg <= k))
            if len(peel) == 0:
                break
            core[peel] = k
            alive[peel] = False
            remaining -= len(peel)
            starts = indptr[peel]
            lens = indptr[peel + 1] - starts
            count = int(lens.sum())
            if count:
                idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(count)
                deg -= np.bincount(indices[idx], minlength=n)
    return core


def core_number(G: nx.Graph) -> dict[Any, int]:
    """k-core number of each node, as ``networkx.core_number`` (self-loops ignored; a directed
    graph is taken as undirected), computed by vectorised peeling on a sparse matrix.

    >>> core_number(nx.Graph([(0, 1), (1, 2), (2, 0), (2, 3)]))
    {0: 2, 1: 2, 2: 2, 3: 1}
    """
    H = G.to_undirected(as_view=True) if G.is_directed() else G
    nodes, A = _csr(H, None)
    return dict(zip(nodes, _core_csr(A).tolist()))
