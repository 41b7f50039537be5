"""Shared test fixtures: the real embedded store, the real data, and (in test_*neo4j*) real Neo4j."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graph.store.embedded import EmbeddedStore, open_database

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("STAKENET_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def embedded_store(tmp_path: Path):
    """A fresh embedded store in a temporary file, schema created."""
    conn = open_database(tmp_path / "test.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    yield store
    conn.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data; a test that needs it fails (never skips) when it is missing."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real data folder {SHARED_DATA} is missing; set STAKENET_SHARED_DATA or restore ../shared/data")
    return SHARED_DATA
