"""The Arrow column load path builds the same graph as the record path, property for property."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pyarrow as pa
import pytest
from fingerprint import first_difference, graph_fingerprint

from graph.columns import Columns, columns_from_records
from graph.errors import StoreError
from graph.records import Node, Rel, batches
from graph.sources.synthetic import iter_records
from graph.sources.synthetic_columns import iter_columns
from graph.store.embedded import EmbeddedStore, open_database
from graph.store.neo4j_import import write_import_files, write_import_files_from_columns


def _store(path: Path) -> EmbeddedStore:
    store = EmbeddedStore(open_database(path))
    store.ensure_schema()
    return store


def _same(a: EmbeddedStore, b: EmbeddedStore) -> None:
    fa, fb = graph_fingerprint(a), graph_fingerprint(b)
    assert fa == fb, first_difference(fa, fb)


def _shuffled(cols: Columns, seed: int) -> Columns:
    rng = random.Random(seed)

    def mix(t: pa.Table) -> pa.Table:
        order = list(range(t.num_rows))
        rng.shuffle(order)
        return t.take(pa.array(order, pa.int64()))

    return Columns({k: mix(t) for k, t in cols.nodes.items()}, {k: mix(t) for k, t in cols.rels.items()})


def test_synthetic_columns_equal_records(tmp_path: Path) -> None:
    # Small batches: relationships meet endpoints of earlier batches (the probe and merge path) too.
    records = _store(tmp_path / "r.db")
    stats_r = records.load(iter_records(scale=300, seed=3), batch_size=900)
    columns = _store(tmp_path / "c.db")
    stats_c = columns.load_columns(iter_columns(scale=300, seed=3, batch_rows=900))
    assert (stats_c.nodes_created, stats_c.rels_created) == (stats_r.nodes_created, stats_r.rels_created)
    assert stats_c.rels_created == sum(1 for r in iter_records(scale=300, seed=3) if isinstance(r, Rel))
    _same(records, columns)
    # Loaded again (other batch boundaries, rows shuffled): nothing changes.
    again = columns.load_columns(_shuffled(c, n) for n, c in enumerate(iter_columns(scale=300, seed=3, batch_rows=2_500)))
    assert (again.nodes_created, again.rels_created) == (0, 0)
    _same(records, columns)


def _overlapping() -> list:
    org, proc, org2 = "SE-ON:2321000198", "SE-ON:2321000198|UH-1", "SE-ON:5560000001"
    return [
        Node("Organisation", {"org_id": org, "name": "Region Gävleborg", "aliases": ["B"], "source": "x"}),
        Node("Organisation", {"org_id": org, "name": None, "sector": "Regioner", "aliases": ["A", "B"], "source": "y;x"}),
        Node("Organisation", {"org_id": org2, "name": "Bolag AB", "source": "y"}),
        Node("Procurement", {"procurement_id": proc, "title": "Städ", "value": 5, "source": "x"}),
        Node("Procurement", {"procurement_id": proc, "title": None, "appealed": True, "source": "z"}),
        Rel("BUYER_OF", ("Organisation", org), ("Procurement", proc), {"source": "x"}),
        Rel("BUYER_OF", ("Organisation", org), ("Procurement", proc), {"source": "y"}),
        Rel("AWARDED_TO", ("Procurement", proc), ("Organisation", org2), {"lot_id": "1", "contracted_bids": 2, "source": "x"}),
        Rel("AWARDED_TO", ("Procurement", proc), ("Organisation", org2), {"lot_id": "1", "value": 7.5, "source": "y"}),
        Rel("AWARDED_TO", ("Procurement", proc), ("Organisation", org2), {"source": "x"}),
    ]


def test_duplicates_and_merges_follow_the_record_rules(tmp_path: Path) -> None:
    recs = _overlapping()
    records = _store(tmp_path / "r.db")
    records.load(recs)
    columns = _store(tmp_path / "c.db")
    stats = columns.load_columns([columns_from_records(recs)])
    assert (stats.nodes_created, stats.rels_created) == (3, 3)
    _same(records, columns)
    # Written out here, not read from the code: known values kept, sources united, aliases sorted.
    org = columns.query("MATCH (o:Organisation) WHERE o.org_id = 'SE-ON:2321000198' RETURN o.name AS n, "
                        "o.sector AS s, o.aliases AS a, o.source AS src")
    assert org == [{"n": "Region Gävleborg", "s": "Regioner", "a": ["A", "B"], "src": "x;y"}]
    lots = columns.query("MATCH ()-[e:AWARDED_TO]->() RETURN e.lot_id AS l, e.contracted_bids AS b, e.value AS v, "
                         "e.source AS s ORDER BY l")
    assert lots == [{"l": "", "b": None, "v": None, "s": "x"}, {"l": "1", "b": 2, "v": 7.5, "s": "x;y"}]
    # One record at a time into a store that holds them (the merge path for every row), in any order.
    for seed in range(3):
        shuffled = recs[:]
        random.Random(seed).shuffle(shuffled)
        nodes = [r for r in shuffled if isinstance(r, Node)]
        columns.load_columns([columns_from_records(nodes), columns_from_records([r for r in shuffled if isinstance(r, Rel)])])
        _same(records, columns)


def test_columns_on_top_of_records_merge(tmp_path: Path) -> None:
    first = list(iter_records(scale=100, seed=5))
    second = [Node(r.label, {**r.props, "source": "other"}) if isinstance(r, Node) else r for r in iter_records(scale=120, seed=5)]
    records = _store(tmp_path / "r.db")
    records.load(first)
    records.load(second)
    columns = _store(tmp_path / "c.db")
    columns.load(first)
    columns.load_columns(columns_from_records(b) for b in batches(second, 1_000))
    _same(records, columns)


@pytest.mark.parametrize(
    "batch, expected",
    [
        (Columns({"Fund": pa.table({"code": ["ERDF"], "name": [1]})}), "column 'name' holds int64, graph/model.py says STRING"),
        (Columns({"Fund": pa.table({"code": ["ERDF", None]})}), "Fund columns row 1: no key property 'code' is empty"),
        (Columns({"Fund": pa.table({"code": ["ERDF"], "colour": ["red"]})}), "column 'colour' is not a property"),
        (Columns({"Region": pa.table({"nuts_code": ["SE1"], "level": [True]})}), "column 'level' holds bool"),
        (Columns(rels={("FUNDED_BY", "Fund", "Project"): pa.table({"from": ["a"], "to": ["b"]})}), "FUNDED_BY cannot join Fund to Project"),
        (Columns({"Fund": pa.table({"code": ["ERDF"]})}, {("FUNDED_BY", "Project", "Fund"): pa.table({"from": ["P-1"], "to": ["ERDF"]})}),
         "Project 'P-1' does not exist"),
    ],
)
def test_bad_columns_are_refused_and_nothing_is_loaded(tmp_path: Path, batch: Columns, expected: str) -> None:
    store = _store(tmp_path / "g.db")
    with pytest.raises(StoreError, match="batch 1: ") as err:
        store.load_columns([batch])
    assert expected in str(err.value)
    assert "\n" not in str(err.value)
    counts = store.counts()
    assert sum(counts.nodes.values()) == 0 and sum(counts.rels.values()) == 0


def _csv_rows(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], sorted(map(tuple, rows[1:]))


@pytest.mark.parametrize("records", [list(iter_records(scale=200, seed=7)), _overlapping()], ids=["synthetic", "overlapping"])
def test_neo4j_import_files_from_columns_equal_those_from_records(tmp_path: Path, records: list) -> None:
    by_records = write_import_files(records, tmp_path / "r")
    shuffled = records[:]
    random.Random(1).shuffle(shuffled)
    nodes_first = [r for r in shuffled if isinstance(r, Node)] + [r for r in shuffled if isinstance(r, Rel)]
    by_columns = write_import_files_from_columns((columns_from_records(b) for b in batches(nodes_first, 300)), tmp_path / "c")
    assert (by_columns.node_count, by_columns.rel_count) == (by_records.node_count, by_records.rel_count)
    assert [p.name for _, p in by_columns.nodes + by_columns.rels] == [p.name for _, p in by_records.nodes + by_records.rels]
    for (_, a), (_, b) in zip(by_records.nodes + by_records.rels, by_columns.nodes + by_columns.rels, strict=True):
        assert _csv_rows(a) == _csv_rows(b), a.name


def test_neo4j_import_from_columns_refuses_a_missing_endpoint(tmp_path: Path) -> None:
    batch = Columns({"Fund": pa.table({"code": ["ERDF"]})}, {("FUNDED_BY", "Project", "Fund"): pa.table({"from": ["P-1"], "to": ["ERDF"]})})
    with pytest.raises(StoreError, match="bulk import: FUNDED_BY from Project 'P-1' to Fund 'ERDF': Project 'P-1' does not exist"):
        write_import_files_from_columns([batch], tmp_path / "c")
