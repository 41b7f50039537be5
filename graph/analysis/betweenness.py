"""Betweenness centrality: Brandes' algorithm on hop distances, many sources at once.

Weights are ignored (ties are strengths, not lengths). The algorithm runs in algebraic form, many
sources at once as sparse x dense products. Exact (every source) up to ``exact_max`` nodes, else
``k`` sources sampled with ``seed`` exactly as networkx samples them (same normalisation), with a
per-node standard error from the per-source spread.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.analysis.sparse import _csr
from graph.errors import AnalysisError


@dataclass
class Betweenness:
    """Betweenness values, how they were obtained and their standard error (0 when exact)."""

    values: dict[Any, float]
    exact: bool
    sources: int
    stderr: dict[Any, float]

    def describe(self, top: int = 10) -> str:
        n = len(self.values)
        if self.exact:
            return f"exact (all {n} sources)"
        ranked = sorted(self.values, key=lambda v: (-self.values[v], str(v)))[:top]
        rel = [self.stderr[v] / self.values[v] for v in ranked if self.values[v] > 0]
        med = float(np.median(rel)) if rel else 0.0
        return (
            f"sampled {self.sources} of {n} sources; relative standard error of the top {len(ranked)} "
            f"nodes: median {med:.1%}, max {max(rel, default=0.0):.1%}"
        )


def rank_bands(values: dict[Any, float], stderr: dict[Any, float], z: float = 2.0) -> dict[Any, tuple[int, int]]:
    """Each node's rank as a band (best, worst) given estimates with standard errors.

    A node ranks below every node whose interval (value ± z·stderr) lies wholly above its own, and
    above every node whose interval lies wholly below; exact values (stderr 0) give bands of one
    rank, except for ties.

    >>> rank_bands({"a": 3.0, "b": 2.0, "c": 1.0}, {"a": 0.1, "b": 0.6, "c": 0.1})
    {'a': (1, 2), 'b': (1, 3), 'c': (2, 3)}
    """
    nodes = list(values)
    v = np.array([values[x] for x in nodes], dtype=float)
    e = np.array([stderr.get(x, 0.0) for x in nodes], dtype=float) * z
    lower, upper = np.sort(v - e), np.sort(v + e)
    n = len(nodes)
    best = 1 + n - np.searchsorted(lower, v + e, side="right")
    worst = n - np.searchsorted(upper, v - e, side="left")
    return {x: (int(b), int(w)) for x, b, w in zip(nodes, best, worst)}


def _neighbour_rows(M: sp.csr_array, rows: np.ndarray) -> tuple[np.ndarray, sp.csr_array]:
    """The nodes adjacent to ``rows`` (by M[rows, v] != 0) and the matrix R with
    R[i, j] = M[rows[j], nz[i]], so that ``R @ X[rows]`` sums X over those edges."""
    R = sp.csr_array(M[rows].T)
    nz = np.flatnonzero(np.diff(R.indptr))
    return nz, sp.csr_array(R[nz])


def _brandes_csr(A: sp.csr_array, sources: np.ndarray, directed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Sum and sum of squares over ``sources`` of Brandes' dependencies delta_s(v) (hop distances).

    Many sources at once: the BFS frontier of a batch is a (rows x batch) dense block and each
    level multiplies only the edges leaving the frontier rows, so a batch costs about one pass
    over the edges per source column, not one per level.
    """
    n = A.shape[0]
    P = sp.csr_array(A, dtype=float, copy=True)  # never touch the caller's weights
    P.data[:] = 1.0
    PT = sp.csr_array(P.T) if directed else P
    total = np.zeros(n)
    squares = np.zeros(n)
    batch = int(max(1, min(64, 20_000_000 // max(n, 1))))
    for start in range(0, len(sources), batch):
        src = sources[start : start + batch]
        b = len(src)
        cols = np.arange(b)
        sigma = np.zeros((n, b))
        sigma[src, cols] = 1.0
        depth = np.full((n, b), -1, dtype=np.int32)
        depth[src, cols] = 0
        rows = np.unique(src)
        frontier = sigma[rows]
        levels = [rows]
        while True:
            # paths arriving along u -> v: reach[v] = sum over frontier u of P[u, v] sigma[u]
            nz, R = _neighbour_rows(P, rows)
            if len(nz) == 0:
                break
            reach = R @ frontier
            new = (reach > 0) & (depth[nz] < 0)
            keep = new.any(axis=1)
            if not keep.any():
                break
            nz, new, reach = nz[keep], new[keep], reach[keep]
            level = len(levels)
            sub = depth[nz]
            sub[new] = level
            depth[nz] = sub
            frontier = np.where(new, reach, 0.0)
            sigma[nz] += frontier
            rows = nz
            levels.append(rows)
        delta = np.zeros((n, b))
        for level in range(len(levels) - 1, 0, -1):
            rows = levels[level]
            sig = sigma[rows]
            w = np.where(depth[rows] == level, (1.0 + delta[rows]) / np.where(sig > 0, sig, 1.0), 0.0)
            # back[u] = sum over v at this level of P[u, v] w[v]
            nz, R = _neighbour_rows(PT, rows)
            if len(nz) == 0:
                continue
            back = R @ w
            delta[nz] += np.where(depth[nz] == level - 1, sigma[nz] * back, 0.0)
        delta[src, cols] = 0.0
        total += delta.sum(axis=1)
        squares += np.einsum("ij,ij->i", delta, delta)
    return total, squares


def _betweenness_arrays(
    A: sp.csr_array, src: np.ndarray, *, exact: bool, directed: bool, normalized: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Betweenness values and standard errors from Brandes sums, scaled as networkx 3.6 does
    (endpoints excluded; sampled sources scaled by k - 1, other nodes by k)."""
    n = A.shape[0]
    total, squares = _brandes_csr(A, src, directed)
    kk = len(src)
    N = n - 1
    if N < 2:
        return np.zeros(n), np.zeros(n)
    corr = 1 if directed else 2
    if exact:
        scale_src = scale_non = 1.0 / (N * (N - 1)) if normalized else 1.0 / corr
    elif normalized:
        scale_src, scale_non = 1.0 / ((kk - 1) * (N - 1)), 1.0 / (kk * (N - 1))
    else:
        scale_src, scale_non = N / ((kk - 1) * corr), N / (kk * corr)
    is_src = np.zeros(n, dtype=bool)
    is_src[src] = True
    scale = np.where(is_src, scale_src, scale_non)
    values = total * scale
    if exact:
        return values, np.zeros(n)
    cnt = np.where(is_src, kk - 1, kk).astype(float)
    mean = total / cnt
    var = np.maximum(squares / cnt - mean * mean, 0.0)
    # standard error of the scaled sum of cnt draws, without replacement (finite-population correction)
    fpc = math.sqrt(max(n - kk, 0) / max(n - 1, 1))
    return values, scale * cnt * np.sqrt(var / cnt) * fpc


KADABRA_DELTA = 0.1
KADABRA_EPS = 0.005


def kadabra_arrays(A: sp.csr_array, *, eps: float = KADABRA_EPS, seed: int = 42,
                   delta: float = KADABRA_DELTA) -> tuple[np.ndarray, float, int]:
    """Betweenness by KADABRA (NetworKit): values on networkx's normalised scale, the half-width of
    the guarantee on that scale, and the number of shortest paths it sampled.

    The guarantee (Borassi and Natale, 2016): with probability at least ``1 - delta``, every value
    is within ``eps`` of the exact normalised betweenness, on KADABRA's scale; KADABRA's scores are
    twice networkx's times (n-2)/n, so both are converted here. Run on one thread with ``seed``: the
    same values on every run (with more threads NetworKit's samplers race and the values change).
    Hop distances, as the sampled estimator: ``A``'s weights are ignored.
    """
    try:
        import networkit as nk
    except ImportError as exc:
        raise AnalysisError(
            "KADABRA betweenness needs NetworKit, a dependency of stakenet: pip install networkit"
        ) from exc
    n = A.shape[0]
    up = sp.triu(A, k=1).tocoo()
    G = nk.GraphFromCoo((np.ones(len(up.row)), (up.row, up.col)), n=n, weighted=False, directed=False)
    threads = nk.getMaxNumberOfThreads()
    nk.setNumberOfThreads(1)
    try:
        nk.engineering.setSeed(seed, False)
        algo = nk.centrality.KadabraBetweenness(G, eps, delta)
        algo.run()
    finally:
        nk.setNumberOfThreads(threads)
    scale = n / (2.0 * (n - 2))
    return np.asarray(algo.scores(), dtype=float) * scale, eps * scale, int(algo.getNumberOfIterations())


def betweenness(
    G: nx.Graph, *, k: int | None = None, exact_max: int = 5_000, seed: int | None = None, normalized: bool = True
) -> Betweenness:
    """Betweenness centrality on hop distances: exact up to ``exact_max`` nodes, else sampled.

    Sampling draws ``k`` sources (default 256) with ``random.Random(seed).sample(list(G), k)``,
    exactly as ``networkx.betweenness_centrality(G, k=k, seed=seed)`` does, and scales the same
    way, so both give the same numbers. The estimator is unbiased; ``stderr`` is its per-node
    standard error estimated from the spread of the per-source dependencies.

    Examples
    --------
    >>> b = betweenness(nx.path_graph(4))
    >>> {v: round(x, 4) for v, x in b.values.items()}, b.exact
    ({0: 0.0, 1: 0.6667, 2: 0.6667, 3: 0.0}, True)
    """
    nodes, A = _csr(G, None)
    n = len(nodes)
    if n == 0:
        return Betweenness({}, True, 0, {})
    if k is None and n > exact_max:
        k = 256
    if k is not None and k >= n:
        k = None
    if k is not None and k < 2:
        raise AnalysisError(f"betweenness needs at least 2 sampled sources, got k={k}")
    if k is None:
        src = np.arange(n)
    else:
        index = {v: i for i, v in enumerate(nodes)}
        src = np.array([index[v] for v in random.Random(seed).sample(nodes, k)], dtype=np.int64)
    values, err = _betweenness_arrays(A, src, exact=k is None, directed=G.is_directed(), normalized=normalized)
    kk = len(src)
    return Betweenness(dict(zip(nodes, values.tolist())), k is None, kk, dict(zip(nodes, err.tolist())))


def betweenness_centrality(G: nx.Graph, k: int | None = None, seed: int | None = None) -> dict[Any, float]:
    """``networkx.betweenness_centrality(G, k=k, seed=seed)`` (normalised, hops), vectorised.

    >>> betweenness_centrality(nx.star_graph(3))
    {0: 1.0, 1: 0.0, 2: 0.0, 3: 0.0}
    """
    return betweenness(G, k=k, seed=seed, exact_max=len(G)).values
