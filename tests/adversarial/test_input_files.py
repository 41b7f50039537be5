"""Adversarial input files for `stakenet load`: cut, mistyped, mis-encoded, deep, huge, empty.

Issue 14 items 11 (cell amounts), 14 (a CSV cut inside a quoted field), 15 (objects where
Projektbanken strings belong), 16 (deep JSON, huge integers), 17 (byte-order marks) and more
attacks of our own (NUL bytes, a huge single line, empty and header-only files, a BOM before the
header, wrong encodings, missing columns). The files are cut from the real exports in
../shared/data; expectations are computed from them with the csv/json modules. Every case ends in
a loaded file, a reported reject naming file/row/field, or a one-line error naming the file and
leaving the database as it was.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graph.cli import cli
from graph.errors import RowError, SourceError
from graph.io.cells import parse_amount, parse_count
from graph.store.embedded import EmbeddedStore, open_database

AWARDS = "se_procurement_2021_awards.csv"
PROJEKTBANKEN = "se_erdf_2014_2020_projektbanken_2016.json"
ID = "Upphandlings-ID"


def awards_slice(shared_data: Path, n: int) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``n`` rows of the real awards export, read with the csv module."""
    with (shared_data / AWARDS).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [next(reader) for _ in range(n)]
    return header, rows


def csv_text(header: list[str], rows: list[list[str]], quoting: int = csv.QUOTE_MINIMAL) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=quoting, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def load(tmp_path: Path, kind: str, *paths: Path, encoding: str | None = None) -> tuple[Any, Path]:
    db = tmp_path / "g.db"
    args = ["--db", str(db), "load", kind, *map(str, paths), "--rejects", str(tmp_path / "rejects.csv")]
    if encoding:
        args += ["--encoding", encoding]
    result = CliRunner().invoke(cli, args)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result, db


def graph_values(db: Path, query: str) -> list[Any]:
    if not db.exists():
        return []
    conn = open_database(db)
    try:
        return [r["v"] for r in EmbeddedStore(conn).query(query)]
    finally:
        conn.close()


def data_nodes(db: Path) -> list[Any]:
    """The number of nodes other than the store's own Meta node (schema version)."""
    return graph_values(db, "MATCH (n) WHERE label(n) <> 'Meta' RETURN count(n) AS v")


def procurement_ids(db: Path) -> set[str]:
    """The export's Upphandlings-IDs loaded (procurement_id is buyer-scoped: <buyer org_id>|<ID>)."""
    return set(graph_values(db, "MATCH (p:Procurement) RETURN p.upphandlings_id AS v"))


def one_line_error(result: Any, path: str, *needles: str) -> str:
    """The one-line error names ``path`` first and says ``needles`` after it (not in the path)."""
    assert result.exit_code == 1, result.output
    text = result.output.strip()
    assert text.startswith(f"Error: {path}") and "\n" not in text, text
    rest = text[len(f"Error: {path}"):]
    for n in needles:
        assert n in rest, (n, text)
    return text


