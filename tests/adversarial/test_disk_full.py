"""A disk that fills up mid-load: the message says what state the database is in, and no batch is half there."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from helpers import one_line_error, run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 2 MB tmpfs (the adversarial suite runs as root)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)]).returncode != 0:
        pytest.fail("cannot mount a tmpfs (the adversarial suite runs as root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


def _regions(path: Path) -> set[str]:
    """NUTS codes below country level in a NUTS file, read with the csv module."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["NUTS-Code"] for row in csv.DictReader(fh) if len(row["NUTS-Code"] or "") > 2}


def test_disk_full_mid_load_leaves_whole_batches_and_says_so(small_disk: Path, shared_data: Path) -> None:
    db = small_disk / "g.db"
    first = run("--db", str(db), "load", "nuts", str(FIXTURES / "nuts_se.csv"))
    assert first.exit_code == 0, first.output
    before = _regions(FIXTURES / "nuts_se.csv")
    msg = one_line_error(run("--db", str(db), "load", "nuts", str(shared_data / "nuts2013.csv"), "--rejects",
                             str(small_disk.parent / "rejects.csv")))
    assert "disk is full" in msg and "rerun the load" in msg.lower()
    assert "Transaction committed" not in msg and "durable" not in msg
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    check = run("--db", str(db), "check")
    assert check.exit_code == 0, check.output
    n = run("--db", str(db), "query", "--cypher", "MATCH (r:Region) RETURN count(*) AS n", "--format", "json")
    assert n.exit_code == 0, n.output
    # All or nothing of the failed batch (the whole file is one batch): the regions before, or all of them.
    regions = json.loads(n.output)[0]["n"]
    assert regions in (len(before), len(before | _regions(shared_data / "nuts2013.csv"))), regions
    again = run("--db", str(db), "load", "nuts", str(shared_data / "nuts2013.csv"))
    assert again.exit_code == 0, again.output
