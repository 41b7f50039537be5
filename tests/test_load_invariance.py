"""The real files give the same graph, property for property, whatever the order of files and rows.

Three stores: the files in the given order (NUTS, awards with values, Projektbanken); in reverse
order; and with the award rows shuffled (seeded), everything loaded twice. Every node's and
relationship's properties are read back from the store (tests/fingerprint.py) and compared.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import pytest
from fingerprint import first_difference, graph_fingerprint

from graph.ingest.load import load_files
from graph.sources.upphandling import SIZES
from graph.store.embedded import EmbeddedStore, open_database

pytestmark = pytest.mark.slow

AWARDS = "se_procurement_2021_awards.csv"
VALUES = "se_procurement_2021_contracted_value.csv"
PROJECTS = "se_erdf_2014_2020_projektbanken_2016.json"
NUTS = "nuts2013.csv"
CHALMERS = "CHALMERS TEKNISKA HÖGSKOLA AKTIEBOLAG"


def _load(store: EmbeddedStore, data: Path, awards: Path, order: tuple[str, ...]) -> None:
    for kind in order:
        if kind == "upphandling":
            load_files(store, kind, [awards], value_file=data / VALUES)
        elif kind == "projektbanken":
            load_files(store, kind, [data / PROJECTS])
        else:
            load_files(store, kind, [data / NUTS])


def _shuffled(data: Path, out: Path, seed: int) -> Path:
    with (data / AWARDS).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    random.Random(seed).shuffle(rows)
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return out


@pytest.fixture(scope="module")
def prints(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("invariance")
    runs = {
        "given": (shared_data / AWARDS, ("nuts", "upphandling", "projektbanken"), 1),
        "reverse": (shared_data / AWARDS, ("projektbanken", "upphandling", "nuts"), 1),
        "shuffled twice": (_shuffled(shared_data, tmp / "shuffled.csv", 2026), ("nuts", "upphandling", "projektbanken"), 2),
    }
    out = {}
    for name, (awards, order, times) in runs.items():
        conn = open_database(tmp / f"{name.replace(' ', '_')}.db")
        try:
            store = EmbeddedStore(conn)
            store.ensure_schema()
            for _ in range(times):
                _load(store, shared_data, awards, order)
            out[name] = graph_fingerprint(store)
        finally:
            conn.close()
    return out


def test_same_graph_in_every_order_and_when_loaded_twice(prints) -> None:
    given = prints["given"]
    assert sum(len(v) for v in given["nodes"].values()) > 20_000  # the fingerprint holds the real graph
    for name in ("reverse", "shuffled twice"):
        assert prints[name] == given, f"{name}: {first_difference(given, prints[name])}"


def test_chalmers_is_large_in_every_order(prints, shared_data: Path) -> None:
    with (shared_data / AWARDS).open(encoding="utf-8", newline="") as fh:
        reported = Counter(SIZES.get(r["Företagsstorlek för leverantör"]) for r in csv.DictReader(fh)
                           if r["Namn för leverantör"].upper() == CHALMERS)
    assert reported == Counter({"large": 3})
    for name, fp in prints.items():
        chalmers = [dict(p) for p in fp["nodes"]["Organisation"].values() if dict(p).get("name") == CHALMERS]
        assert [(c["size"], c["size_basis"]) for c in chalmers] == [("large", "most frequent reported on awards")], name
