"""Weighted PageRank: networkx's power iteration (``_pagerank_scipy``) on a scipy sparse matrix.

The default tolerance is tighter than networkx's (1e-10), so it agrees with igraph's PRPACK solve
to 1e-6.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.analysis.sparse import _check_weights, _csr
from graph.errors import AnalysisError


def _pagerank_csr(A: sp.csr_array, alpha: float, tol: float, max_iter: int) -> np.ndarray:
    n = A.shape[0]
    if n == 0:
        return np.zeros(0)
    _check_weights(A)
    S = np.asarray(A.sum(axis=1)).ravel()
    inv = np.divide(1.0, S, out=np.zeros_like(S), where=S != 0)
    Q = sp.csr_array(sp.diags_array(inv) @ A)
    x = np.full(n, 1.0 / n)
    p = np.full(n, 1.0 / n)
    dangling = S == 0
    for _ in range(max_iter):
        xlast = x
        x = alpha * (x @ Q + x[dangling].sum() * p) + (1 - alpha) * p
        if np.abs(x - xlast).sum() < n * tol:
            return x / x.sum()
    raise AnalysisError(f"PageRank did not converge in {max_iter} iterations; raise max_iter or tol")


def pagerank(
    G: nx.Graph, alpha: float = 0.85, *, weight: str | None = "weight", tol: float = 1e-10, max_iter: int = 1000
) -> dict[Any, float]:
    """Weighted PageRank, networkx's power iteration on a scipy sparse matrix.

    Undirected edges count in both directions; nodes without out-weight (dangling, or only
    zero-weight edges) spread their rank uniformly, as in networkx and igraph.

    Parameters
    ----------
    G : networkx graph
    alpha : float
        Damping factor.
    weight : str or None
        Edge attribute used as weight; None for unweighted.
    tol, max_iter :
        Convergence when the L1 change is below ``n * tol``.

    Returns
    -------
    dict
        ``{node: rank}``, summing to 1; empty for an empty graph.

    Examples
    --------
    >>> G = nx.Graph([(0, 1), (1, 2)])
    >>> {k: round(v, 4) for k, v in pagerank(G).items()}
    {0: 0.2568, 1: 0.4865, 2: 0.2568}
    """
    nodes, A = _csr(G, weight)
    return dict(zip(nodes, _pagerank_csr(A, alpha, tol, max_iter).tolist()))
