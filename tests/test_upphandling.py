"""The procurement statistics source: fixture CSV and XLSX, bad input, and loading into the real store."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from graph.cli import cli
from graph.errors import SourceError
from graph.identity import OrgResolver
from graph.ingest.load import load_files
from graph.io.reports import FileReport
from graph.records import Node, Rel
from graph.sources import upphandling

FIXTURES = Path(__file__).parent / "fixtures"
T1 = "SE-ON:2321000198|T1"  # a procurement is (buyer, Upphandlings-ID)
AWARDS = FIXTURES / "upphandling_awards.csv"
VALUES = FIXTURES / "upphandling_values.csv"


def _records(path: Path, **kwargs):
    report = FileReport(str(path), "upphandling")
    return list(upphandling.iter_records(path, report=report, resolver=OrgResolver(), **kwargs)), report


def _nodes(records, label):
    out: dict[str, dict] = {}
    for r in records:
        if isinstance(r, Node) and r.label == label:
            out.setdefault(r.key, {}).update({k: v for k, v in r.props.items() if v is not None})
    return out


def test_fixture_parses_into_buyers_procurements_and_awards() -> None:
    records, report = _records(AWARDS)
    assert report.rows == 11 and not report.rejects
    orgs = _nodes(records, "Organisation")
    assert orgs["SE-ON:2321000198"]["name"] == "Region Gävleborg"  # official name from the renames table
    assert orgs["SE-ON:2321000198"]["aliases"] == ["REGION GÄVLEBORG"]
    assert orgs["SE-ON:2120002338"]["org_number"] == "2120002338"  # written 212000-2338 in the file
    assert orgs["SE-ON:2120002338"]["is_public"] is True
    # suppliers: a name key, two spellings of one company are one node; the size reported on each
    # row stays on its award (the source never gives the organisation a size: see derive_sizes)
    konsult = orgs["NAME:upphandling:gävle konsult ab"]
    assert konsult["is_public"] is False and "size" not in konsult
    assert konsult["aliases"] == ["GÄVLE KONSULT AKTIEBOLAG", "Gävle Konsult AB"]
    sizes = {(r.src[1], r.props["lot_id"]): r.props["supplier_size"] for r in records
             if isinstance(r, Rel) and r.type == "AWARDED_TO"}
    assert sizes[(T1, "CAN-T1-01")] == sizes[(T1, "CAN-T1-02")] == "micro"
    assert sizes[("FI-BID:0205034-3|T7", "CAN-T7-01")] is None  # not reported, not imputed
    procs = _nodes(records, "Procurement")
    assert {p["upphandlings_id"] for p in procs.values()} == {f"T{i}" for i in range(1, 9)}
    assert all(k == f"{p['procurement_id'].split('|')[0]}|{p['upphandlings_id']}" for k, p in procs.items())
    t1 = procs[T1]
    assert (t1["published"], t1["cpv"], t1["env_sustainable"], t1["innovation"], t1["coordinated"]) == (
        "2021-02-01", "79400000", True, True, False)
    assert t1["notice_db"] == "e-Avrop" and t1["upphandlings_id"] == "T1"
    assert "social_sustainable" not in t1  # empty flag = unknown, not False
    themes = _nodes(records, "Theme")
    assert themes["CPV:79"]["kind"] == "cpv_group" and themes["CPV:79"]["name"].startswith("Företagstjänster")
    awards = [r for r in records if isinstance(r, Rel) and r.type == "AWARDED_TO"]
    assert len(awards) == 11  # one per row; the store folds the repeated T5 row
    t8 = next(a for a in awards if a.src == ("Procurement", "SE-ON:2120002338|T8"))
    assert t8.props["contracted_bids"] == 3 and t8.props["lot_id"] == "CAN-T8-01"


def test_nodes_come_before_the_relationships_that_use_them() -> None:
    records, _ = _records(AWARDS)
    seen: set[tuple[str, str]] = set()
    for r in records:
        if isinstance(r, Node):
            seen.add((r.label, r.key))
        else:
            assert r.src in seen and r.dst in seen, r


def test_each_redacted_person_is_its_own_node() -> None:
    records, report = _records(AWARDS)
    anon = [r for r in records if isinstance(r, Rel) and r.type == "AWARDED_TO" and r.dst[1].startswith("ANON:")]
    assert len(anon) == 3 and len({a.dst for a in anon}) == 3  # two on the same lot, one elsewhere
    assert report.notes["redacted suppliers (Personuppgift), one anonymous node per award"] == 3


def test_public_supplier_matches_the_buyer_by_name() -> None:
    records, _ = _records(AWARDS)
    t4 = next(r for r in records if isinstance(r, Rel) and r.type == "AWARDED_TO" and r.src[1].endswith("|T4"))
    assert t4.dst == ("Organisation", "SE-ON:2120002338")  # "Gävle kommun" sells to Sandviken


def test_bad_numbers_are_kept_and_listed() -> None:
    records, report = _records(AWARDS)
    orgs = _nodes(records, "Organisation")
    dalarna, aland = orgs["SE-ON:2331000180"], orgs["FI-BID:0205034-3"]
    assert dalarna["org_number_valid"] is False and dalarna["quality"] == "invalid_org_number"
    assert aland["country"] == "FI" and aland["quality"] == "foreign_org_number"
    assert aland["org_number_valid"] is False  # kept as given, but no Swedish number
    assert report.quality["organisation number fails its check digit (kept as given)"] == ["2331000180 REGION DALARNA"]
    assert report.quality["foreign organisation number (kept as given)"] == ["0205034-3 LUMPARLANDS KOMMUN"]
    awarded = {r.src[1] for r in records if isinstance(r, Rel) and r.type == "BUYER_OF"
               and r.src[1] in ("SE-ON:2331000180", "FI-BID:0205034-3")}
    assert awarded == {"SE-ON:2331000180", "FI-BID:0205034-3"}


def test_values_join_and_sum(tmp_path: Path) -> None:
    vreport = FileReport(str(VALUES), "upphandling-value")
    values = upphandling.read_values(VALUES, "utf-8", vreport)
    # joined on (buyer, ID); T8's empty value is unknown
    assert values == {T1: 1250000.0, "SE-ON:2321000198|T2": 500000.0, "SE-ON:2120002338|T3": 80000.0,
                      "SE-ON:2321000198|T9": 999.0}
    assert vreport.notes["procurements (buyer and ID) with several value rows (summed)"] == 1
    records, _ = _records(AWARDS, values=values)
    procs = _nodes(records, "Procurement")
    assert (procs["SE-ON:2321000198|T2"]["value"], procs["SE-ON:2321000198|T2"]["currency"]) == (500000.0, "SEK")
    assert "value" not in procs["SE-ON:2120002338|T8"]


def _write_xlsx(path: Path, source: Path, title_rows: int = 0) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(title_rows):
        ws.append([f"Statistikdatabasen, export {i + 1}"])
    with source.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        ws.append(header)
        for row in reader:
            cells: list[object] = []
            for name, value in zip(header, row):
                if value in ("True", "False"):
                    cells.append(value == "True")
                elif name.startswith("Antal") and value:
                    cells.append(int(value))
                else:
                    cells.append(value or None)
            ws.append(cells)
    wb.save(path)


def test_xlsx_gives_the_same_records_as_csv(tmp_path: Path) -> None:
    xlsx = tmp_path / "awards.xlsx"
    _write_xlsx(xlsx, AWARDS, title_rows=2)
    from_csv, _ = _records(AWARDS)
    from_xlsx, report = _records(xlsx)
    assert report.rows == 11
    assert from_xlsx == from_csv


def test_missing_columns_name_the_file_and_columns(tmp_path: Path) -> None:
    bad = tmp_path / "renamed.csv"
    text = AWARDS.read_text(encoding="utf-8").replace("Upphandlings-ID", "UpphandlingsID", 1)
    bad.write_text(text.replace("Publiceringsdatum", "Datum", 1), encoding="utf-8")
    with pytest.raises(SourceError) as err:
        _records(bad)
    assert "renamed.csv" in str(err.value)
    assert "'Upphandlings-ID'" in str(err.value) and "'Publiceringsdatum'" in str(err.value)


def test_a_bad_second_file_stops_the_load_before_anything_is_written(tmp_path: Path, embedded_store) -> None:
    bad = tmp_path / "renamed.csv"
    bad.write_text(AWARDS.read_text(encoding="utf-8").replace("Namn för leverantör", "Leverantör", 1), encoding="utf-8")
    with pytest.raises(SourceError, match="renamed.csv: the header matches none.*awards export.*lacks .Namn för leverantör."):
        load_files(embedded_store, "upphandling", [AWARDS, bad])
    assert embedded_store.counts().total_nodes == 0


def test_non_utf8_file_suggests_encoding(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(AWARDS.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(SourceError, match="--encoding cp1252"):
        _records(latin)
    records, report = _records(latin, encoding="cp1252")
    assert report.rows == 11 and _nodes(records, "Organisation")["SE-ON:2321000198"]["aliases"] == ["REGION GÄVLEBORG"]


def _bad_rows_file(tmp_path: Path) -> Path:
    lines = AWARDS.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("2021-02-01", "1 februari")  # row 3: bad date
    lines[11] = lines[11].rsplit(",", 1)[0] + ",tre"  # row 12: bad count of bids
    path = tmp_path / "bad_rows.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_unparsable_rows_go_to_rejects_and_the_rest_loads(tmp_path: Path, embedded_store) -> None:
    rejects = tmp_path / "rejects.csv"
    report = load_files(embedded_store, "upphandling", [_bad_rows_file(tmp_path)], rejects_path=rejects)
    assert (report.rows, report.loaded, report.rejected) == (11, 9, 2)
    with rejects.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["row"], r["field"], r["value"]) for r in rows] == [
        ("3", "Publiceringsdatum", "1 februari"),
        ("12", "Antal kontrakterade anbud*, Summa", "tre"),
    ]
    assert all(r["file"].endswith("bad_rows.csv") and r["reason"] for r in rows)
    assert embedded_store.counts().rels["AWARDED_TO"] == 8  # 11 rows - 2 rejected - 1 repeated
    assert any(re.search(r"\b2 rejected\b", line) for line in report.summary_lines())


def test_load_is_idempotent_and_records_provenance(embedded_store) -> None:
    first = load_files(embedded_store, "upphandling", [AWARDS], value_file=VALUES)
    counts = embedded_store.counts()
    assert counts.nodes["Procurement"] == 8 and counts.rels["AWARDED_TO"] == 10
    assert counts.nodes["Source"] == 2  # the awards file and the value file
    src = embedded_store.query("MATCH (s:Source) WHERE s.kind = 'upphandling' RETURN s.rows AS rows, s.rejected AS rej")
    assert src == [{"rows": 11, "rej": 0}]
    second = load_files(embedded_store, "upphandling", [AWARDS], value_file=VALUES)
    assert embedded_store.counts() == counts
    assert second.stats.nodes_created == 0 and second.stats.rels_created == 0
    assert first.matches.with_org_number == second.matches.with_org_number == 5


def test_cli_load_prints_counts_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "cli.db")
    result = runner.invoke(cli, ["--db", db, "load", "upphandling", str(AWARDS), "--value-file", str(VALUES)])
    assert result.exit_code == 0, result.output
    assert "11 rows, 11 loaded, 0 rejected" in result.output
    assert "with org number 5" in result.output and "anonymous (redacted persons) 3" in result.output
    assert "2331000180 REGION DALARNA" in result.output
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(AWARDS.read_text(encoding="utf-8").encode("cp1252"))
    result = runner.invoke(cli, ["--db", db, "load", "upphandling", str(latin)])
    assert result.exit_code == 1 and "--encoding" in result.output and "Traceback" not in result.output
    result = runner.invoke(cli, ["--db", db, "load", "upphandling", str(latin), "--encoding", "cp1252"])
    assert result.exit_code == 0, result.output


@pytest.mark.neo4j
def test_neo4j_gets_the_same_graph_as_the_embedded_store(neo4j_store, embedded_store) -> None:
    """Projektbanken first, then procurement: the name-keyed Sandviken beneficiary is merged on both stores."""
    projects = FIXTURES / "projektbanken.json"
    for store in (embedded_store, neo4j_store):
        load_files(store, "projektbanken", [projects])
        assert store.query("MATCH (o:Organisation) WHERE o.org_id = $id RETURN count(o) AS n",
                           {"id": "NAME:projektbanken:sandvikens kommun"}) == [{"n": 1}]
        report = load_files(store, "upphandling", [AWARDS], value_file=VALUES)
        assert report.merged_after_load == {"name": 1}
    assert neo4j_store.counts() == embedded_store.counts()
    for store in (embedded_store, neo4j_store):
        rows = store.query(
            "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project) WHERE o.org_id IN $ids "
            "RETURN o.org_id AS id, p.project_id AS project ORDER BY id, project",
            {"ids": ["SE-ON:2321000198", "SE-ON:2120002346"]})
        assert rows == [{"id": "SE-ON:2120002346", "project": "20200251"},
                        {"id": "SE-ON:2321000198", "project": "20200083"},
                        {"id": "SE-ON:2321000198", "project": "20200535"}]
        assert store.query("MATCH (o:Organisation) WHERE o.org_id STARTS WITH 'NAME:projektbanken:sandvik' "
                           "RETURN count(o) AS n") == [{"n": 0}]


def _variant(tmp_path: Path, name: str, edit) -> Path:
    """The fixture with its data rows edited by ``edit(header, rows) -> rows``."""
    with AWARDS.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = edit(header, list(reader))
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _set(header: list[str], row: list[str], **cells: str) -> list[str]:
    row = list(row)
    for column, value in cells.items():
        row[header.index(column.replace("_", " "))] = value
    return row


def test_one_id_of_two_buyers_is_two_procurements(tmp_path: Path, embedded_store) -> None:
    """The MT4321 trap: another buyer's rows under T2 share no node, value or award with Region Gävleborg's."""
    def edit(header, rows):
        other = [_set(header, r, **{"Namn_för_köpare": "ADDA INKÖPSCENTRAL AB",
                                    "Organisationsnummer_för_köpare": "5568194798"}) for r in rows[2:4]]
        for r, name in zip(other, ("Leverantör X AB", "Leverantör Y AB"), strict=True):
            r[header.index("Namn för leverantör")] = name
        return [*rows, *other]
    path = _variant(tmp_path, "shared_id.csv", edit)
    values = tmp_path / "values.csv"
    text = VALUES.read_text(encoding="utf-8").splitlines()
    adda = text[2].replace("REGION GÄVLEBORG,2321000198", "ADDA INKÖPSCENTRAL AB,5568194798").replace(",400000", ",6000000000")
    values.write_text("\n".join([*text, adda]) + "\n", encoding="utf-8")
    report = load_files(embedded_store, "upphandling", [path], value_file=values)
    rows = embedded_store.query(
        "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[a:AWARDED_TO]->(s:Organisation) WHERE p.upphandlings_id = 'T2' "
        "RETURN b.org_id AS buyer, p.procurement_id AS id, p.value AS value, count(a) AS awards ORDER BY buyer")
    assert rows == [
        {"buyer": "SE-ON:2321000198", "id": "SE-ON:2321000198|T2", "value": 500000.0, "awards": 2},
        {"buyer": "SE-ON:5568194798", "id": "SE-ON:5568194798|T2", "value": 6000000000.0, "awards": 2},
    ]
    assert report.files[0].quality[upphandling.SHARED_IDS] == ["T2"]


def test_rows_of_one_procurement_that_disagree_are_listed_with_row_and_field(tmp_path: Path) -> None:
    path = _variant(tmp_path, "disagree.csv", lambda h, rows: [
        *rows[:1], _set(h, rows[1], Upphandlingens_titel="Annan titel"), *rows[2:]])
    records, report = _records(path)
    assert report.quality[upphandling.DISAGREE] == [
        "disagree.csv row 3: Upphandlingens titel of T1 (SE-ON:2321000198) is 'Annan titel', "
        "row 2 has 'Innovationsupphandling, rådgivning'"]
    reversed_rows = _variant(tmp_path, "disagree_rev.csv", lambda h, rows: [
        _set(h, rows[1], Upphandlingens_titel="Annan titel"), rows[0], *rows[2:]])
    kept = {_nodes(r, "Procurement")[T1]["title"] for r in (records, _records(reversed_rows)[0])}
    assert len(kept) == 1  # a 1:1 tie goes to the smallest value, whichever row comes first


def test_bids_over_64_bits_and_short_counts_name_the_row(tmp_path: Path) -> None:
    path = _variant(tmp_path, "bids.csv", lambda h, rows: [
        *rows[:3], _set(h, rows[3], **{"Antal_kontrakterade_anbud*,_Summa": "99999999999999999999"}), *rows[4:]])
    records, report = _records(path)
    assert [(r.row, r.field, r.value) for r in report.rejects] == [
        (5, "Antal kontrakterade anbud*, Summa", "99999999999999999999")]
    assert "64-bit" in report.rejects[0].reason
    assert report.loaded == 10


def test_negative_values_load_with_a_flag(tmp_path: Path) -> None:
    values = tmp_path / "negative.csv"
    values.write_text(VALUES.read_text(encoding="utf-8").replace(",80000", ",-80000"), encoding="utf-8")
    report = FileReport(str(values), "upphandling-value")
    loaded = upphandling.read_values(values, "utf-8", report)
    assert loaded["SE-ON:2120002338|T3"] == -80000.0
    assert report.quality[upphandling.NEGATIVE] == ["negative.csv row 5: T3 (212000-2338) -80000"]


def test_size_stays_on_the_award_and_the_organisation_gets_the_most_frequent(tmp_path: Path, embedded_store) -> None:
    """The repeated T5 row reports no size once: the award keeps 'medium' (reported), nothing is imputed
    to other awards, and the organisation's size is the most frequent reported on its awards."""
    path = _variant(tmp_path, "sizes.csv", lambda h, rows: [
        *rows, _set(h, rows[0], **{"Anbudsområdes-ID": "CAN-T1-03", "Företagsstorlek för leverantör": ""}),
        _set(h, rows[0], **{"Anbudsområdes-ID": "CAN-T1-04", "Företagsstorlek för leverantör": "Stora företag"})])
    report = load_files(embedded_store, "upphandling", [path])
    awards = embedded_store.query(
        "MATCH (p:Procurement)-[a:AWARDED_TO]->(o:Organisation) WHERE o.org_id = 'NAME:upphandling:gävle konsult ab' "
        "RETURN a.lot_id AS lot, a.supplier_size AS size, o.size AS org_size, o.size_basis AS basis ORDER BY lot")
    assert [(a["lot"], a["size"]) for a in awards] == [
        ("CAN-T1-01", "micro"), ("CAN-T1-02", "micro"), ("CAN-T1-03", None), ("CAN-T1-04", "large")]
    assert {(a["org_size"], a["basis"]) for a in awards} == {("micro", "most frequent reported on awards")}
    with path.open(encoding="utf-8", newline="") as fh:
        unreported = sum(1 for r in csv.DictReader(fh) if not r["Företagsstorlek för leverantör"])
    assert report.files[0].notes[upphandling.NO_SIZE] == unreported == 3
    assert f"{upphandling.NO_SIZE}: 3" in "\n".join(report.summary_lines())


