"""Procurement indicators: hand-computed answers on a small store, coverage, counties, bridges."""

from __future__ import annotations

import math

import pytest
from test_network import award, ben, buys, org, proc, project, small_world

from graph import indicators as I
from graph.analysis.analyze import analyze
from graph.analysis.tables import Awards
from graph.records import Node, Rel


def region(code: str, level: int = 3) -> Node:
    return Node("Region", {"nuts_code": code, "name": f"county {code}", "level": level})


def located(label: str, key: str, code: str) -> Rel:
    return Rel("LOCATED_IN", (label, key), ("Region", code))


@pytest.fixture
def market(embedded_store):
    recs = small_world()
    recs += [
        Node("Organisation", {"org_id": "s1", "size": "small"}),
        Node("Organisation", {"org_id": "s2", "size": "large"}),
        Node("Procurement", {"procurement_id": "q1", "env_sustainable": True, "social_sustainable": False}),
        Node("Procurement", {"procurement_id": "q2", "social_sustainable": False}),
        org("z"), proc("q4", 5.0, innovation=True), buys("z", "q4"),  # a buyer without awards
        region("SE313"), region("SE110"), region("SE3", level=1),
        located("Organisation", "x", "SE313"),
        located("Organisation", "y", "SE3"),  # not a county: y stays unlocated
        located("Project", "p1", "SE313"), located("Project", "p2", "SE313"), located("Project", "p3", "SE110"),
        ben("s1", "p3"),
    ]
    embedded_store.load(recs)
    return embedded_store


def test_hhi_and_shares_by_hand():
    assert I.hhi([2, 2]) == 0.5
    assert I.hhi([600, 300]) == pytest.approx(5 / 9)
    assert I.hhi([0, 0]) is None and I.hhi([float("nan")]) is None


def test_buyer_indicators_by_hand(market):
    ind = I.compute_indicators(market)
    x = ind.buyer("x")
    # x: q1 = 900 over 3 awards (s1 lot 1, s1 lot 2, s2 lot 1), q2 = one award to s2, no value
    assert (x.procurements, x.awards, x.suppliers, x.valued_awards) == (2, 4, 2, 3)
    assert x.hhi_count == pytest.approx(0.5)
    assert x.top_supplier == "s1" and x.top_share_count == pytest.approx(0.5)
    assert x.hhi_value == pytest.approx((2 / 3) ** 2 + (1 / 3) ** 2)
    assert x.top_share_value == pytest.approx(2 / 3)
    assert x.sme_share_count == pytest.approx(0.5)  # s1 small (2 awards), s2 large (2)
    assert x.sme_share_value == pytest.approx(600 / 900)
    assert x.env_share == 1.0 and x.flag_known["env_sustainable"] == 1  # q2's flag is unknown
    assert x.social_share == 0.0 and x.flag_known["social_sustainable"] == 2
    assert x.innovation_share is None
    y = ind.buyer("y")
    assert (y.hhi_count, y.hhi_value, y.sme_share_count, y.value) == (1.0, 1.0, 0.0, 50.0)
    z = ind.buyer("z")
    assert z.awards == 0 and z.hhi_count is None and z.innovation_share == 1.0


def test_coverage_tells_missing_from_not_applicable(market):
    ind = I.compute_indicators(market)
    assert [m.key for m in ind.buyers] == ["a", "x", "y", "z"]
    hhi = ind.buyer_coverage["hhi_count"]
    assert (hhi.with_data, hhi.missing, hhi.not_applicable) == (3, 0, 1)  # z has no awards
    innov = ind.buyer_coverage["innovation_share"]
    assert (innov.with_data, innov.missing, innov.not_applicable) == (1, 3, 0)
    assert str(hhi) == "3 with data, 0 missing, 1 not applicable"


def test_counties_pool_their_buyers(market):
    ind = I.compute_indicators(market)
    # x by its own LOCATED_IN, a by its projects (p1, p2 in SE313); y (NUTS1 only) and z unlocated
    assert (ind.buyers_located.with_data, ind.buyers_located.missing) == (2, 2)
    assert [c.key for c in ind.counties] == ["SE313"]
    c = ind.counties[0]
    assert c.buyers == 2 and c.name == "county SE313"
    # awards: x's 4 (s1 x2, s2 x2) + a's 1 (s2, value 50) -> counts 2 and 3
    assert c.hhi_count == pytest.approx(0.4**2 + 0.6**2)
    assert c.sme_share_count == pytest.approx(2 / 5)
    assert c.sme_share_value == pytest.approx(600 / 950)


def test_bridges_and_communities(market):
    res = analyze(market, ("stakeholder",), seed=1)
    ind = I.compute_indicators(market, res.network("stakeholder"))
    assert [(b.org_id, b.projects, b.procurements_as_buyer, b.awards_as_supplier) for b in ind.bridges] == [
        ("a", 2, 1, 0), ("s1", 1, 0, 2)]  # both 3 roles in all: ties by org id
    assert ind.bridges[1].betweenness == pytest.approx(res.network("stakeholder").metrics["betweenness"]["s1"])
    assert sum(c.size for c in ind.communities) == res.network("stakeholder").nodes
    for c in ind.communities:
        assert c.sme_share is None or 0 <= c.sme_share <= 1
        assert c.dominant and len(c.dominant) <= 5
    text = ind.summary()
    assert "bridging organisations (EU beneficiary and procurement party): 2" in text


def test_indicators_on_an_empty_store(embedded_store):
    ind = I.compute_indicators(embedded_store)
    assert ind.buyers == [] and ind.counties == [] and ind.bridges == []
    assert ind.buyer_coverage["hhi_count"].total == 0
    assert "buyers: 0" in ind.summary()


def test_no_nan_in_outputs(market):
    ind = I.compute_indicators(market)
    for m in ind.buyers + ind.counties:
        for f in I.INDICATOR_FIELDS:
            v = getattr(m, f)
            assert v is None or (math.isfinite(v) and 0 <= v <= 1)
    assert ind.to_dict()["buyers"][0]["key"] == "a"


def test_award_helper_is_shared_with_network(market):
    aw = Awards.read(market)
    assert sorted(zip(aw.buyer, aw.supplier)) == sorted(
        [("x", "s1"), ("x", "s1"), ("x", "s2"), ("x", "s2"), ("y", "s2"), ("a", "s2")])
    assert award("q9", "s9").props["lot_id"] == "1" and buys("b", "q").type == "BUYER_OF" and project("p", 1.0).label == "Project"
