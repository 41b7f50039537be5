"""The SME queries on the real procurement file agree with the SME share of docs/indicators.md.

The awards file in ../shared/data is loaded with the project's loader into the real embedded store;
Region Gävleborg's SME awards are then recomputed here from the CSV with the csv module: an award is
a (procurement, lot, supplier) row, SME means the size written on that row is Mikro-, Små or
Medelstora företag, rows without a size are unknown, and every ``Personuppgift`` row is a redacted
person, left out of numerator and denominator.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from graph.ingest.load import load_files
from graph.queries import get_query, run_query
from graph.store.embedded import EmbeddedStore, open_database

pytestmark = pytest.mark.slow

AWARDS = "se_procurement_2021_awards.csv"
VALUES = "se_procurement_2021_contracted_value.csv"
GAVLEBORG_NUMBER = "2321000198"
GAVLEBORG = "SE-ON:" + GAVLEBORG_NUMBER
SIZES = {"Mikroföretag": "micro", "Små företag": "small", "Medelstora företag": "medium", "Stora företag": "large"}
SME = ("micro", "small", "medium")


def _norm(name: str) -> str:
    return " ".join(name.casefold().split())


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    conn = open_database(tmp_path_factory.mktemp("queries-real") / "real.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    load_files(store, "upphandling", [shared_data / AWARDS], value_file=shared_data / VALUES)
    yield store
    conn.close()


@pytest.fixture(scope="module")
def oracle(shared_data: Path) -> dict[str, Any]:
    """Region Gävleborg's awards from the CSV: per award key its reported size (first non-empty)."""
    awards: dict[tuple[str, str, str], str] = {}
    with (shared_data / AWARDS).open(encoding="utf-8", newline="") as fh:
        for i, r in enumerate(csv.DictReader(fh)):
            if r["Organisationsnummer för köpare"] != GAVLEBORG_NUMBER:
                continue
            name = r["Namn för leverantör"]
            supplier = f"person #{i}" if name == "Personuppgift" else _norm(name)
            key = (r["Upphandlings-ID"], r["Anbudsområdes-ID"], supplier)
            if not awards.get(key):
                awards[key] = SIZES.get(r["Företagsstorlek för leverantör"], "")
    redacted = sum(1 for k in awards if k[2].startswith("person #"))
    sized = {k: s for k, s in awards.items() if s and not k[2].startswith("person #")}
    per_supplier: dict[str, Counter[str]] = defaultdict(Counter)
    for (_p, _lot, supplier), size in sized.items():
        if size in SME:
            per_supplier[supplier][size] += 1
    return {"awards": len(awards), "redacted": redacted, "sized": len(sized),
            "sme": sum(s in SME for s in sized.values()), "per_supplier": per_supplier}


def test_oracle_is_the_known_body(oracle: dict[str, Any]) -> None:
    # issue 17's must-show: 163 awards, 119 SME of 152 sized awards, 8 redacted excluded
    assert (oracle["awards"], oracle["sme"], oracle["sized"], oracle["redacted"]) == (163, 119, 152, 8)


def test_sme_share_by_buyer_uses_the_size_reported_per_award(real_store: Any, oracle: dict[str, Any]) -> None:
    result = run_query(real_store, get_query("sme_share_by_buyer"), {"min_awards": 1, "limit": 100_000})
    rows = [dict(zip(result.columns, r)) for r in result.rows]
    mine = [r for r in rows if r["buyer_id"] == GAVLEBORG]
    assert len(mine) == 1, mine
    assert (mine[0]["awards"], mine[0]["sme_awards"]) == (oracle["sized"], oracle["sme"]) == (152, 119)
    assert mine[0]["sme_share"] == pytest.approx(round(119 / 152, 4), abs=1e-9)


def test_sme_suppliers_of_buyer_lists_the_sme_awards_of_the_same_definition(real_store: Any, oracle: dict[str, Any]) -> None:
    """The per-supplier list adds up to the buyer's SME awards (redacted and unsized left out), supplier
    for supplier, with the size most often reported on those awards (the smaller on a tie)."""
    result = run_query(real_store, get_query("sme_suppliers_of_buyer"), {"buyer_id": GAVLEBORG, "limit": 100_000})
    rows = [dict(zip(result.columns, r)) for r in result.rows]
    assert sum(r["awards"] for r in rows) == oracle["sme"] == 119
    assert not any("personuppgift" in _norm(r["supplier"] or "") for r in rows)
    got = {_norm(r["supplier"]): (r["awards"], r["size"]) for r in rows}
    expected = {name: (sum(c.values()), min(c, key=lambda s: (-c[s], SME.index(s))))
                for name, c in oracle["per_supplier"].items()}
    assert got == expected