def test_a_mistyped_buyer_number_is_folded_into_the_valid_one(tmp_path: Path, embedded_store) -> None:
    """REGION DALARNA under 2331000180 (fails its check digit) and 2321000180: one buyer."""
    path = _variant(tmp_path, "dalarna.csv", lambda h, rows: [
        *rows, _set(h, rows[8], **{"Organisationsnummer för köpare": "2321000180", "Upphandlings-ID": "T60",
                            "Anbudsområdes-ID": "CAN-T60-01"})])
    report = load_files(embedded_store, "upphandling", [path])
    rows = embedded_store.query(
        "MATCH (o:Organisation)-[:BUYER_OF]->(p:Procurement) WHERE o.org_id STARTS WITH 'SE-ON:23' AND o.org_id ENDS WITH '0180' "
        "RETURN o.org_id AS id, o.org_number_aliases AS aliases, count(p) AS n")
    assert rows == [{"id": "SE-ON:2321000180", "aliases": ["2331000180"], "n": 2}]
    from graph.ingest.folding import MISTYPED_MERGED
    assert report.files[-1].quality[MISTYPED_MERGED] == ["2331000180 REGION DALARNA -> SE-ON:2321000180"]
    assert "check digit" not in report.merged_after_load  # merged while reading the file, no node to fold
    assert "2331000180 REGION DALARNA -> SE-ON:2321000180" in "\n".join(report.summary_lines())
    from fingerprint import graph_fingerprint

    before = graph_fingerprint(embedded_store)
    again = load_files(embedded_store, "upphandling", [path])  # a reload changes nothing, not even for a moment
    assert graph_fingerprint(embedded_store) == before
    assert (again.stats.nodes_created, again.stats.rels_created) == (0, 0)
    assert embedded_store.query("MATCH (o:Organisation) WHERE o.org_id = 'SE-ON:2331000180' RETURN count(o) AS n") == [{"n": 0}]


