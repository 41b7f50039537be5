"""The embedded store against a real LadybugDB database in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import SchemaError, StoreError
from graph.records import Node, Rel
from graph.sources.synthetic import iter_records
from graph.store.embedded import EmbeddedStore, open_database


def _small() -> list:
    return [
        Node("Organisation", {"org_id": "SE-ON:2321000198", "name": "Region Gävleborg", "aliases": ["REGION GÄVLEBORG"], "source": "a"}),
        Node("Project", {"project_id": "SE-TVV:20200535", "title": "Upphandlingsdriven Innovation", "eu_budget": 100.0, "source": "a"}),
        Node("Procurement", {"procurement_id": "UH-1", "title": "Städtjänster", "source": "a"}),
        Node("Theme", {"theme_id": "CPV:90", "kind": "cpv_group"}),
        Rel("BENEFICIARY_OF", ("Organisation", "SE-ON:2321000198"), ("Project", "SE-TVV:20200535"), {"source": "a"}),
        Rel("BUYER_OF", ("Organisation", "SE-ON:2321000198"), ("Procurement", "UH-1"), {"source": "a"}),
        Rel("HAS_THEME", ("Procurement", "UH-1"), ("Theme", "CPV:90"), {"source": "a"}),
        Rel("AWARDED_TO", ("Procurement", "UH-1"), ("Organisation", "SE-ON:2321000198"), {"lot_id": "1", "contracted_bids": 3}),
        Rel("AWARDED_TO", ("Procurement", "UH-1"), ("Organisation", "SE-ON:2321000198"), {"lot_id": "2"}),
    ]


def test_load_then_query(embedded_store: EmbeddedStore) -> None:
    stats = embedded_store.load(_small())
    assert (stats.nodes_created, stats.rels_created) == (4, 5)
    rows = embedded_store.query(
        "MATCH (o:Organisation)-[:BUYER_OF]->(p:Procurement)-[a:AWARDED_TO]->(s:Organisation) "
        "WHERE o.org_id = $id RETURN s.name AS name, a.lot_id AS lot ORDER BY lot",
        {"id": "SE-ON:2321000198"},
    )
    assert rows == [{"name": "Region Gävleborg", "lot": "1"}, {"name": "Region Gävleborg", "lot": "2"}]
    assert list(embedded_store.rows("MATCH (t:Theme) RETURN t.theme_id, t.kind")) == [("CPV:90", "cpv_group")]


def test_reload_changes_nothing(embedded_store: EmbeddedStore) -> None:
    records = list(iter_records(scale=300, seed=7))
    first = embedded_store.load(records, batch_size=1_000)
    counts = embedded_store.counts()
    again = embedded_store.load(records, batch_size=1_000)
    assert embedded_store.counts() == counts
    assert again.nodes_created == 0 and again.rels_created == 0
    assert again.nodes_updated == first.nodes_created
    assert counts.total_rels == first.rels_created


def test_merge_keeps_known_values_and_accumulates_sources(embedded_store: EmbeddedStore) -> None:
    embedded_store.load(_small())
    embedded_store.load(
        [
            Node("Organisation", {"org_id": "SE-ON:2321000198", "name": None, "aliases": ["Gävleborgs Läns Landsting"], "sector": "Regioner", "source": "b"}),
            Rel("AWARDED_TO", ("Procurement", "UH-1"), ("Organisation", "SE-ON:2321000198"), {"lot_id": "1", "value": 10.0, "source": "b"}),
        ]
    )
    org = embedded_store.query("MATCH (o:Organisation) RETURN o.name AS name, o.aliases AS aliases, o.sector AS sector, o.source AS source")
    assert org == [{"name": "Region Gävleborg", "aliases": ["Gävleborgs Läns Landsting", "REGION GÄVLEBORG"], "sector": "Regioner", "source": "a;b"}]  # sets kept sorted
    lots = embedded_store.query("MATCH ()-[a:AWARDED_TO]->() RETURN a.lot_id AS lot, a.contracted_bids AS bids, a.value AS value, a.source AS source ORDER BY lot")
    assert lots == [
        {"lot": "1", "bids": 3, "value": 10.0, "source": "b"},
        {"lot": "2", "bids": None, "value": None, "source": None},
    ]


def test_duplicates_within_a_batch_make_one_node(embedded_store: EmbeddedStore) -> None:
    recs = [Node("Fund", {"code": "ERDF"}), Node("Fund", {"code": "ERDF", "name": "European Regional Development Fund"})]
    stats = embedded_store.load(recs)
    assert stats.nodes_created == 1
    assert embedded_store.query("MATCH (f:Fund) RETURN f.name AS n") == [{"n": "European Regional Development Fund"}]


def test_missing_endpoint_is_a_clear_error_and_the_batch_is_rolled_back(embedded_store: EmbeddedStore) -> None:
    bad = [Node("Fund", {"code": "ESF"}), Rel("FUNDED_BY", ("Project", "nope"), ("Fund", "ESF"))]
    with pytest.raises(StoreError, match=r"batch 1: FUNDED_BY .*Project 'nope' does not exist"):
        embedded_store.load(bad)
    assert embedded_store.counts().nodes["Fund"] == 0


def test_unknown_property_is_rejected(embedded_store: EmbeddedStore) -> None:
    with pytest.raises(StoreError, match="property 'colour' is not in graph/model.py"):
        embedded_store.load([Node("Fund", {"code": "ERDF", "colour": "blue"})])


def test_write_properties(embedded_store: EmbeddedStore) -> None:
    embedded_store.load(_small())
    n = embedded_store.write_properties("Organisation", [{"org_id": "SE-ON:2321000198", "pagerank": 0.25, "community": 4}])
    assert n == 1
    assert embedded_store.query("MATCH (o:Organisation) RETURN o.pagerank AS pr, o.community AS c") == [{"pr": 0.25, "c": 4}]


def test_database_path_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_database(tmp_path)


def test_database_path_that_is_a_text_file(tmp_path: Path) -> None:
    f = tmp_path / "notes.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(StoreError, match="not a stakenet database"):
        open_database(f)


def test_database_of_another_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = EmbeddedStore(open_database(path))
    store.ensure_schema()
    store.conn.execute("MATCH (m:Meta) WHERE m.key = 'schema_version' SET m.value = '0'")
    store.conn.close()
    again = EmbeddedStore(open_database(path))
    with pytest.raises(SchemaError, match="schema version 0"):
        again.ensure_schema()


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    conn = open_database(path)
    conn.execute("CREATE NODE TABLE Person(name STRING, PRIMARY KEY(name))")
    with pytest.raises(SchemaError, match="not made by stakenet"):
        EmbeddedStore(conn).ensure_schema()


def test_schema_adds_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = EmbeddedStore(open_database(path))
    store.ensure_schema()
    store.conn.execute("ALTER TABLE Fund DROP name")
    store.ensure_schema()
    store.load([Node("Fund", {"code": "ERDF", "name": "x"})])
    assert store.query("MATCH (f:Fund) RETURN f.name AS n") == [{"n": "x"}]


def test_a_wrong_type_deep_in_a_batch_names_the_record_and_loads_nothing(embedded_store: EmbeddedStore) -> None:
    good = [Node("Project", {"project_id": f"p{i}", "eu_budget": float(i)}) for i in range(50)]
    bad = Node("Project", {"project_id": "p-bad", "eu_budget": "lots"})
    with pytest.raises(StoreError, match=r"batch 1: Project 'p-bad': property 'eu_budget' should be DOUBLE"):
        embedded_store.load([*good, bad])
    assert embedded_store.counts().nodes["Project"] == 0
