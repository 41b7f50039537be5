"""Every analyst query gives the same rows, in the same order, on real Neo4j and the embedded store.

Both stores load the same small dataset (:func:`parity_records`), built so that every query's header
example returns rows: Region Gävleborg buying and receiving EU money, the seed project (EU KG item
Q2661002, case 20203353) and its predecessor (Projektbanken case 20200535), a NUTS chain
SE313 -> SE31 -> SE3 -> SE, flagged procurements, SMEs and written-back network metrics. Ties are
built in on purpose (equal values, equal PageRanks, two equally short paths) so that the queries'
tie-breakers are what decides the order.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from graph.queries import Query, list_queries, run_query
from graph.records import Node, Record, Rel

REGION_GAVLEBORG = "SE-ON:2321000198"
HIG = "SE-ON:2021002890"  # Högskolan i Gävle
GAVLE = "SE-ON:2120002338"  # Gävle kommun
SANDVIKEN = "SE-ON:2120002346"  # Sandvikens kommun
DALARNA = "SE-ON:2321000180"  # Region Dalarna
STOCKHOLM = "SE-ON:2321000016"  # Region Stockholm
ENERGI = "SE-ON:5564072501"  # Gävle Energi AB: supplier and beneficiary
ATEA = "NAME:upphandling:atea sverige ab"
STAD = "NAME:upphandling:hälsinge städ ab"
BYGG = "NAME:upphandling:norrlandsbygg ab"
MEDICO = "NAME:upphandling:dansk medico a/s"
KONSULT = "NAME:upphandling:åkerlund konsult ab"

SEED = "EUKG:Q2661002"
PREDECESSOR = "20200535"
SEED_SUMMARY = (
    "I det tidigare projektet Upphandlingsdriven Innovation för Regional Tillväxt har man kunnat konstatera "
    "att det finns en vilja hos upphandlande myndigheter att förändra sitt sätt att upphandla."
)
S = "parity-fixture"


def _org(org_id: str, name: str, region: str | None, **props: Any) -> list[Record]:
    out: list[Record] = [Node("Organisation", {"org_id": org_id, "name": name, "source": S, **props})]
    if region:
        out.append(Rel("LOCATED_IN", ("Organisation", org_id), ("Region", region), {"source": S}))
    return out


def _project(pid: str, region: str, fund: str | None, themes: list[str], beneficiaries: list[str], **props: Any) -> list[Record]:
    out: list[Record] = [Node("Project", {"project_id": pid, "source": S, **props})]
    out.append(Rel("LOCATED_IN", ("Project", pid), ("Region", region), {"source": S}))
    if fund:
        out.append(Rel("FUNDED_BY", ("Project", pid), ("Fund", fund), {"source": S}))
    out += [Rel("HAS_THEME", ("Project", pid), ("Theme", t), {"source": S}) for t in themes]
    out += [
        Rel("BENEFICIARY_OF", ("Organisation", o), ("Project", pid), {"role": "lead" if i == 0 else "partner", "source": S})
        for i, o in enumerate(beneficiaries)
    ]
    return out


def _procurement(pid: str, buyer: str, value: float | None, flags: tuple[bool | None, ...], awards: list[tuple[str, str, int | None, float | None]]) -> list[Record]:
    env, social, innovation = flags
    out: list[Record] = [
        Node(
            "Procurement",
            {
                "procurement_id": pid, "title": f"Upphandling {pid}", "published": "2021-03-01", "value": value,
                "currency": "SEK", "env_sustainable": env, "social_sustainable": social, "innovation": innovation,
                "source": S,
            },
        ),
        Rel("BUYER_OF", ("Organisation", buyer), ("Procurement", pid), {"source": S}),
    ]
    for supplier, lot, bids, award_value in awards:
        out.append(
            Rel("AWARDED_TO", ("Procurement", pid), ("Organisation", supplier),
                {"lot_id": lot, "contracted_bids": bids, "value": award_value, "source": S})
        )
    return out


def parity_records() -> list[Record]:
    """The shared dataset: small, real-shaped, covering every query of the library."""
    recs: list[Record] = [Node("Country", {"code": "SE", "name": "Sverige", "source": S})]
    regions = [
        ("SE1", "Östra Sverige", 1, None), ("SE11", "Stockholm", 2, "SE1"), ("SE110", "Stockholms län", 3, "SE11"),
        ("SE3", "Norra Sverige", 1, None), ("SE31", "Norra Mellansverige", 2, "SE3"),
        ("SE311", "Värmlands län", 3, "SE31"), ("SE312", "Dalarnas län", 3, "SE31"), ("SE313", "Gävleborgs län", 3, "SE31"),
    ]
    for code, name, level, parent in regions:
        recs.append(Node("Region", {"nuts_code": code, "name": name, "level": level, "nuts_version": "2013", "source": S}))
        if parent:
            recs.append(Rel("PART_OF", ("Region", code), ("Region", parent), {"source": S}))
        else:
            recs.append(Rel("PART_OF", ("Region", code), ("Country", "SE"), {"source": S}))
    recs += [
        Node("Fund", {"code": "ERDF", "name": "European Regional Development Fund", "source": S}),
        Node("Fund", {"code": "ESF", "name": "European Social Fund", "source": S}),
        Node("Theme", {"theme_id": "TO01", "kind": "thematic_objective", "code": "01",
                       "name": "Forskning och innovation", "source": S}),
        Node("Theme", {"theme_id": "TO03", "kind": "thematic_objective", "code": "03",
                       "name": "Små och medelstora företags konkurrenskraft", "source": S}),
        Node("Theme", {"theme_id": "PA:innovation", "kind": "priority_axis", "code": "1", "name": "Innovation", "source": S}),
    ]
    # Organisations, with written-back metrics (two equal PageRanks in community 0 test the tie-break).
    recs += _org(REGION_GAVLEBORG, "Region Gävleborg", "SE313", org_number="2321000198", is_public=True,
                 pagerank=0.12, community=0, degree=9)
    recs += _org(HIG, "Högskolan i Gävle", "SE313", org_number="2021002890", is_public=True,
                 pagerank=0.05, community=0, degree=4)
    recs += _org(GAVLE, "Gävle kommun", "SE313", is_public=True, pagerank=0.05, community=0, degree=5)
    recs += _org(SANDVIKEN, "Sandvikens kommun", "SE313", is_public=True, pagerank=0.03, community=1, degree=3)
    recs += _org(DALARNA, "Region Dalarna", "SE312", is_public=True, pagerank=0.04, community=1, degree=3)
    recs += _org(STOCKHOLM, "Region Stockholm", "SE110", is_public=True, pagerank=0.02, community=2, degree=1)
    recs += _org(ENERGI, "Gävle Energi AB", "SE313", size="medium", pagerank=0.03, community=0, degree=3)
    recs += _org(ATEA, "Atea Sverige AB", None, size="large", pagerank=0.06, community=0, degree=4)
    recs += _org(STAD, "Hälsinge Städ AB", None, size="micro", community=0, degree=2)
    recs += _org(BYGG, "Norrlandsbygg AB", None, size="small", pagerank=0.01, community=1, degree=2)
    recs += _org(MEDICO, "Dansk Medico A/S", None, country="DK")
    recs += _org(KONSULT, "Åkerlund Konsult AB", None, size="small", community=1, degree=1)

    # EU projects: the seed and its predecessor, both led by Region Gävleborg in SE313.
    recs += _project(SEED, "SE313", "ERDF", ["TO01", "PA:innovation"], [REGION_GAVLEBORG, HIG],
                     summary=SEED_SUMMARY, start_date="2019-11-01", end_date="2023-02-28", eu_budget=6647552.0,
                     total_budget=13295106.0, currency="SEK", cofinancing_rate=0.5, postal_code="80187")
    recs += _project(PREDECESSOR, "SE313", "ERDF", ["TO03"], [REGION_GAVLEBORG],
                     title="Upphandlingsdriven Innovation för Regional Tillväxt", start_date="2016-09-01",
                     end_date="2019-08-31", eu_budget=4952165.0, currency="SEK")
    recs += _project("20201111", "SE313", "ERDF", ["TO01"], [GAVLE, HIG, ENERGI],
                     title="Energismart Gävle", start_date="2018-01-15", eu_budget=2000000.0, total_budget=4000000.0,
                     currency="SEK")
    recs += _project("20202222", "SE313", "ESF", ["TO03"], [HIG, REGION_GAVLEBORG],
                     title="Kompetens i Gävleborg", start_date="2017-05-01", eu_budget=2000000.0, currency="SEK")
    recs += _project("20203333", "SE312", "ERDF", ["TO01"], [DALARNA, HIG],
                     title="Innovation Dalarna", start_date="2018-03-01", eu_budget=1500000.5, currency="SEK")
    recs += _project("20204444", "SE110", "ERDF", ["TO03"], [STOCKHOLM],
                     title="Stockholm växer", start_date="2019-01-01", eu_budget=9000000.0, currency="SEK")
    recs += _project("EUKG:Q9000001", "SE313", None, [], [SANDVIKEN], title="Gränsöverskridande samverkan",
                     start_date="2020-02-01", eu_budget=250000.0, currency="EUR")
    recs += _project("20205555", "SE313", "ERDF", [], [SANDVIKEN], title="Sandviken bredband",
                     start_date="2017-09-01", currency="SEK")

    # Procurements: (supplier, lot, contracted bids, award value).
    recs += _procurement("UH-2021-001", REGION_GAVLEBORG, 1200000.0, (True, False, True),
                         [(ATEA, "1", 3, None), (STAD, "2", 1, None)])
    recs += _procurement("UH-2021-002", REGION_GAVLEBORG, 800000.0, (False, None, False), [(ATEA, "1", 2, None)])
    recs += _procurement("UH-2021-003", REGION_GAVLEBORG, None, (None, True, None), [(BYGG, "1", 1, 300000.0)])
    recs += _procurement("UH-2021-004", REGION_GAVLEBORG, 500000.0, (True, True, False),
                         [(ENERGI, "1", 4, None), (MEDICO, "2", 1, None)])
    recs += _procurement("UH-2021-005", REGION_GAVLEBORG, 300000.0, (False, False, False), [(KONSULT, "1", 2, None)])
    recs += _procurement("UH-2021-010", GAVLE, 600000.0, (True, False, False), [(ATEA, "1", 5, None), (ENERGI, "1", 2, None)])
    recs += _procurement("UH-2021-011", GAVLE, 250000.0, (False, False, False), [(STAD, "1", 1, None)])
    recs += _procurement("UH-2021-012", GAVLE, 400000.0, (None, None, None), [(BYGG, "1", 2, None)])
    recs += _procurement("UH-2021-020", SANDVIKEN, 300000.0, (False, True, False), [(BYGG, "1", 1, None), (ATEA, "2", 3, None)])
    recs += _procurement("UH-2021-021", SANDVIKEN, 100000.0, (False, False, False), [(KONSULT, "1", 1, None)])
    recs += _procurement("UH-2021-030", DALARNA, 900000.0, (True, False, True), [(ATEA, "1", 6, None)])
    recs += _procurement("UH-2021-031", DALARNA, 450000.0, (False, False, False), [(MEDICO, "1", 2, None)])
    recs += _procurement("UH-2021-032", DALARNA, 450000.0, (False, False, False), [(STAD, "1", 3, None)])
    recs += _competition()
    return recs


BOLLNAS = "SE-ON:2120002361"  # Bollnäs kommun, unplaced: buys only from one builder (a captive supplier)
BOLLNAS_BYGG = "NAME:upphandling:bollnäs bygg ab"


def _competition() -> list[Record]:
    """Lots with tenders received, CPV, procedure and appeals on Region Gävleborg's procurements, and a
    buyer whose only supplier wins all its awards there (competition queries; tied rates on purpose)."""
    recs: list[Record] = []
    lots = {"UH-2021-001": [("1", 3), ("2", 1)], "UH-2021-002": [("1", 1)], "UH-2021-003": [("1", 2)],
            "UH-2021-004": [("1", 4), ("2", 1)], "UH-2021-005": [("1", None)], "UH-2021-010": [("1", 1)]}
    for pid, pl in lots.items():
        recs.append(Node("Procurement", {"procurement_id": pid, "cpv": "45000000", "source": S,
                                         "procedure": "Öppet förfarande" if pid != "UH-2021-002" else "Förenklat förfarande",
                                         "appealed": pid == "UH-2021-004"}))
        for lot, tenders in pl:
            key = f"{pid}|{lot}"
            recs.append(Node("Lot", {"lot_key": key, "procurement_id": pid, "lot_id": lot, "tenders_received": tenders,
                                     "source": S}))
            recs.append(Rel("HAS_LOT", ("Procurement", pid), ("Lot", key), {"source": S}))
    recs += _org(BOLLNAS, "Bollnäs kommun", None, org_number="2120002361", is_public=True)
    recs.append(Node("Organisation", {"org_id": BOLLNAS_BYGG, "name": "Bollnäs Bygg AB", "source": S}))
    for pid in ("UH-2021-040", "UH-2021-041", "UH-2021-042"):
        recs += _procurement(pid, BOLLNAS, 100000.0, (None, None, None), [(BOLLNAS_BYGG, "1", 1, None)])
    return recs


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b) and type(a) is type(b)


QUERIES = list_queries()


@pytest.fixture(scope="module")
def embedded_parity(tmp_path_factory: pytest.TempPathFactory):
    """The embedded store loaded with :func:`parity_records` (once for the module)."""
    from graph.store.embedded import EmbeddedStore, open_database

    conn = open_database(tmp_path_factory.mktemp("parity") / "parity.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load(parity_records())
    yield store
    conn.close()


@pytest.fixture
def parity_stores(embedded_parity: Any, neo4j_store: Any):
    """The embedded store and real Neo4j (cleared, locked for this test), loaded with the same records."""
    neo4j_store.load(parity_records())
    return embedded_parity, neo4j_store


@pytest.mark.neo4j
@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_query_gives_same_rows_on_both_stores(parity_stores: Any, query: Query) -> None:
    embedded, neo4j = parity_stores
    params = query.example_params()
    got_embedded = run_query(embedded, query, params)
    got_neo4j = run_query(neo4j, query, params)
    assert got_embedded.columns == list(query.columns), f"{query.name}: embedded columns differ from the header"
    assert got_neo4j.columns == list(query.columns), f"{query.name}: Neo4j columns differ from the header"
    assert got_embedded.rows, f"{query.name}: no rows on the fixture with the header's example parameters"
    assert len(got_embedded.rows) == len(got_neo4j.rows), (got_embedded.rows, got_neo4j.rows)
    for i, (row_e, row_n) in enumerate(zip(got_embedded.rows, got_neo4j.rows)):
        assert _same(list(row_e), list(row_n)), f"{query.name} row {i}: embedded {row_e} != Neo4j {row_n}"


@pytest.mark.neo4j
def test_every_query_agrees_on_a_synthetic_network(tmp_path: Any, neo4j_store: Any) -> None:
    """Beyond the hand-made fixture: a seeded synthetic network (hundreds of buyers, suppliers and
    projects, many ties, amounts split over awards) gives identical full result lists on both stores."""
    from graph.sources.synthetic import iter_records
    from graph.store.embedded import EmbeddedStore, open_database

    conn = open_database(tmp_path / "synthetic.db")
    embedded = EmbeddedStore(conn)
    embedded.ensure_schema()
    embedded.load(iter_records(scale=600, seed=3))
    neo4j_store.load(iter_records(scale=600, seed=3))
    # Metrics as `stakenet analyze` would write them back: deterministic values with many ties.
    orgs = embedded.query("MATCH (o:Organisation) RETURN o.org_id AS org_id ORDER BY org_id")
    metrics = [{"org_id": r["org_id"], "community": i % 5, "pagerank": 1.0 / (1 + i % 17)} for i, r in enumerate(orgs)]
    embedded.write_properties("Organisation", metrics)
    neo4j_store.write_properties("Organisation", metrics)
    # The generator has no tenders export: lots of its awards with tenders received 1..4 (many single-bid ties).
    awarded = embedded.query("MATCH (p:Procurement)-[a:AWARDED_TO]->() RETURN DISTINCT p.procurement_id AS p, "
                             "a.lot_id AS lot ORDER BY p, lot")
    lots: list[Record] = []
    for i, r in enumerate(awarded):
        key = f"{r['p']}|{r['lot']}"
        lots += [Node("Lot", {"lot_key": key, "procurement_id": r["p"], "lot_id": r["lot"], "tenders_received": 1 + i % 4,
                              "source": S}), Rel("HAS_LOT", ("Procurement", r["p"]), ("Lot", key), {"source": S})]
    embedded.load(lots)
    neo4j_store.load(lots)

    def busiest(pattern: str, skip: int = 0) -> str:
        rows = embedded.query(f"MATCH (o:Organisation){pattern} RETURN o.org_id AS k, count(*) AS n ORDER BY n DESC, k")
        return str(rows[skip]["k"])

    buyer = busiest("-[:BUYER_OF]->()")
    chosen = {
        "buyer_id": buyer, "org_id": busiest("-[:BENEFICIARY_OF]->()"), "from_id": buyer,
        "to_id": busiest("-[:BENEFICIARY_OF]->()", 1), "region": "SE31", "county": "SE313", "community": 3,
        "project_id": embedded.query("MATCH (p:Project) RETURN p.project_id AS k ORDER BY k LIMIT 1")[0]["k"],
        "limit": 100_000,
    }
    compared = 0
    for query in QUERIES:
        params = query.example_params()
        params.update({k: v for k, v in chosen.items() if k in params})
        got_embedded = run_query(embedded, query, params)
        got_neo4j = run_query(neo4j_store, query, params)
        assert got_embedded.rows, f"{query.name}: no rows on the synthetic network with {params}"
        assert len(got_embedded.rows) == len(got_neo4j.rows), f"{query.name}: row counts differ"
        for i, (row_e, row_n) in enumerate(zip(got_embedded.rows, got_neo4j.rows)):
            assert _same(list(row_e), list(row_n)), f"{query.name} row {i}: embedded {row_e} != Neo4j {row_n}"
        compared += len(got_embedded.rows)
    conn.close()
    assert compared > 500, compared
