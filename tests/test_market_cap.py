"""A capped depth-2 market view keeps what was asked for: the other buyers first (issue 13, item 10)."""

from __future__ import annotations

import networkx as nx
from test_network import award, buys, org, proc

from graph.neighbourhood import market


def test_depth_two_market_under_the_cap_shows_the_other_buyers_first(embedded_store):
    # B buys P from S; S also won O1..O5: X1 bought O1 and O2 (2 lots of S), X2..X4 one each.
    recs = [org("b"), org("s"), proc("P", 10.0), buys("b", "P"), award("P", "s")]
    for i, buyer in ((1, "x1"), (2, "x1"), (3, "x2"), (4, "x3"), (5, "x4")):
        recs += [proc(f"O{i}", 1.0), award(f"O{i}", "s")]
        recs.append(buys(buyer, f"O{i}"))
    recs += [org(x) for x in ("x1", "x2", "x3", "x4")]
    embedded_store.load(recs)
    full = market(embedded_store, "b", depth=2, max_nodes=100)
    assert full.graph["omitted"] == 0 and full.number_of_nodes() == 3 + 5 + 4
    G = market(embedded_store, "b", depth=2, max_nodes=3 + 4)
    kept = {k for k in G}
    # two buyers, each with the procurement that ties it to S; x1 (2 lots) before x2 (ties by id)
    assert {("Organisation", "x1"), ("Organisation", "x2")} <= kept
    assert {k for k in kept if k[0] == "Procurement"} == {("Procurement", "P"), ("Procurement", "O1"), ("Procurement", "O3")}
    assert nx.is_connected(G) and G.graph["omitted"] == 5
    assert "other buyers first (2 of 4)" in G.graph["more"]
