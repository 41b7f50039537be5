"""Procurement indicators: hand-computed answers on a small store, coverage, counties, bridges."""

from __future__ import annotations

import math

import pytest
from test_network import award, ben, buys, org, proc, project, small_world

from graph import indicators as I
from graph.analysis.analyze import analyze
from graph.analysis.tables import Awards
from graph.identity import anonymous_key
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
    # No notice database recorded: all procurements share one ("(not recorded)"), which fills env
    # (q1), social (q1, q2) and innovation (q4), so every procurement counts as reported for them.
    assert x.env_flagged_share == 0.5 and x.flag_filled["env_sustainable"] == 2 and x.flag_true["env_sustainable"] == 1
    assert x.social_flagged_share == 0.0 and x.flag_filled["social_sustainable"] == 2
    assert x.innovation_flagged_share == 0.0 and x.flag_status("innovation") == "reported"
    assert x.coordinated_flagged_share is None and x.flag_status("coordinated") == "not reported"
    y = ind.buyer("y")
    assert (y.hhi_count, y.hhi_value, y.sme_share_count, y.value) == (1.0, 1.0, 0.0, 50.0)
    z = ind.buyer("z")
    assert z.awards == 0 and z.hhi_count is None and z.innovation_flagged_share == 1.0


def test_coverage_tells_missing_from_not_applicable(market):
    ind = I.compute_indicators(market)
    assert [m.key for m in ind.buyers] == ["a", "x", "y", "z"]
    hhi = ind.buyer_coverage["hhi_count"]
    assert (hhi.with_data, hhi.missing, hhi.not_applicable) == (3, 0, 1)  # z has no awards
    innov = ind.buyer_coverage["innovation_flagged_share"]
    assert (innov.with_data, innov.missing, innov.not_applicable) == (4, 0, 0)
    coord = ind.buyer_coverage["coordinated_flagged_share"]  # no database fills it: not reported anywhere
    assert (coord.with_data, coord.missing, coord.not_applicable) == (0, 4, 0)
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


def redacted(key: str) -> Node:
    return Node("Organisation", {"org_id": anonymous_key("upphandling", key), "name": "Personuppgift",
                                 "quality": "redacted_person"})


def sized_award(p: str, s: str, lot: str, size: str | None) -> Rel:
    return Rel("AWARDED_TO", ("Procurement", p), ("Organisation", s), {"lot_id": lot, "supplier_size": size})


@pytest.fixture
def notices(embedded_store):
    r1, r2 = redacted("P1:1:1"), redacted("P1:1:2")
    embedded_store.load([
        org("b"), org("c"), org("s1", size="large"), org("s2", size="small"), r1, r2,
        proc("P1", None, notice_db="Mercell"), proc("P2", None, notice_db="KommersAnnons", env_sustainable=True),
        proc("P3", None, notice_db="KommersAnnons"), proc("P4", None, notice_db="Mercell"),
        buys("b", "P1"), buys("b", "P2"), buys("b", "P3"), buys("c", "P4"),
        sized_award("P1", "s1", "1", "small"), sized_award("P1", "s1", "2", "large"),
        sized_award("P1", r1.props["org_id"], "1", "micro"), sized_award("P1", r2.props["org_id"], "1", "micro"),
        sized_award("P2", "s2", "1", None),  # no size reported on the row: unknown, whatever s2's own size
        sized_award("P4", "s2", "1", "small"),
    ])
    return embedded_store


def test_redacted_awards_are_counted_apart_and_hhi_has_its_range(notices):
    b = I.compute_indicators(notices).buyer("b")
    assert (b.awards, b.redacted_awards, b.suppliers) == (5, 2, 2)
    assert b.hhi_count == pytest.approx(5 / 9)  # s1 2, s2 1
    assert b.hhi_count_pooled == pytest.approx(9 / 25)  # s1 2, s2 1, the redacted pooled 2
    assert b.hhi_range == pytest.approx((9 / 25, 5 / 9))
    assert b.top_share_count == pytest.approx(2 / 3)


def test_sme_share_uses_the_size_reported_on_each_award_and_leaves_out_redacted(notices):
    ind = I.compute_indicators(notices)
    assert ind.award_sizes == "award"
    b = ind.buyer("b")
    # sized, non-redacted: s1 small, s1 large; s2's P2 row reports no size; the redacted micro are out
    assert (b.sized_awards, b.sme_awards, b.sme_share_count) == (2, 1, 0.5)


def test_flags_are_reported_only_where_the_notice_database_fills_them(notices):
    ind = I.compute_indicators(notices)
    b, c = ind.buyer("b"), ind.buyer("c")
    assert (b.flag_filled["env_sustainable"], b.flag_true["env_sustainable"], b.env_flagged_share) == (2, 1, 0.5)
    assert c.flag_status("env_sustainable") == "not reported" and c.env_flagged_share is None
    by_db = {r.notice_db: r for r in ind.flag_coverage}
    assert by_db["Mercell"].procurements == 2 and by_db["Mercell"].flagged["env_sustainable"] == 0
    assert by_db["KommersAnnons"].flagged["env_sustainable"] == 1 and by_db["KommersAnnons"].filled["env_sustainable"] == 1


def test_a_county_pools_the_buyers_placed_in_it_and_nobody_else(market):
    ind = I.compute_indicators(market)
    assert ind.county_of == {"a": "SE313", "x": "SE313"}
    pooled = ind.counties[0]
    assert pooled.awards == ind.buyer("a").awards + ind.buyer("x").awards
