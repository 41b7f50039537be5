"""What the adversarial tests share: a small real database, running the CLI, reading its one-line error."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from graph.cli import cli
from graph.store.embedded import EmbeddedStore, open_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_queries_parity import parity_records  # noqa: E402


def make_database(path: Path) -> Path:
    """A closed embedded database at ``path`` holding the parity dataset."""
    conn = open_database(path)
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load(parity_records())
    conn.close()
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def one_line_error(result: Any) -> str:
    """The CLI's error: a non-zero exit and exactly one line starting with 'Error:', no traceback."""
    assert result.exit_code in (1, 2), (result.exit_code, result.output, result.exception)
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    return lines[0]


def subprocess_env() -> dict[str, str]:
    """The environment for running stakenet in a child process: the same code as this test process."""
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p] + sys.path
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def stakenet_argv(*args: str) -> list[str]:
    """The command line that runs the stakenet CLI in a child process."""
    return [sys.executable, "-c", "from graph.cli import cli; cli()", *args]


def digest(path: Path) -> str:
    """The bytes of a file, as a digest (an untouched file keeps it)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
