"""`stakenet demo` deletes only what it made itself: a user's demo.db folder, file, WAL or database survive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import digest, make_database, one_line_error, run

SMALL = ["--scale", "50", "--seed", "1"]


@pytest.mark.parametrize("what", ["folder", "file", "wal", "database"])
def test_demo_refuses_to_delete_what_it_did_not_make(tmp_path: Path, what: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / ("demo.db.wal" if what == "wal" else "demo.db")
    if what == "folder":
        target.mkdir()
        (target / "thesis.docx").write_text("years of work", encoding="utf-8")
    elif what == "database":
        make_database(target)
    else:
        target.write_bytes(b"\x00user data\x00")
    before = sorted((p.relative_to(out), p.read_bytes() if p.is_file() else None) for p in out.rglob("*"))
    msg = one_line_error(run("demo", "--out", str(out), *SMALL))
    assert "not made by `stakenet demo`" in msg or "is a folder" in msg
    assert sorted((p.relative_to(out), p.read_bytes() if p.is_file() else None) for p in out.rglob("*")) == before


def test_demo_with_db_at_its_own_path_leaves_the_real_database(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    real = make_database(out / "demo.db")
    before = digest(real)
    one_line_error(run("--db", str(real), "demo", "--out", str(out), *SMALL))
    assert digest(real) == before


def test_demo_replaces_its_own_database(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for seed in ("1", "2"):
        done = run("demo", "--out", str(out), "--scale", "50", "--seed", seed)
        assert done.exit_code == 0, done.output
    n = run("--db", str(out / "demo.db"), "query", "--cypher", "MATCH (o:Organisation) RETURN count(*) AS n",
            "--format", "json")
    assert n.exit_code == 0, n.output
    assert json.loads(n.output)[0]["n"] >= 50
