"""Eigenvector centrality: networkx's power iteration on (A + I), vectorised, with an ARPACK fallback.

It starts from the uniform vector; on a disconnected graph it converges to the dominant
component(s) and the others tend to 0, so ``analyze`` computes it in the largest connected
component only and leaves the others empty, with a note. When it does not converge (bipartite
market networks converge slowly) it falls back to ARPACK's leading eigenvector, and says so in the
notes it is given.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.analysis.sparse import _check_weights, _csr
from graph.errors import AnalysisError


def _eigenvector_csr(
    A: sp.csr_array, tol: float, max_iter: int, fallback: bool = True, notes: list[str] | None = None
) -> np.ndarray:
    n = A.shape[0]
    if n == 0:
        return np.zeros(0)
    _check_weights(A)
    AT = sp.csr_array(A.T)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        xlast = x
        x = xlast + AT @ xlast
        norm = float(np.linalg.norm(x)) or 1.0
        x = x / norm
        if np.abs(x - xlast).sum() < n * tol:
            return x
    if fallback:
        if notes is not None:
            notes.append(f"eigenvector: power iteration did not converge in {max_iter} iterations; "
                         "fell back to ARPACK's leading eigenvector")
        return _leading_eigenvector(A, tol)
    raise AnalysisError(
        f"eigenvector centrality did not converge in {max_iter} iterations (a bipartite or "
        "disconnected network converges slowly); raise max_iter or tol"
    )


def _leading_eigenvector(A: sp.csr_array, tol: float) -> np.ndarray:
    """The leading eigenvector by Lanczos/Arnoldi (ARPACK), started from the uniform vector."""
    from scipy.sparse.linalg import ArpackNoConvergence, eigs, eigsh

    n = A.shape[0]
    symmetric = (A != A.T).nnz == 0
    try:
        if n <= 500:
            dense = A.toarray()
            if symmetric:
                vec = np.linalg.eigh(dense)[1][:, -1]
            else:
                vals, vecs = np.linalg.eig(dense.T)
                vec = np.real(vecs[:, int(np.argmax(np.real(vals)))])
        elif symmetric:
            vec = eigsh(A.astype(float), k=1, which="LA", v0=np.ones(n), tol=tol * 1e-3, maxiter=n * 10)[1][:, 0]
        else:
            vec = np.real(eigs(sp.csr_array(A.T).astype(float), k=1, which="LR", v0=np.ones(n), tol=tol * 1e-3)[1][:, 0])
    except ArpackNoConvergence as exc:
        raise AnalysisError("eigenvector centrality: neither power iteration nor ARPACK converged") from exc
    vec = np.abs(vec)
    norm = float(np.linalg.norm(vec))
    if not np.isfinite(norm) or norm == 0:
        raise AnalysisError("eigenvector centrality: the leading eigenvector is degenerate (a graph without weight?)")
    return vec / norm


def eigenvector_largest_component(
    A: sp.csr_array, tol: float, max_iter: int, notes: list[str] | None = None
) -> np.ndarray:
    """Eigenvector centrality within the largest connected component; NaN for every other node.

    On a disconnected graph the leading eigenvector lives in one component and gives ~0 to the
    rest, which reads as "unimportant" when it means "not comparable": those nodes get no value,
    and ``notes`` says how many.

    >>> A = sp.csr_array(nx.to_scipy_sparse_array(nx.disjoint_union(nx.path_graph(3), nx.path_graph(2))))
    >>> [round(x, 4) for x in eigenvector_largest_component(A, 1e-6, 100).tolist()[:3]], eigenvector_largest_component(A, 1e-6, 100)[3:]
    ([0.5, 0.7071, 0.5], array([nan, nan]))
    """
    n = A.shape[0]
    out = np.full(n, np.nan)
    if n == 0:
        return out
    count, labels = sp.csgraph.connected_components(A, directed=False)
    keep = np.flatnonzero(labels == int(np.argmax(np.bincount(labels))))
    sub = sp.csr_array(A[keep][:, keep])
    out[keep] = _eigenvector_csr(sub, tol, max_iter, True, notes)
    if count > 1 and notes is not None:
        notes.append(f"eigenvector: computed in the largest connected component ({len(keep)} of {n} nodes); "
                     f"the {n - len(keep)} nodes of the other {count - 1} components have none")
    return out


def eigenvector(
    G: nx.Graph, *, weight: str | None = "weight", tol: float = 1e-6, max_iter: int = 1000, fallback: bool = True
) -> dict[Any, float]:
    """Eigenvector centrality: networkx's power iteration on (A + I), vectorised.

    Starts from the uniform vector, so the result is deterministic; on a disconnected graph the
    component(s) with the largest eigenvalue dominate and the others tend to 0. When it has not
    converged after ``max_iter`` iterations (bipartite networks converge slowly) it falls back to
    ARPACK's leading eigenvector (as ``networkx.eigenvector_centrality_numpy``), unless
    ``fallback=False``, which raises AnalysisError instead.

    >>> {v: round(x, 4) for v, x in eigenvector(nx.path_graph(3)).items()}
    {0: 0.5, 1: 0.7071, 2: 0.5}
    """
    nodes, A = _csr(G, weight)
    return dict(zip(nodes, _eigenvector_csr(A, tol, max_iter, fallback).tolist()))