def test_a_mistyped_buyer_number_whose_twin_is_in_another_file_is_folded_after_the_load(tmp_path: Path, embedded_store) -> None:
    """The twin of 2331000180 comes in a second file: the buyer node is folded after that load."""
    twin = _variant(tmp_path, "twin.csv", lambda h, rows: [
        _set(h, rows[8], **{"Organisationsnummer för köpare": "2321000180", "Upphandlings-ID": "T60",
                            "Anbudsområdes-ID": "CAN-T60-01"})])
    first = load_files(embedded_store, "upphandling", [AWARDS])
    assert "check digit" not in first.merged_after_load
    second = load_files(embedded_store, "upphandling", [twin])
    assert second.merged_after_load.get("check digit") == 1
    rows = embedded_store.query(
        "MATCH (o:Organisation)-[:BUYER_OF]->(p:Procurement) WHERE o.org_id ENDS WITH '0180' "
        "RETURN o.org_id AS id, o.org_number_aliases AS aliases, count(p) AS n")
    assert rows == [{"id": "SE-ON:2321000180", "aliases": ["2331000180"], "n": 2}]


def test_the_fixture_shuffled_and_loaded_twice_is_the_same_graph(tmp_path: Path) -> None:
    from fingerprint import first_difference, graph_fingerprint

    from graph.store.embedded import EmbeddedStore, open_database

    prints = []
    for n, seed in enumerate((None, 1, 2)):
        def edit(header, rows, seed=seed):
            if seed is not None:
                random.Random(seed).shuffle(rows)
            return rows
        path = _variant(tmp_path, f"shuffled{n}.csv", edit)
        conn = open_database(tmp_path / f"s{n}.db")
        try:
            store = EmbeddedStore(conn)
            store.ensure_schema()
            for _ in range(1 if seed is None else 2):
                load_files(store, "upphandling", [path], value_file=VALUES)
            prints.append(graph_fingerprint(store))
        finally:
            conn.close()
    assert prints[0] == prints[1], first_difference(prints[0], prints[1])
    assert prints[0] == prints[2], first_difference(prints[0], prints[2])


