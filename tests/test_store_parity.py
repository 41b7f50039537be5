"""The same records in both stores give the same counts and the same answers (real LadybugDB, real Neo4j)."""

from __future__ import annotations

from typing import Any

import pytest

from graph.records import Node, Rel
from graph.sources.synthetic import iter_records
from graph.store.embedded import EmbeddedStore
from graph.store.neo4j import Neo4jStore

# Plain Cypher both engines run; each answer is sorted so that row order is part of the comparison.
QUERIES: dict[str, str] = {
    "top suppliers": (
        "MATCH (:Procurement)-[e:AWARDED_TO]->(o:Organisation) "
        "RETURN o.org_id AS id, o.size AS size, count(e) AS awards ORDER BY awards DESC, id LIMIT 10"
    ),
    "EU budget per fund": (
        "MATCH (p:Project)-[:FUNDED_BY]->(f:Fund) "
        "RETURN f.code AS fund, count(p) AS projects, sum(p.eu_budget) AS eu ORDER BY fund"
    ),
    "beneficiaries per region": (
        "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project)-[:LOCATED_IN]->(r:Region) "
        "RETURN r.nuts_code AS region, count(DISTINCT o) AS orgs ORDER BY region"
    ),
    "buyer of one procurement": (
        "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement) WHERE p.procurement_id = $pid "
        "RETURN b.org_id AS buyer, b.name AS name, p.value AS value, p.innovation AS innovation"
    ),
    "lots of the first procurements": (
        "MATCH (p:Procurement)-[e:AWARDED_TO]->(o:Organisation) WHERE p.procurement_id < $upto "
        "RETURN p.procurement_id AS pid, e.lot_id AS lot, o.org_id AS org, e.contracted_bids AS bids "
        "ORDER BY pid, lot, org"
    ),
}
PARAMS: dict[str, Any] = {"pid": "SYN-UH-00000003", "upto": "SYN-UH-00000010"}


def _normalise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()} for row in rows]


def _answers(store: EmbeddedStore | Neo4jStore) -> dict[str, list[dict[str, Any]]]:
    return {name: _normalise(store.query(cypher, PARAMS)) for name, cypher in QUERIES.items()}


@pytest.mark.neo4j
def test_synthetic_network_same_counts_and_answers(embedded_store: EmbeddedStore, neo4j_store: Neo4jStore) -> None:
    records = list(iter_records(scale=400, seed=11))
    emb = embedded_store.load(records, batch_size=3_000)
    neo = neo4j_store.load(records, batch_size=3_000)
    assert (emb.nodes_created, emb.rels_created) == (neo.nodes_created, neo.rels_created)
    counts = embedded_store.counts()
    assert counts.total_rels > 5_000
    assert neo4j_store.counts() == counts
    answers = _answers(embedded_store)
    assert all(answers.values()), {k: v for k, v in answers.items() if not v}
    assert _answers(neo4j_store) == answers


MERGE_RECORDS = [
    Node("Organisation", {"org_id": "SE-ON:1", "name": "Alfa AB", "aliases": ["Alfa"], "source": "s1"}),
    Node("Organisation", {"org_id": "SE-ON:2", "name": "Beta AB", "size": "small", "source": "s1"}),
    Node("Procurement", {"procurement_id": "UH-1", "value": 5, "innovation": False, "source": "s1"}),
    Rel("BUYER_OF", ("Organisation", "SE-ON:1"), ("Procurement", "UH-1"), {"source": "s1"}),
    Rel("AWARDED_TO", ("Procurement", "UH-1"), ("Organisation", "SE-ON:2"), {"lot_id": "1", "value": 3.5}),
    Rel("AWARDED_TO", ("Procurement", "UH-1"), ("Organisation", "SE-ON:2"), {"contracted_bids": 2}),
    # a second source: adds, never erases; the same lot again merges into one relationship
    Node("Organisation", {"org_id": "SE-ON:1", "name": None, "country": "SE", "aliases": ["Alfa", "A."], "source": "s2"}),
    Node("Organisation", {"org_id": "SE-ON:2", "size": None, "is_public": False, "source": "s1"}),
    Rel("AWARDED_TO", ("Procurement", "UH-1"), ("Organisation", "SE-ON:2"),
        {"lot_id": "1", "contracted_bids": 4, "value": None, "source": "s2"}),
]


@pytest.mark.neo4j
@pytest.mark.parametrize("batch_size", [1, 4, 100])
def test_merge_rules_agree(embedded_store: EmbeddedStore, neo4j_store: Neo4jStore, batch_size: int) -> None:
    embedded_store.load(MERGE_RECORDS, batch_size=batch_size)
    neo4j_store.load(MERGE_RECORDS, batch_size=batch_size)
    orgs = (
        "MATCH (o:Organisation) RETURN o.org_id AS id, o.name AS name, o.aliases AS aliases, o.country AS country, "
        "o.size AS size, o.is_public AS public, o.source AS source ORDER BY id"
    )
    awards = (
        "MATCH (:Procurement)-[e:AWARDED_TO]->(o:Organisation) "
        "RETURN e.lot_id AS lot, e.value AS value, e.contracted_bids AS bids, e.source AS source ORDER BY lot"
    )
    proc = "MATCH (p:Procurement) RETURN p.value AS value, p.innovation AS innovation"
    for cypher in (orgs, awards, proc):
        assert neo4j_store.query(cypher) == embedded_store.query(cypher), cypher
    assert neo4j_store.query(orgs)[0] == {
        "id": "SE-ON:1", "name": "Alfa AB", "aliases": ["A.", "Alfa"], "country": "SE", "size": None,
        "public": None, "source": "s1;s2",
    }
    assert neo4j_store.counts() == embedded_store.counts()
