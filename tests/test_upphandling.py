"""The procurement statistics source: fixture CSV and XLSX, bad input, and loading into the real store."""

from __future__ import annotations

import csv
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
    # suppliers: a name key, sizes mapped, two spellings of one company are one node
    konsult = orgs["NAME:upphandling:gävle konsult ab"]
    assert konsult["size"] == "micro" and konsult["is_public"] is False
    assert orgs["NAME:upphandling:bemanning norr ab"]["size"] == "medium"
    procs = _nodes(records, "Procurement")
    assert set(procs) == {f"T{i}" for i in range(1, 9)}
    t1 = procs["T1"]
    assert (t1["published"], t1["cpv"], t1["env_sustainable"], t1["innovation"], t1["coordinated"]) == (
        "2021-02-01", "79400000", True, True, False)
    assert "social_sustainable" not in t1  # empty flag = unknown, not False
    themes = _nodes(records, "Theme")
    assert themes["CPV:79"]["kind"] == "cpv_group" and themes["CPV:79"]["name"].startswith("Företagstjänster")
    awards = [r for r in records if isinstance(r, Rel) and r.type == "AWARDED_TO"]
    assert len(awards) == 11  # one per row; the store folds the repeated T5 row
    t8 = next(a for a in awards if a.src == ("Procurement", "T8"))
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
    t4 = next(r for r in records if isinstance(r, Rel) and r.type == "AWARDED_TO" and r.src[1] == "T4")
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
    assert values == {"T1": 1250000.0, "T2": 500000.0, "T3": 80000.0, "T9": 999.0}  # T8's empty value is unknown
    assert vreport.notes["procurements with several value rows (summed)"] == 1
    records, _ = _records(AWARDS, values=values)
    procs = _nodes(records, "Procurement")
    assert (procs["T2"]["value"], procs["T2"]["currency"]) == (500000.0, "SEK")
    assert "value" not in procs["T8"]


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
    with pytest.raises(SourceError, match="renamed.csv: missing column"):
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