def test_a_mistyped_number_without_a_valid_twin_is_kept_and_listed(embedded_store) -> None:
    from graph.ingest.folding import MISTYPED_KEPT

    report = load_files(embedded_store, "upphandling", [AWARDS])
    assert report.files[-1].quality[MISTYPED_KEPT] == ["2331000180 REGION DALARNA"]
    assert embedded_store.query("MATCH (o:Organisation)-[:BUYER_OF]->() WHERE o.org_id = 'SE-ON:2331000180' "
                                "RETURN o.org_number_valid AS valid") == [{"valid": False}]
    assert "check digit" not in report.merged_after_load


def test_short_and_long_rows_are_rejected_as_such(tmp_path: Path) -> None:
    lines = AWARDS.read_text(encoding="utf-8").splitlines()
    width = len(next(csv.reader([lines[0]])))
    lines[3] = ",".join(lines[3].split(",")[:12])  # row 4 cut after 12 fields
    lines[5] = lines[5] + ",extra"  # row 6 one field too many
    path = tmp_path / "short.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, report = _records(path)
    assert [(r.row, r.reason) for r in report.rejects] == [
        (4, f"row has 12 fields, expected {width} (a line cut short or a stray delimiter?)"),
        (6, f"row has {width + 1} fields, expected {width} (a line cut short or a stray delimiter?)"),
    ]
    assert "empty Upphandlings-ID" not in {r.reason for r in report.rejects}
    assert report.loaded == 9
    values = tmp_path / "short_values.csv"
    vlines = VALUES.read_text(encoding="utf-8").splitlines()
    values.write_text("\n".join([*vlines, "2021,GÄVLE KOMMUN"]) + "\n", encoding="utf-8")
    vreport = FileReport(str(values), "upphandling-value")
    upphandling.read_values(values, "utf-8", vreport)
    assert [(r.row, r.reason.split(" (")[0]) for r in vreport.rejects] == [
        (len(vlines) + 1, f"row has 2 fields, expected {len(next(csv.reader([vlines[0]])))}")]
