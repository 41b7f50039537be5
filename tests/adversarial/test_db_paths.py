"""--db paths that are not a database file: devices, fifos, missing paths, damaged and read-only files."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from helpers import digest, make_database, one_line_error, run, stakenet_argv, subprocess_env


@pytest.mark.parametrize("command", [["query", "--cypher", "RETURN 1"], ["report", "--format", "json"],
                                     ["load", "nuts", "x.csv"], ["check"]])
def test_dev_null_is_refused_before_opening(command: list[str], tmp_path: Path) -> None:
    msg = one_line_error(run("--db", "/dev/null", *command))
    assert "character device" in msg and "/dev/null" in msg
    assert not Path("/dev/null.wal").exists() and not Path("/dev/null.open").exists()


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    # Run in a subprocess with a timeout: opening a fifo for reading would block for ever.
    done = subprocess.run(stakenet_argv("--db", str(fifo), "query", "--cypher", "RETURN 1"),
                          capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd="/")
    assert done.returncode == 1 and "named pipe" in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.db"]


@pytest.mark.parametrize("command", [["query", "--cypher", "RETURN 1"], ["query", "--cypher", "RETURN 1", "--write"],
                                     ["report", "--format", "json", "--out", "r"], ["view", "network", "--out", "v.html"],
                                     ["check"], ["analyze", "--quiet"]])
def test_read_commands_do_not_create_a_database(command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "typo.db"
    monkeypatch.chdir(tmp_path)
    msg = one_line_error(run("--db", str(db), *command))
    assert "does not exist" in msg
    assert list(tmp_path.iterdir()) == []


def test_two_readers_share_the_database_and_a_read_does_not_change_it(tmp_path: Path) -> None:
    db = make_database(tmp_path / "g.db")
    before = digest(db)
    reader = stakenet_argv("--db", str(db), "query", "--cypher", "MATCH (o:Organisation) RETURN count(*) AS n",
                           "--format", "json")
    env = subprocess_env()
    # One reader holds the database open (a slow query) while a second one reads it.
    slow_query = "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y WITH x + y AS z WHERE z % 7 = 1 RETURN count(*)"
    slow = subprocess.Popen(stakenet_argv("--db", str(db), "query", "--cypher", slow_query), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd="/")
    time.sleep(4)  # the slow reader has opened the database and is counting
    second = subprocess.run(reader, capture_output=True, text=True, env=env, timeout=120, cwd="/")
    overlapped = slow.poll() is None
    slow.kill()
    slow.communicate(timeout=60)
    assert overlapped, "the slow reader ended before the second one ran; make its query slower"
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)[0]["n"] > 0
    assert digest(db) == before
    assert not (tmp_path / "g.db.open").exists()


def test_truncated_database_is_called_damaged(tmp_path: Path) -> None:
    db = make_database(tmp_path / "g.db")
    with db.open("r+b") as fh:
        fh.truncate(8192)
    for command in (["query", "--cypher", "RETURN 1"], ["report", "--format", "json"], ["check"]):
        msg = one_line_error(run("--db", str(db), *command))
        assert "damaged" in msg and "retry later" not in msg, msg
        assert "new --db" in msg and "copy" in msg


@pytest.fixture
def read_only_mount(tmp_path: Path):
    """A small tmpfs holding a database, remounted read-only (root ignores file permissions)."""
    mnt = tmp_path / "ro"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mnt)]).returncode != 0:
        pytest.fail("cannot mount a tmpfs (the adversarial suite runs as root)")
    try:
        make_database(mnt / "g.db")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        yield mnt / "g.db"
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


def test_a_read_only_database_can_be_read_and_a_write_says_read_only(read_only_mount: Path) -> None:
    db = read_only_mount
    read = run("--db", str(db), "query", "--cypher", "MATCH (o:Organisation) RETURN count(*) AS n", "--format", "json")
    assert read.exit_code == 0, read.output
    assert json.loads(read.output)[0]["n"] > 0
    msg = one_line_error(run("--db", str(db), "query", "--cypher", "CREATE (:Fund {code: 'X'})", "--write"))
    assert "read-only" in msg and "another program" not in msg


def test_check_says_ok_on_a_sound_database_and_damaged_on_a_damaged_one(tmp_path: Path) -> None:
    db = make_database(tmp_path / "g.db")
    ok = run("--db", str(db), "check")
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("ok: schema version")
    damaged = tmp_path / "flipped.db"
    damaged.write_bytes(db.read_bytes())
    data = bytearray(damaged.read_bytes())
    for offset in range(4096 * 3, len(data), 4096 * 7):  # flip a byte in many pages
        data[offset + 100] ^= 0xFF
    damaged.write_bytes(bytes(data))
    # In a child process: how the engine meets damaged pages is up to the engine (an error, an
    # absurd allocation); whatever it does must end in stakenet's verdict, and never in this test run.
    verdict = subprocess.run(stakenet_argv("--db", str(damaged), "check"), capture_output=True, text=True,
                             env=subprocess_env(), timeout=300)
    output = verdict.stdout + verdict.stderr
    assert verdict.returncode == 1, output
    assert "DAMAGED" in output or "damaged" in output
    assert "Traceback" not in output


def test_an_unclean_shutdown_is_noticed_and_checked(tmp_path: Path) -> None:
    db = make_database(tmp_path / "g.db")
    (tmp_path / "g.db.open").write_text("12345\n", encoding="utf-8")  # what a killed writer leaves
    wrote = run("--db", str(db), "query", "--write", "--cypher", "CREATE (:Fund {code: 'AFTER'})")
    assert wrote.exit_code == 0, wrote.output
    assert "not closed cleanly" in wrote.output and "intact" in wrote.output
    assert not (tmp_path / "g.db.open").exists()