def rejects(tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "rejects.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# -- item 14: a CSV cut inside a quoted field -------------------------------------------------------
def test_csv_cut_inside_a_quoted_field_rejects_the_last_row(shared_data: Path, tmp_path: Path) -> None:
    header, rows = awards_slice(shared_data, 6)
    # Cut inside the last quoted field of the last row, so every column is there but that field is
    # truncated and its closing quote missing: a download that stopped mid-row.
    text = csv_text(header, rows, csv.QUOTE_ALL)
    last = rows[-1]
    tail = len(text) - len("\r\n")
    cut_at = tail - 1 - max(1, len(last[-1]) // 2)
    path = tmp_path / "cut.csv"
    path.write_text(text[:cut_at], encoding="utf-8")
    result, db = load(tmp_path, "upphandling", path)
    assert result.exit_code == 0, result.output
    [reject] = [r for r in rejects(tmp_path) if r["row"] == str(len(rows) + 1)]
    assert "cut off" in reject["reason"] and reject["file"] == str(path), reject
    expected = {r[header.index(ID)] for r in rows[:-1]}
    assert procurement_ids(db) == expected, "the cut row is not loaded, the complete rows are"


def test_csv_cut_is_an_error_for_nuts(shared_data: Path, tmp_path: Path) -> None:
    text = (shared_data / "nuts2013.csv").read_text(encoding="utf-8")
    path = tmp_path / "nuts.csv"
    lines = text.splitlines(keepends=True)[:40]
    path.write_text("".join(lines) + '"1229999","2","9","1","SE3","Norra Sver', encoding="utf-8")
    result, db = load(tmp_path, "nuts", path)
    one_line_error(result, str(path), "row 41", "cut off")
    assert data_nodes(db) in ([], [0])


# -- item 15: Projektbanken values of the wrong JSON type ------------------------------------------
def test_projektbanken_objects_where_strings_belong_are_rejected_with_their_path(shared_data: Path, tmp_path: Path) -> None:
    cases = json.loads((shared_data / PROJEKTBANKEN).read_text(encoding="utf-8"))[:6]
    cases[2]["stödmottagare"] = {"name": "Evil AB"}
    cases[3]["projektnamn"] = ["a", "list"]
    cases[4]["kommuner"] = {"x": 1}
    path = tmp_path / "pb.json"
    path.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    result, db = load(tmp_path, "projektbanken", path)
    assert result.exit_code == 0, result.output
    got = {(r["row"], r["field"]): r["reason"] for r in rejects(tmp_path)}
    assert "$[2].stödmottagare" in got[("3", "stödmottagare")] and "object" in got[("3", "stödmottagare")], got
    assert "$[3].projektnamn" in got[("4", "projektnamn")] and "list" in got[("4", "projektnamn")], got
    assert "$[4].kommuner" in got[("5", "kommuner")], got
    names = graph_values(db, "MATCH (o:Organisation) RETURN o.name AS v")
    assert not any("{" in str(n) or "[" in str(n) for n in names), names
    want = {str(c["ärende-id"]) for i, c in enumerate(cases) if i not in (2, 3, 4)}
    assert set(graph_values(db, "MATCH (p:Project) RETURN p.project_id AS v")) == want


# -- item 16: JSON too deep, integers too long ------------------------------------------------------
def test_json_nested_200000_deep_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    result, db = load(tmp_path, "projektbanken", path)
    one_line_error(result, str(path), "nested")
    assert data_nodes(db) in ([], [0])


def test_json_integer_of_5000_digits_is_a_one_line_error(shared_data: Path, tmp_path: Path) -> None:
    cases = json.loads((shared_data / PROJEKTBANKEN).read_text(encoding="utf-8"))[:3]
    text = json.dumps(cases, ensure_ascii=False)
    amount = json.dumps(cases[1]["beviljat_belopp_sek"])
    text = text.replace(f'"beviljat_belopp_sek": {amount}', '"beviljat_belopp_sek": ' + "9" * 5000, 1)
    path = tmp_path / "big.json"
    path.write_text(text, encoding="utf-8")
    result, _ = load(tmp_path, "projektbanken", path)
    one_line_error(result, str(path), "digits")


def test_cell_amounts_that_are_not_finite_numbers_are_row_errors() -> None:
    for text in ("1e309", "-1e309", "NaN", "inf", "abc", "9" * 5000, "1" + "0" * 400):
        with pytest.raises(RowError):
            parse_amount(text, "value")
    with pytest.raises(RowError):
        parse_count("9" * 5000, "bids")
    assert parse_amount("1 460,5") == 1460.5


# -- item 17: byte-order marks ----------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
@pytest.mark.parametrize("told", [None, "cp1252"])
def test_a_file_with_a_byte_order_mark_is_read_as_what_it_is(shared_data: Path, tmp_path: Path, encoding: str,
                                                             told: str | None) -> None:
    header, rows = awards_slice(shared_data, 5)
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    path = tmp_path / f"awards-{encoding}.csv"
    path.write_bytes(bom + csv_text(header, rows).encode(encoding))
    result, db = load(tmp_path, "upphandling", path, encoding=told)
    assert result.exit_code == 0, result.output
    assert procurement_ids(db) == {r[header.index(ID)] for r in rows}
    names = set(graph_values(db, "MATCH (o:Organisation) RETURN o.name AS v"))
    assert rows[0][header.index("Namn för köpare")] in names or any("ö" in n or "ä" in n for n in names if n)


def test_utf16_without_a_bom_is_named(shared_data: Path, tmp_path: Path) -> None:
    header, rows = awards_slice(shared_data, 3)
    path = tmp_path / "awards.csv"
    path.write_bytes(csv_text(header, rows).encode("utf-16-le"))
    result, db = load(tmp_path, "upphandling", path)
    one_line_error(result, str(path), "UTF-16", "--encoding utf-16-le")
    assert "cp1252" not in result.output
    assert procurement_ids(db) == set()


# -- more attacks on input files --------------------------------------------------------------------
def test_cp1252_file_read_as_utf8_names_the_byte_and_the_fix(shared_data: Path, tmp_path: Path) -> None:
    header, rows = awards_slice(shared_data, 3)
    path = tmp_path / "awards.csv"
    path.write_bytes(csv_text(header, rows).encode("cp1252"))
    result, db = load(tmp_path, "upphandling", path)
    one_line_error(result, str(path), "--encoding cp1252")
    result, db = load(tmp_path, "upphandling", path, encoding="cp1252")
    assert result.exit_code == 0 and procurement_ids(db) == {r[header.index(ID)] for r in rows}


def test_empty_files(tmp_path: Path) -> None:
    for kind, name in (("upphandling", "a.csv"), ("projektbanken", "p.json"), ("nuts", "n.csv")):
        path = tmp_path / name
        path.write_bytes(b"")
        result, db = load(tmp_path, kind, path)
        one_line_error(result, str(path), "empty")
        assert data_nodes(db) in ([], [0])


def test_header_only_file_loads_nothing_and_says_so(shared_data: Path, tmp_path: Path) -> None:
    header, _ = awards_slice(shared_data, 1)
    path = tmp_path / "a.csv"
    path.write_text(csv_text(header, []), encoding="utf-8")
    result, db = load(tmp_path, "upphandling", path)
    assert result.exit_code == 0, result.output
    assert f"{path}: 0 rows, 0 loaded, 0 rejected" in result.output
    assert procurement_ids(db) == set()


def test_missing_column_names_it(shared_data: Path, tmp_path: Path) -> None:
    header, rows = awards_slice(shared_data, 3)
    i = header.index(ID)
    path = tmp_path / "a.csv"
    path.write_text(csv_text([h for j, h in enumerate(header) if j != i], [[c for j, c in enumerate(r) if j != i]
                                                                            for r in rows]), encoding="utf-8")
    result, db = load(tmp_path, "upphandling", path)
    one_line_error(result, str(path), f"lacks '{ID}'")  # the header matches none of the exports: each one's missing columns
    assert procurement_ids(db) == set()


def test_nul_bytes_in_a_cell_are_rejected_with_row_and_field(shared_data: Path, tmp_path: Path) -> None:
    header, rows = awards_slice(shared_data, 4)
    col = header.index("Namn för köpare")
    rows[1][col] = rows[1][col][:3] + "\x00" + rows[1][col][3:]
    path = tmp_path / "a.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    result, db = load(tmp_path, "upphandling", path)
    assert result.exit_code == 0, result.output
    [reject] = rejects(tmp_path)
    assert (reject["row"], reject["field"]) == ("3", "Namn för köpare") and "NUL" in reject["reason"], reject
    names = graph_values(db, "MATCH (o:Organisation) RETURN o.name AS v")
    assert not any("\x00" in (n or "") for n in names)
    ids_other_rows = {r[header.index(ID)] for j, r in enumerate(rows) if j != 1}
    assert ids_other_rows <= procurement_ids(db)


def test_huge_single_line_is_a_one_line_error_naming_the_row(shared_data: Path, tmp_path: Path) -> None:
    header, rows = awards_slice(shared_data, 3)
    rows[2][header.index("Upphandlingens titel")] = "x" * 300_000
    path = tmp_path / "a.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    result, db = load(tmp_path, "upphandling", path)
    one_line_error(result, str(path), "row 4")
    assert procurement_ids(db) == set(), "nothing of the file is loaded"


def test_utf8_bom_before_the_header_with_cp1252_told(shared_data: Path, tmp_path: Path) -> None:
    header, rows = awards_slice(shared_data, 3)
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(header, rows).encode("utf-8"))
    result, db = load(tmp_path, "upphandling", path, encoding="cp1252")
    assert result.exit_code == 0, result.output
    assert procurement_ids(db) == {r[header.index(ID)] for r in rows}


def test_source_error_type_for_library_callers(tmp_path: Path) -> None:
    from graph.io.rows import read_json

    path = tmp_path / "deep.json"
    path.write_text("{\"a\": " * 100_000 + "1" + "}" * 100_000, encoding="utf-8")
    with pytest.raises(SourceError, match="nested"):
        read_json(path, "utf-8")
