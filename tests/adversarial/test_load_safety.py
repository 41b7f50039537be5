"""Loads that must destroy nothing and leave nothing half done: --rejects targets, a bad later file."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from helpers import digest, make_database, one_line_error, run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AWARDS = FIXTURES / "upphandling_awards.csv"


def _with_a_bad_row(path: Path, tmp_path: Path) -> Path:
    """A copy of the awards fixture that ends in a row whose field has one character more than the CSV limit."""
    out = tmp_path / "bad.csv"
    shutil.copy(path, out)
    with AWARDS.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    with out.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["2021", "X" * (128 * 1024 + 1)] + [""] * (len(header) - 2))
    return out


def _rejecting_copy(tmp_path: Path) -> Path:
    """A copy of the awards fixture plus a row that is rejected (an empty Upphandlings-ID)."""
    with AWARDS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    bad = list(rows[1])
    bad[rows[0].index("Upphandlings-ID")] = ""
    out = tmp_path / "with-reject.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([*rows, bad])
    return out


@pytest.mark.parametrize("target", ["db", "wal", "input"])
def test_rejects_may_not_overwrite_the_database_or_an_input(tmp_path: Path, target: str) -> None:
    db = make_database(tmp_path / "g.db")
    source = _rejecting_copy(tmp_path)
    wal = tmp_path / "g.db.wal"
    wal.write_bytes(b"")  # present as after a crash
    rejects = {"db": db, "wal": wal, "input": source}[target]
    before = {p: digest(p) for p in (db, wal, source)}
    msg = one_line_error(run("--db", str(db), "load", "upphandling", str(source), "--rejects", str(rejects)))
    assert "--rejects" in msg and "Give another path" in msg
    assert {p: digest(p) for p in (db, wal, source)} == before


def test_rejects_through_another_name_of_the_database_is_refused(tmp_path: Path) -> None:
    db = make_database(tmp_path / "g.db")
    (tmp_path / "link.db").symlink_to(db)
    before = digest(db)
    msg = one_line_error(run("--db", str(db), "load", "upphandling", str(_rejecting_copy(tmp_path)),
                             "--rejects", str(tmp_path / "link.db")))
    assert "database" in msg
    assert digest(db) == before


def test_a_bad_later_file_commits_nothing_of_the_earlier_ones(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    bad = _with_a_bad_row(AWARDS, tmp_path)
    msg = one_line_error(run("--db", str(db), "load", "upphandling", str(AWARDS), str(bad)))
    assert str(bad) in msg and "nothing was loaded" in msg
    if db.exists():
        count = run("--db", str(db), "query", "--cypher", "MATCH (p:Procurement) RETURN count(*) AS n", "--format", "json")
        assert count.exit_code == 0, count.output
        assert json.loads(count.output)[0]["n"] == 0
