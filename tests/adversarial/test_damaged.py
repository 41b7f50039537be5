"""Damaged database files: `report` and `query` end in a one-line error, and `stakenet check` says DAMAGED."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

from helpers import make_database, stakenet_argv, subprocess_env

PAGE = 4096


def _stakenet(*args: str) -> subprocess.CompletedProcess[str]:
    # A child process: a damaged file may crash the engine, and the test process must survive it.
    return subprocess.run(stakenet_argv(*args), capture_output=True, text=True, env=subprocess_env(), cwd="/", timeout=120)


def test_damaged_pages_give_one_line_errors_and_check_finds_them(tmp_path: Path) -> None:
    sound = make_database(tmp_path / "sound.db")
    pages = sound.stat().st_size // PAGE
    rng = random.Random(1)
    unreadable = 0
    for attempt in range(30):
        db = tmp_path / f"damaged-{attempt}.db"
        shutil.copy(sound, db)
        data = bytearray(db.read_bytes())
        page = rng.randrange(1, pages)
        for _ in range(64):
            data[page * PAGE + rng.randrange(PAGE)] ^= 0xFF
        db.write_bytes(bytes(data))
        report = _stakenet("--db", str(db), "report", "--format", "json", "--out", str(tmp_path / f"r{attempt}"), "--quiet")
        assert report.returncode in (0, 1), (attempt, page, report.returncode, report.stderr[-400:])
        assert "Traceback" not in report.stderr, (attempt, page, report.stderr[-400:])
        if report.returncode == 1:
            assert len(report.stderr.strip().splitlines()) == 1, report.stderr
            assert "damaged" in report.stderr
            check = _stakenet("--db", str(db), "check")
            assert check.returncode == 1, (page, check.stdout, check.stderr)
            assert "DAMAGED" in check.stderr or "damaged" in check.stderr
            unreadable += 1
            if unreadable == 2:
                break
    assert unreadable, "no damage made report fail; flip more bytes"
