"""Adversarial output: what stakenet prints must not carry terminal escapes from data or secrets from URLs.

Issue 14 items 18 (control characters from the data echoed raw by `load` summaries and errors),
19 (a password in --neo4j-uri or a token in a URL echoed in errors) and 16 (`view --out` at an
existing non-HTML file or an unwritable place ends in a one-line error).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner
from helpers import make_database

from graph.cli import cli
from graph.text import escape_controls, redact_url, redact_urls, safe_text

AWARDS = "se_procurement_2021_awards.csv"
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m\u202e"


def awards(shared_data: Path, n: int) -> tuple[list[str], list[list[str]]]:
    with (shared_data / AWARDS).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [next(reader) for _ in range(n)]


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def assert_no_controls(text: str) -> None:
    bad = sorted({hex(ord(c)) for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
                  or c in "\u202e\u202d\u2066\u2067\u2068\u2069"})
    assert not bad, (bad, text)


# -- item 18: control characters ---------------------------------------------------------------------
def test_load_summary_escapes_control_characters_from_the_data(shared_data: Path, tmp_path: Path) -> None:
    header, rows = awards(shared_data, 4)
    header = [*header, f"Extra{ESCAPES}"]  # an unknown column: named in the data-quality summary
    rows = [[*r, "x"] for r in rows]
    path = write(tmp_path / "a.csv", header, rows)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "g.db"), "load", "upphandling", str(path)])
    assert result.exit_code == 0, result.output
    assert_no_controls(result.output)
    assert "unknown columns (ignored)" in result.output and "Extra\\x1b[2J\\x1b]0;pwned\\x07" in result.output


def test_load_error_escapes_control_characters_from_the_data(shared_data: Path, tmp_path: Path) -> None:
    header, rows = awards(shared_data, 2)
    header = [h + ESCAPES if h == "Upphandlings-ID" else h for h in header]  # missing column; found ones listed
    path = write(tmp_path / "b.csv", header, rows)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "g.db"), "load", "upphandling", str(path)])
    assert result.exit_code == 1
    assert "matches none of the procurement statistics exports" in result.output and "lacks 'Upphandlings-ID'" in result.output
    assert_no_controls(result.output)  # the header's own text is not echoed by this message; file names are (next test)


def test_file_names_with_control_characters_are_escaped(tmp_path: Path) -> None:
    path = tmp_path / f"evil{ESCAPES}.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "g.db"), "load", "upphandling", str(path)])
    assert result.exit_code == 1 and "matches none of the procurement statistics exports" in result.output
    assert_no_controls(result.output)


def test_escape_controls_keeps_text_and_escapes_the_rest() -> None:
    assert escape_controls("Gävleborg\tÅ\nrad") == "Gävleborg\tÅ\nrad"
    assert escape_controls("a\x1b[31mb\x00\x7f\x85\u202e") == "a\\x1b[31mb\\x00\\x7f\\x85\\u202e"


# -- item 19: secrets in URLs --------------------------------------------------------------------------
def test_neo4j_password_in_the_uri_is_never_printed(tmp_path: Path) -> None:
    for uri in ("bolt://neo4j:hunter2@127.0.0.1:1", "neo4j://admin:hunter2@127.0.0.1:1?token=hunter2"):
        result = CliRunner().invoke(cli, ["--neo4j-uri", uri, "query", "--cypher", "RETURN 1"])
        assert result.exit_code == 1, result.output
        assert "hunter2" not in result.output, result.output
        assert "***@127.0.0.1:1" in result.output, result.output


def test_command_line_recorded_in_reports_has_no_secrets() -> None:
    from graph.cli import _effective_argv

    ctx = cli.make_context("stakenet", ["--neo4j-uri", "bolt://neo4j:hunter2@h:7687?key=k", "report"])
    argv = _effective_argv(ctx)
    assert "--neo4j-uri" in argv and not any("hunter2" in a or "key=k" in a for a in argv), argv


def test_redaction_rules() -> None:
    assert redact_url("https://u:p@h:8/s?a=1&Token=t&api-key=k&access_token=z#x") == \
        "https://u:***@h:8/s?a=1&Token=***&api-key=***&access_token=***#x"
    assert redact_url("https://ghp_abc@h/s") == "https://***@h/s"
    assert redact_url("https://h/s?page=2") == "https://h/s?page=2"
    text = "failed: bolt://n:pw@h:7687, then http://h/s?key=v."
    assert redact_urls(text) == "failed: bolt://n:***@h:7687, then http://h/s?key=***."
    assert safe_text("x\x1b http://a:b@h/") == "x\\x1b http://a:***@h/"


# -- item 16: view --out at a bad place ----------------------------------------------------------------
def test_view_out_at_an_existing_non_html_file(tmp_path: Path) -> None:
    victim = tmp_path / "data.csv"
    victim.write_text("precious,data\n", encoding="utf-8")
    db = make_database(tmp_path / "g.db")  # read commands refuse a database that does not exist
    result = CliRunner().invoke(cli, ["--db", str(db), "view", "network", "--out", str(victim)])
    assert result.exit_code == 1, result.output
    text = result.output.strip()
    assert text.startswith("Error: ") and "\n" not in text and str(victim) in text and "--out" in text, text
    assert victim.read_text(encoding="utf-8") == "precious,data\n", "the user's file is untouched"


def test_view_out_at_an_unwritable_place(tmp_path: Path) -> None:
    db = make_database(tmp_path / "g.db")  # read commands refuse a database that does not exist
    for out in ("/proc/stakenet-view.html", "/dev/null/x.html", str(tmp_path / "f.txt" / "v.html")):
        (tmp_path / "f.txt").write_text("x", encoding="utf-8")
        result = CliRunner().invoke(cli, ["--db", str(db), "view", "network", "--out", out])
        assert result.exit_code == 1, (out, result.output, result.exception)
        text = result.output.strip()
        assert text.startswith("Error: ") and "\n" not in text and "--out" in text, (out, text)
