"""The EU KG harvest into the real Neo4j test server gives the same graph as into the embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_eukg import endpoint_server, fixture_data, harvest, new_store, server, snapshot  # noqa: F401

pytestmark = pytest.mark.neo4j


def test_harvest_into_neo4j_equals_embedded(server, neo4j_store, tmp_path: Path) -> None:  # noqa: F811
    embedded = new_store(tmp_path / "g.db")
    harvest(embedded, server.url, tmp_path / "cache")
    server.reset()
    stats = harvest(neo4j_store, server.url, tmp_path / "cache", batch_size=60)
    assert stats.fetch.requests == 0, "the second store is filled from the page cache"
    want, got = snapshot(embedded), snapshot(neo4j_store)
    assert got.keys() == want.keys()
    for key in want:
        assert got[key] == want[key], key
    assert neo4j_store.counts().nodes["Project"] == len(want["Project"]) > 50
