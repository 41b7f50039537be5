"""The four networks projected from the base tables, as sorted node ids and scipy sparse matrices.

Each projection is aggregated in numpy/scipy sparse rather than Python dict loops, so that a
project with k beneficiaries costs one sparse product instead of k(k-1)/2 dictionary updates:

- ``collaboration``: organisations tied by shared EU projects. ``projects`` = number of shared
  projects (the ``weight``); ``money`` = sum of the ``eu_budget`` of the shared projects, each in
  its project's currency (not converted; the currencies seen are in ``G.graph["currencies"]``),
  counted in full for every pair, so ``money`` is "EU money the two ran together".
- ``market``: directed buyer -> supplier. ``awards`` = number of award relationships (one per lot
  and supplier; the ``weight``); ``value`` = sum of award values, where an award's value is its own
  ``value`` when the source gives one, else its procurement's ``value`` split equally among that
  procurement's awards (unknown when neither is known; ``value_known`` counts awards with a value).
- ``buyers``: buyer -- buyer, ``suppliers`` = number of distinct suppliers they share (``weight``).
- ``stakeholder``: the union of collaboration and (undirected) market, ``weight`` = shared
  projects + awards, keeping ``projects``, ``money``, ``awards`` and ``value``.

Self-loops (an organisation buying from itself) are dropped and counted in ``G.graph["self_loops"]``.
Nodes are organisation ids in sorted order and edges are added in sorted order, so the same data
gives the same graph (and the same seeded results) whichever store it was loaded into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.analysis.tables import Awards, Beneficiaries, _codes
from graph.errors import AnalysisError

NETWORKS = ("collaboration", "market", "buyers", "stakeholder")


@dataclass
class Projection:
    """An undirected (or directed) weighted network as sorted node ids and sparse matrices.

    ``matrices`` maps an edge attribute to an n x n scipy CSR matrix (upper triangle only for
    undirected networks); ``weight`` names the attribute metrics use.
    """

    name: str
    nodes: np.ndarray
    matrices: dict[str, sp.csr_array]
    weight: str = "weight"
    directed: bool = False
    graph_attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.nodes)

    def adjacency(self, attr: str | None = None) -> sp.csr_array:
        """The full n x n adjacency (symmetric when undirected) of ``attr`` (default the weight)."""
        m = self.matrices[attr or self.weight]
        if not self.directed:
            m = (m + m.T).tocsr()
        return sp.csr_array(m)

    def to_networkx(self) -> nx.Graph:
        """The projection as a networkx Graph/DiGraph, nodes and edges in sorted order."""
        G: nx.Graph = nx.DiGraph() if self.directed else nx.Graph()
        G.graph.update(self.graph_attrs, name=self.name, weight=self.weight)
        G.add_nodes_from(self.nodes.tolist())
        first = self.matrices[self.weight].tocoo()
        order = np.lexsort((first.col, first.row))
        rows, cols = first.row[order], first.col[order]
        attrs = {a: np.asarray(m.tocsr()[rows, cols]).ravel() for a, m in self.matrices.items()}
        names = self.nodes
        keys = list(attrs)
        cols_values = [attrs[a].tolist() for a in keys]
        G.add_edges_from(
            (names[u], names[v], dict(zip(keys, vals)))
            for u, v, *vals in zip(rows.tolist(), cols.tolist(), *cols_values)
        )
        return G


def _upper(m: sp.spmatrix) -> sp.csr_array:
    out = sp.triu(m, k=1, format="csr")
    out.eliminate_zeros()
    return sp.csr_array(out)


def _aligned(m: sp.spmatrix | sp.sparray, pattern: sp.csr_array) -> sp.csr_array:
    """The entries of ``m`` at the non-zero positions of ``pattern`` (explicit zeros kept)."""
    rows, cols = pattern.nonzero()
    if len(rows) == 0:
        return sp.csr_array(pattern.shape, dtype=float)
    values = np.asarray(sp.csr_array(m)[rows, cols], dtype=float).ravel()
    return sp.csr_array((values, (rows, cols)), shape=pattern.shape)


def _reindex(m: sp.csr_array, old: np.ndarray, new: np.ndarray) -> sp.csr_array:
    """``m`` indexed by ``old`` node ids, re-indexed into the (sorted superset) ``new``."""
    pos = np.searchsorted(new, old)
    coo = m.tocoo()
    return sp.csr_array((coo.data, (pos[coo.row], pos[coo.col])), shape=(len(new), len(new)))


def collaboration_projection(ben: Beneficiaries) -> Projection:
    """Organisations tied by shared EU projects (see the module docstring for the weights)."""
    orgs, oi = _codes(ben.org)
    projects, pi = _codes(ben.project)
    n, p = len(orgs), len(projects)
    inc = sp.csr_array((np.ones(len(oi)), (oi, pi)), shape=(n, p))
    inc.data[:] = 1.0  # duplicate memberships count once
    budget = np.zeros(p)
    if len(pi):
        budget[pi] = np.nan_to_num(ben.eu_budget, nan=0.0)
    shared = _upper(inc @ inc.T)
    money = _upper(inc @ sp.diags_array(budget) @ inc.T)
    # keep money aligned with shared (a pair with zero-budget projects still has a tie)
    money = _aligned(money, shared)
    currencies = sorted({c for c in ben.currency if c})
    return Projection(
        "collaboration",
        orgs,
        {"weight": shared, "projects": shared, "money": money},
        graph_attrs={"currencies": currencies, "projects": p, "self_loops": 0},
    )


def market_projection(aw: Awards) -> Projection:
    """Directed buyer -> supplier network (see the module docstring for the weights)."""
    nodes, codes = _codes(aw.buyer + aw.supplier)
    m = len(aw.buyer)
    bi, si = codes[:m], codes[m:]
    n = len(nodes)
    loops = bi == si
    keep = ~loops
    bi, si = bi[keep], si[keep]
    value = aw.value[keep]
    awards = sp.csr_array((np.ones(len(bi)), (bi, si)), shape=(n, n))
    known = ~np.isnan(value)
    value_m = sp.csr_array((np.where(known, value, 0.0), (bi, si)), shape=(n, n))
    known_m = sp.csr_array((known.astype(float), (bi, si)), shape=(n, n))
    awards.sum_duplicates()
    value_m = _aligned(value_m, awards)
    known_m = _aligned(known_m, awards)
    currencies = sorted({c for c in aw.currency if c})
    return Projection(
        "market",
        nodes,
        {"weight": awards, "awards": awards, "value": value_m, "value_known": known_m},
        directed=True,
        graph_attrs={"currencies": currencies, "self_loops": int(loops.sum())},
    )


def buyers_projection(aw: Awards, *, max_edges: int = 2_000_000, block: int = 2_000) -> Projection:
    """Buyers tied by the number of distinct suppliers they share.

    At EU scale nearly every pair of buyers shares some hub supplier, so the full projection is
    dense (hundreds of millions of pairs). Only pairs sharing at least ``min_shared`` suppliers
    are kept, the smallest threshold that keeps at most ``max_edges`` edges (1 when the network
    is small enough); the threshold is in ``G.graph["min_shared"]``. The product is computed in
    row blocks so it never materialises the dense projection.
    """
    buyers, bi = _codes(aw.buyer)
    suppliers, si = _codes(aw.supplier)
    nb = len(buyers)
    inc = sp.csr_array((np.ones(len(bi)), (bi, si)), shape=(nb, len(suppliers)))
    inc.sum_duplicates()
    inc.data[:] = 1.0
    # one pass over row blocks, upper triangle only (block rows x buyers from the block on);
    # pairs below the running threshold are dropped as soon as the kept ones exceed max_edges
    hist = np.zeros(2, dtype=np.int64)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    kept, t = 0, 1

    def threshold() -> int:
        at_least = np.cumsum(hist[::-1])[::-1]  # at_least[t] = pairs sharing >= t suppliers
        t = 1
        while t < len(at_least) and at_least[t] > max_edges:
            t += 1
        return t

    for start in range(0, nb, block):
        prod = sp.csr_array(inc[start : start + block] @ sp.csr_array(inc[start:]).T).tocoo()
        r, c, v = prod.row + start, prod.col + start, prod.data
        upper = c > r
        r, c, v = r[upper], c[upper], v[upper].astype(np.int64)
        h = np.bincount(v)
        if len(h) > len(hist):
            hist = np.pad(hist, (0, len(h) - len(hist)))
        hist[: len(h)] += h
        keep = v >= t
        rows.append(r[keep])
        cols.append(c[keep])
        vals.append(v[keep])
        kept += int(keep.sum())
        if kept > max_edges:
            t = threshold()
            keeps = [x >= t for x in vals]
            rows = [x[k] for x, k in zip(rows, keeps)]
            cols = [x[k] for x, k in zip(cols, keeps)]
            vals = [x[k] for x, k in zip(vals, keeps)]
            kept = sum(len(x) for x in vals)
    t = max(t, threshold())
    if rows:
        rr, cc, vv = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        keep = vv >= t
        shared = sp.csr_array((vv[keep].astype(float), (rr[keep], cc[keep])), shape=(nb, nb))
    else:
        shared = sp.csr_array((nb, nb), dtype=float)
    return Projection(
        "buyers", buyers, {"weight": shared, "suppliers": shared}, graph_attrs={"self_loops": 0, "min_shared": t}
    )


def stakeholder_projection(collab: Projection, market: Projection) -> Projection:
    """The union of collaboration and the undirected market network."""
    nodes = np.union1d(collab.nodes, market.nodes)

    def und(attr: str) -> sp.csr_array:
        m = market.matrices[attr]
        return _upper(m + m.T) if m.nnz else sp.csr_array(m.shape, dtype=float)

    parts = {
        "projects": _reindex(collab.matrices["projects"], collab.nodes, nodes),
        "money": _reindex(collab.matrices["money"], collab.nodes, nodes),
        "awards": _reindex(und("awards"), market.nodes, nodes),
        "value": _reindex(und("value"), market.nodes, nodes),
    }
    weight = _upper(parts["projects"] + parts["awards"])
    aligned = {k: _aligned(v, weight) for k, v in parts.items()}
    return Projection(
        "stakeholder",
        nodes,
        {"weight": weight, **aligned},
        graph_attrs={
            "currencies": sorted(set(collab.graph_attrs["currencies"]) | set(market.graph_attrs["currencies"])),
            "self_loops": market.graph_attrs["self_loops"],
        },
    )


class _Reader:
    """Reads each base table from the store at most once for several projections."""

    def __init__(self, store: Any, beneficiaries: Beneficiaries | None = None, awards: Awards | None = None) -> None:
        self.store = store
        self._ben: Beneficiaries | None = beneficiaries
        self._aw: Awards | None = awards
        self._proj: dict[str, Projection] = {}

    def projection(self, name: str) -> Projection:
        if name not in NETWORKS:
            raise AnalysisError(f"unknown network {name!r}; choose one of {', '.join(NETWORKS)}")
        if name in self._proj:
            return self._proj[name]
        if name in ("collaboration", "stakeholder") and self._ben is None:
            self._ben = Beneficiaries.read(self.store)
        if name in ("market", "buyers", "stakeholder") and self._aw is None:
            self._aw = Awards.read(self.store)
        if name == "collaboration":
            assert self._ben is not None
            proj = collaboration_projection(self._ben)
        elif name == "market":
            assert self._aw is not None
            proj = market_projection(self._aw)
        elif name == "buyers":
            assert self._aw is not None
            proj = buyers_projection(self._aw)
        else:
            proj = stakeholder_projection(self.projection("collaboration"), self.projection("market"))
        self._proj[name] = proj
        return proj


def projection(store: Any, name: str) -> Projection:
    """Read the projection ``name`` (one of NETWORKS) from ``store``."""
    return _Reader(store).projection(name)


def build_network(store: Any, name: str) -> nx.Graph:
    """Read the network ``name`` (one of NETWORKS) from ``store`` as a networkx graph.

    Raises AnalysisError for an unknown name. An empty store gives an empty graph.
    """
    return projection(store, name).to_networkx()
