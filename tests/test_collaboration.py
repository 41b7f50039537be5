"""The real collaboration network: Interreg and CORDIS partners joined with procurement buyers, analysed and reported, on both stores."""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from graph.analysis.analyze import analyze
from graph.ingest.load import load_files
from graph.report.collaboration import collect_collaboration
from graph.report.collect import collect_report
from graph.report.render import render_markdown
from graph.report.schema import validate_report
from graph.store.embedded import EmbeddedStore, open_database

AWARDS = "se_procurement_2021_awards.csv"
INTERREG = "se_interreg_2021_2027_partners.json"
CORDIS = "eu_cordis_participations_2014.csv"
GAVLE = "SE-ON:2120002338"


@pytest.fixture(scope="module")
def loaded(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """Procurement awards, then Interreg and CORDIS, in one embedded store."""
    conn = open_database(tmp_path_factory.mktemp("collab") / "collab.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    reports = {kind: load_files(store, kind, [shared_data / name])
               for kind, name in (("upphandling", AWARDS), ("interreg", INTERREG), ("cordis", CORDIS))}
    yield store, reports
    conn.close()


def _interreg_pairs(store) -> set[tuple[str, str]]:
    members = defaultdict(set)
    for org, project in store.rows(
            "MATCH (o:Organisation)-[e:BENEFICIARY_OF]->(p:Project) WHERE e.source = 'interreg' RETURN o.org_id, p.project_id"):
        members[project].add(org)
    return {p for m in members.values() for p in itertools.combinations(sorted(m), 2)}


def test_gavle_kommun_is_one_node_buyer_and_interreg_partner(loaded, shared_data: Path) -> None:
    store, _ = loaded
    rows = json.loads((shared_data / INTERREG).read_text(encoding="utf-8"))
    gavle_projects = {(r["program"], r["projektnamn"]) for r in rows if r["organisationsnamn"] == "Gävle kommun"}
    found = store.query(
        "MATCH (o:Organisation)-[e:BENEFICIARY_OF]->(p:Project) WHERE o.org_id = $id "
        "RETURN p.project_id AS p, e.match_rule AS rule, e.name_as_given AS given", {"id": GAVLE})
    assert len(found) == len(gavle_projects) == 3
    assert {f["rule"] for f in found} == {"name"} and {f["given"] for f in found} == {"Gävle kommun"}
    buys = store.query("MATCH (o:Organisation)-[:BUYER_OF]->(x:Procurement) WHERE o.org_id = $id RETURN count(x) AS n",
                       {"id": GAVLE})[0]["n"]
    assert buys > 0
    assert not store.query("MATCH (o:Organisation) WHERE o.name = 'Gävle kommun' OR o.org_id STARTS WITH 'NAME:interreg:gävle kommun' "
                           "RETURN o.org_id AS id")
    partners = store.query(
        "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project)<-[:BENEFICIARY_OF]-(x:Organisation) "
        "WHERE o.org_id = $id AND x.org_id <> $id RETURN DISTINCT x.org_id AS x", {"id": GAVLE})
    co = {names for r in rows if (r["program"], r["projektnamn"]) in gavle_projects
          for names in [r["organisationsnamn"]] if names and names != "Gävle kommun"}
    assert len(partners) == len(co) > 0


def test_gavle_is_one_node_whichever_file_comes_first(tmp_path: Path, shared_data: Path) -> None:
    conn = open_database(tmp_path / "reverse.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    load_files(store, "interreg", [shared_data / INTERREG])
    merged = load_files(store, "upphandling", [shared_data / AWARDS])
    n = store.query("MATCH (o:Organisation)-[:BENEFICIARY_OF]->(:Project) WHERE o.org_id = $id RETURN count(*) AS n",
                    {"id": GAVLE})[0]["n"]
    conn.close()
    assert n == 3 and merged.merged_after_load.get("name", 0) > 0


def test_pairs_after_identity_merging_and_match_rates(loaded) -> None:
    store, reports = loaded
    pairs = _interreg_pairs(store)
    # 1,218 pairs of names before merging (tests/test_interreg.py); merging names of one organisation
    # can only remove pairs (a pair of two names of one body, or two pairs that become one).
    assert 1100 < len(pairs) <= 1218
    lines = "\n".join(reports["interreg"].summary_lines())
    assert "Local public authority:" in lines and "public_body" in lines
    cordis_lines = "\n".join(reports["cordis"].summary_lines())
    assert "HES:" in cordis_lines and "ascii_name" in cordis_lines


def test_same_pic_twice_in_one_file_is_one_node(loaded, shared_data: Path) -> None:
    store, _ = loaded
    import csv

    with (shared_data / CORDIS).open(encoding="utf-8", newline="") as fh:
        pics = {r["pic"] for r in csv.DictReader(fh) if r["pic"] != "NA"}
    stored = [p for (p,) in store.rows("MATCH (o:Organisation) WHERE o.pic IS NOT NULL RETURN o.pic")]
    assert len(stored) == len(set(stored))
    # a PIC matched to a numbered organisation that already carries another PIC keeps one of them
    assert len(stored) <= len(pics) and len(pics) - len(stored) < 20


def test_collaboration_network_is_real_and_reported(loaded) -> None:
    store, _ = loaded
    result = analyze(store, ("collaboration",), seed=42)
    net = result.network("collaboration")
    assert net.nodes > 1000 and net.edges > 10_000 and 0.3 < net.modularity < 1.0
    summary = result.summary()
    assert "top brokers (betweenness)" in summary and "modularity" in summary
    data = collect_collaboration(store, top=5)
    assert data is not None and data["pairs"] == net.edges
    assert data["projects_by_source"] == {"cordis": 3321, "interreg": 585}  # one Interreg project has no named partner
    assert len(data["brokers"]) == 5 and data["metrics_network"] == "collaboration"
    report = collect_report(store, region="SE313", top=5, now="2026-01-01T00:00:00Z", version="test", command="test")
    validate_report(report)
    assert report["collaboration"]["scope"] == "SE313"
    text = render_markdown(report)
    assert "## Who works with whom" in text and "Gävle" in text


@pytest.mark.neo4j
def test_both_stores_hold_the_same_partnerships(neo4j_store, tmp_path: Path, shared_data: Path) -> None:
    conn = open_database(tmp_path / "parity.db")
    embedded = EmbeddedStore(conn)
    embedded.ensure_schema()
    for store in (embedded, neo4j_store):
        load_files(store, "interreg", [shared_data / INTERREG])
        load_files(store, "cordis", [shared_data / CORDIS])
    assert neo4j_store.counts() == embedded.counts()
    q = ("MATCH (o:Organisation)-[e:BENEFICIARY_OF]->(p:Project) "
         "RETURN o.org_id AS o, p.project_id AS p, e.role AS role, e.budget_eur AS b")
    rows_e = sorted((r["o"], r["p"], r["role"], r["b"]) for r in embedded.query(q))
    rows_n = sorted((r["o"], r["p"], r["role"], r["b"]) for r in neo4j_store.query(q))
    conn.close()
    assert rows_e == rows_n


def test_partners_that_also_share_suppliers(loaded, shared_data: Path) -> None:
    """Gävle kommun and Söderhamns kommun: Interreg partners, and buyers from the same suppliers (by name in the CSV)."""
    import csv

    store, _ = loaded
    suppliers = defaultdict(set)
    with (shared_data / AWARDS).open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            name = " ".join(r["Namn för leverantör"].casefold().split())
            if r["Organisationsnummer för köpare"] in ("2120002338", "2120002353") and name != "personuppgift":
                suppliers[r["Organisationsnummer för köpare"]].add(name)
    oracle = len(suppliers["2120002338"] & suppliers["2120002353"])
    data = collect_collaboration(store, region="SE313", top=100)
    assert data is not None
    pair = next(t for t in data["shared_market"]["top"] if {t["a"], t["b"]} == {GAVLE, "SE-ON:2120002353"})
    assert pair["shared_suppliers"] == oracle > 0 and pair["projects"] >= 1
    assert data["shared_market"]["pairs_sharing_suppliers"] <= data["shared_market"]["buyer_pairs"] <= data["pairs"]


def test_partners_join_buyers_whichever_file_comes_first(tmp_path: Path, shared_data: Path) -> None:
    """Interreg and (Swedish) CORDIS before the buyers gives the same partnerships, rule for rule, as after them."""
    import csv

    with (shared_data / CORDIS).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        swedish = [r for r in reader if r["country_code"] == "SE"]
        header = list(swedish[0])
    subset = tmp_path / "cordis_se.csv"
    with subset.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(swedish)
    q = "MATCH (o:Organisation)-[e:BENEFICIARY_OF]->(p:Project) RETURN o.org_id, p.project_id, e.match_rule, o.pic"
    results = []
    for order in (("upphandling", "interreg", "cordis"), ("interreg", "cordis", "upphandling")):
        conn = open_database(tmp_path / f"{order[0]}.db")
        store = EmbeddedStore(conn)
        store.ensure_schema()
        files = {"upphandling": shared_data / AWARDS, "interreg": shared_data / INTERREG, "cordis": subset}
        for kind in order:
            load_files(store, kind, [files[kind]])
        results.append(sorted(tuple(str(v) for v in row) for row in store.rows(q)))
        conn.close()
    assert results[0] == results[1]
    rules = Counter(row[2] for row in results[0])
    assert rules["public_body"] > 0 and rules["ascii_name"] > 0 and rules["ascii_rename"] > 0
