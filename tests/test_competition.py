"""The four procurement exports recognised by header; bad tender counts, unknown headers, lots of two buyers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph.competition import compute_competition
from graph.competition_flags import CATALOGUE, flags_of
from graph.errors import SourceError
from graph.ingest.load import load_files
from graph.sources.upphandling_lots import TENDER_COLUMNS


def _tenders(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A tenders export with rows (buyer number, Upphandlings-ID, lot, tenders)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(TENDER_COLUMNS)
        for buyer, pid, lot, tenders in rows:
            row = {c: "" for c in TENDER_COLUMNS}
            row.update({"Organisationsnummer för köpare": buyer, "Namn för köpare": f"BUYER {buyer}",
                        "Upphandlings-ID": pid, "Anbudsområdes-ID": lot, "Antal anbud, Summa": tenders,
                        "Förfarande": "Öppet förfarande", "Överprövad": "False"})
            w.writerow([row[c] for c in TENDER_COLUMNS])
    return path


def test_unknown_header_names_every_export_and_what_it_lacks(embedded_store, tmp_path):
    bad = tmp_path / "other.csv"
    bad.write_text("Upphandlings-ID,Namn för köpare,Something\nX1,A,B\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        load_files(embedded_store, "upphandling", [bad])
    text = str(err.value)
    for export, lacks in (("procurements export", "Antal upphandlingar, Summa"), ("tenders export", "Antal anbud, Summa"),
                          ("awards export", "Antal kontrakterade anbud*, Summa"),
                          ("contracted value export", "Kontrakterat värde, Summa")):
        assert export in text and lacks in text
    assert embedded_store.counts().total_nodes == 0


def test_bad_tender_counts_are_rejected_with_their_row(embedded_store, tmp_path):
    path = _tenders(tmp_path / "t.csv", [("2321000198", "MT1", "L1", "1"), ("2321000198", "MT1", "L2", "-1"),
                                          ("2321000198", "MT2", "L3", "2.5"), ("2321000198", "MT2", "L4", "abc"),
                                          ("2321000198", "MT2", "L5", "4")])
    report = load_files(embedded_store, "upphandling", [path], rejects_path=tmp_path / "rejects.csv")
    assert report.rejected == 3
    assert sorted((r.row, r.field) for r in report.rejects) == [(3, "Antal anbud, Summa"), (4, "Antal anbud, Summa"),
                                                                (5, "Antal anbud, Summa")]
    lots = embedded_store.query("MATCH (l:Lot) RETURN l.lot_id AS lot, l.tenders_received AS t ORDER BY lot")
    assert lots == [{"lot": "L1", "t": 1}, {"lot": "L5", "t": 4}]
    comp = compute_competition(embedded_store)
    assert (comp.national["single_bid_rate"].numerator, comp.national["single_bid_rate"].n) == (1, 2)
    assert ("SB-LOT", "lot", "SE-ON:2321000198|MT1|L1") in flags_of(comp, buyer="SE-ON:2321000198")


def test_lot_of_two_buyers_in_two_files_is_flagged_not_merged(embedded_store, tmp_path):
    a = _tenders(tmp_path / "a.csv", [("2321000198", "MT1", "L1", "1")])
    b = _tenders(tmp_path / "b.csv", [("2321000180", "MT1", "L1", "3")])
    report = load_files(embedded_store, "upphandling", [a, b])
    assert any("different buyers" in line and "L1" in line for line in report.summary_lines())
    rows = embedded_store.query("MATCH (p:Procurement)-[:HAS_LOT]->(l:Lot) RETURN p.procurement_id AS pid, "
                                "l.tenders_received AS t ORDER BY pid")
    assert rows == [{"pid": "SE-ON:2321000180|MT1", "t": 3}, {"pid": "SE-ON:2321000198|MT1", "t": 1}]


def test_catalogue_codes_are_unique_and_anchored():
    codes = [f.code for f in CATALOGUE]
    assert len(codes) == len(set(codes)) and all(f.anchor and f.rule for f in CATALOGUE)
    assert {f.level for f in CATALOGUE} == {"lot", "procurement", "buyer", "supplier"}


def test_winner_shares_by_awards_and_value(embedded_store):
    from graph.records import Node, Rel

    buyer, a, b = "SE-ON:2321000198", "NAME:upphandling:a", "NAME:upphandling:b"
    recs = [Node("Organisation", {"org_id": o, "name": o, "source": "t"}) for o in (buyer, a, b)]
    # P1: value 200 split over A's two lots; P2: B's award carries its own value 400; P3: unknown value.
    for pid, value, awards in (("P1", 200.0, [(a, "1", None), (a, "2", None)]), ("P2", None, [(b, "1", 400.0)]),
                               ("P3", None, [(a, "1", None)])):
        key = f"{buyer}|{pid}"
        recs += [Node("Procurement", {"procurement_id": key, "value": value, "source": "t"}),
                 Rel("BUYER_OF", ("Organisation", buyer), ("Procurement", key), {"source": "t"})]
        recs += [Rel("AWARDED_TO", ("Procurement", key), ("Organisation", s), {"lot_id": lot, "value": v, "source": "t"})
                 for s, lot, v in awards]
    embedded_store.load(recs)
    comp = compute_competition(embedded_store)
    shares = {w["supplier"]: w for w in comp.winner_shares[buyer]}
    assert (shares[a]["awards"], shares[a]["share"]) == (3, 0.75)
    assert shares[a]["value"] == 200.0 and shares[b]["value_share"] == pytest.approx(400 / 600)
    figures = comp.entities["buyer"][buyer].figures
    assert figures["top_winner_share"].value == 0.75 and figures["top_winner_share"].few
    assert figures["top_winner_share_value"].value == pytest.approx(400 / 600)
    assert comp.entities["buyer"][buyer].risk["score"] is None  # every component rests on few cases


def test_flags_command_lists_the_catalogue_and_a_buyers_flags(tmp_path):
    from click.testing import CliRunner

    from graph.cli import cli
    from graph.store.embedded import EmbeddedStore, open_database

    db = tmp_path / "f.db"
    conn = open_database(db)
    store = EmbeddedStore(conn)
    store.ensure_schema()
    load_files(store, "upphandling", [_tenders(tmp_path / "t.csv", [("2321000198", "MT1", "L1", "1"),
                                                                   ("2321000198", "MT1", "L2", "3")])])
    conn.close()
    listed = CliRunner().invoke(cli, ["--db", str(db), "flags", "--list"])
    assert listed.exit_code == 0, listed.output
    assert all(f.code in listed.output and f.anchor in listed.output for f in CATALOGUE)
    got = CliRunner().invoke(cli, ["--db", str(db), "flags", "--buyer", "2321000198"])
    assert got.exit_code == 0, got.output
    assert "SE-ON:2321000198|MT1|L1\tSingle tender received" in got.output and "|L2\t" not in got.output
    by_lot = CliRunner().invoke(cli, ["--db", str(db), "flags", "--lot", "SE-ON:2321000198|MT1|L1"])
    assert "SB-OPEN" in by_lot.output and "not findings of wrongdoing" in by_lot.output
    by_id = CliRunner().invoke(cli, ["--db", str(db), "flags", "--procurement", "MT1"])
    assert by_id.exit_code == 0 and "SB-LOT" in by_id.output
    unknown = CliRunner().invoke(cli, ["--db", str(db), "flags", "--procurement", "NOPE"])
    assert unknown.exit_code == 1 and "no procurement 'NOPE'" in unknown.output
