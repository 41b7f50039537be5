"""networkx graphs as the scipy sparse matrices the metric kernels run on, and the weight check they share."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.errors import AnalysisError


def _csr(G: nx.Graph, weight: str | None) -> tuple[list[Any], sp.csr_array]:
    nodes = list(G)
    if not nodes:
        return nodes, sp.csr_array((0, 0))
    A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight, dtype=float, format="csr")
    return nodes, sp.csr_array(A)


def _check_weights(A: sp.csr_array) -> None:
    if A.nnz and (not np.all(np.isfinite(A.data)) or A.data.min() < 0):
        raise AnalysisError("edge weights must be finite and non-negative; fix the weights or pass weight=None")
