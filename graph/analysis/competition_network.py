"""Competition networks: suppliers that mostly win single-bid lots, buyers tied by them, buyer-supplier dependence.

Definitions (docs/indicators.md, "Competition networks"):

- ``single_bid_suppliers``: suppliers with at least ``SINGLE_BID_MIN_LOTS`` won lots whose tenders
  received are known, of which at least ``SINGLE_BID_SHARE`` received exactly one tender.
- ``single_bid_buyer_graph``: buyer -- buyer, ``weight`` = number of such suppliers both buyers
  awarded a lot to (any lot, single-bid or not), ``suppliers`` = their ids (';'-joined, sorted).
- ``dependence_graph``: directed buyer -> supplier when the buyer has at least
  ``DEPENDENCE_MIN_AWARDS`` non-redacted awards and the supplier holds at least ``DEPENDENCE_SHARE``
  of them or of their known value; edges keep ``awards``, ``share`` and ``value_share``.

Inputs are plain data (so this module needs nothing above graph/analysis): ``wins`` are
(buyer, supplier, procurement, lot, tenders received or None) tuples, one per lot and winning
supplier, redacted suppliers already left out; ``wins_from`` builds them from any objects with
``buyer``, ``procurement``, ``lot`` and ``tenders`` and a (procurement, lot) -> suppliers mapping.
Nodes and edges are added in sorted order, so the same data gives the same graph from either store.

>>> wins = [("B1", "S", "p1", str(i), 1) for i in range(4)] + [("B2", "S", "p2", "1", 3), ("B2", "T", "p2", "1", 3)]
>>> single_bid_suppliers(wins)["S"]
{'lots': 5, 'single': 4, 'share': 0.8, 'buyers': ['B1', 'B2']}
>>> G = single_bid_buyer_graph(wins)
>>> sorted(G.edges(data=True))
[('B1', 'B2', {'weight': 1, 'suppliers': 'S'})]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

import networkx as nx

SINGLE_BID_MIN_LOTS = 5
SINGLE_BID_SHARE = 0.5
DEPENDENCE_SHARE = 0.25
DEPENDENCE_MIN_AWARDS = 10

Win = tuple[str, str, str, str, int | None]


def wins_from(lots: Iterable[Any], winners: Mapping[tuple[str, str], Iterable[str]]) -> list[Win]:
    """(buyer, supplier, procurement, lot, tenders) for every lot with a known winner, sorted.

    ``lots`` have ``buyer``, ``procurement``, ``lot``, ``tenders`` (graph.competition.Lot); lots
    without a tenders row are not in ``lots`` and so not here.
    """
    out = {(lt.buyer, s, lt.procurement, lt.lot, lt.tenders)
           for lt in lots for s in winners.get((lt.procurement, lt.lot), ())}
    return sorted(out, key=lambda w: (w[0], w[1], w[2], w[3]))


def single_bid_suppliers(wins: Iterable[Win], *, min_lots: int = SINGLE_BID_MIN_LOTS,
                         min_share: float = SINGLE_BID_SHARE) -> dict[str, dict[str, Any]]:
    """Suppliers that mostly win single-bid lots: supplier -> lots (known count), single, share, buyers.

    >>> single_bid_suppliers([("B", "S", "p", str(i), 1 if i < 2 else 2) for i in range(5)])
    {}
    >>> single_bid_suppliers([("B", "S", "p", str(i), 1 if i < 3 else None) for i in range(6)], min_lots=3)
    {'S': {'lots': 3, 'single': 3, 'share': 1.0, 'buyers': ['B']}}
    """
    lots: dict[str, set[tuple[str, str]]] = defaultdict(set)
    single: dict[str, set[tuple[str, str]]] = defaultdict(set)
    buyers: dict[str, set[str]] = defaultdict(set)
    for buyer, sup, pid, lot, tenders in wins:
        buyers[sup].add(buyer)
        if tenders is None:
            continue
        lots[sup].add((pid, lot))
        if tenders == 1:
            single[sup].add((pid, lot))
    out = {}
    for sup in sorted(lots):
        n, k = len(lots[sup]), len(single[sup])
        if n >= min_lots and k / n >= min_share:
            out[sup] = {"lots": n, "single": k, "share": k / n, "buyers": sorted(buyers[sup])}
    return out


def single_bid_buyer_graph(wins: Sequence[Win], *, min_lots: int = SINGLE_BID_MIN_LOTS,
                           min_share: float = SINGLE_BID_SHARE) -> nx.Graph:
    """Buyers tied by the single-bid suppliers they share (see the module doc); isolated buyers kept."""
    flagged = single_bid_suppliers(wins, min_lots=min_lots, min_share=min_share)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for sup, info in flagged.items():
        for a, b in combinations(info["buyers"], 2):
            shared[(a, b)].append(sup)
    G = nx.Graph(name="single_bid", weight="weight", min_lots=min_lots, min_share=min_share,
                 suppliers=len(flagged))
    G.add_nodes_from(sorted({b for info in flagged.values() for b in info["buyers"]}))
    G.add_edges_from((a, b, {"weight": len(s), "suppliers": ";".join(sorted(s))}) for (a, b), s in sorted(shared.items()))
    return G


def dependence_graph(winner_shares: Mapping[str, Sequence[Mapping[str, Any]]], *, min_share: float = DEPENDENCE_SHARE,
                     min_awards: int = DEPENDENCE_MIN_AWARDS) -> nx.DiGraph:
    """Buyer -> supplier dependence edges from each buyer's winner shares (graph.competition's
    ``winner_shares``: supplier, awards, share, value_share); see the module doc.

    >>> shares = {"B": [{"supplier": "S", "awards": 3, "share": 0.3, "value_share": 0.1},
    ...                 {"supplier": "T", "awards": 7, "share": 0.7, "value_share": None}],
    ...           "C": [{"supplier": "S", "awards": 2, "share": 1.0, "value_share": 1.0}]}
    >>> sorted(dependence_graph(shares).edges(data="share"))
    [('B', 'S', 0.3), ('B', 'T', 0.7)]
    >>> dependence_graph(shares, min_share=0.5, min_awards=1).number_of_edges()
    2
    """
    G = nx.DiGraph(name="dependence", weight="share", min_share=min_share, min_awards=min_awards)
    for buyer in sorted(winner_shares):
        rows = winner_shares[buyer]
        if sum(int(r["awards"]) for r in rows) < min_awards:
            continue
        for r in sorted(rows, key=lambda r: str(r["supplier"])):
            vs = r.get("value_share")
            if r["share"] >= min_share or (vs is not None and vs >= min_share):
                G.add_edge(buyer, r["supplier"], awards=int(r["awards"]), share=float(r["share"]),
                           value_share=None if vs is None else float(vs))
    return G
