"""The EU KG harvest into the real Neo4j test server gives the same graph as into the embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_eukg import harvest, new_store, snapshot

pytestmark = pytest.mark.neo4j


def test_harvest_into_neo4j_equals_embedded(server, neo4j_store, tmp_path: Path) -> None:
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


def test_harvest_and_projektbanken_meet_on_one_node_in_neo4j(server, neo4j_store, shared_data: Path,
                                                             tmp_path: Path) -> None:
    from test_eukg_identity import PROJECTS, REGION_GAVLEBORG, SEED_PROJECT, beneficiary_projects, order_free

    from graph.ingest.load import load_files

    embedded = new_store(tmp_path / "g.db")
    for store in (embedded, neo4j_store):  # projektbanken first, then the harvest (its fold runs on Neo4j too)
        load_files(store, "projektbanken", [shared_data / PROJECTS])
        harvest(store, server.url, tmp_path / "cache", batch_size=60)
    assert {SEED_PROJECT, "20200535"} <= beneficiary_projects(neo4j_store, REGION_GAVLEBORG)
    [node] = neo4j_store.query("MATCH (o:Organisation) WHERE o.org_id = $id RETURN o.eukg_item AS item, o.aliases AS a",
                               {"id": REGION_GAVLEBORG})
    assert node["item"] == "Q2630999" and "Gävleborgs Läns Landsting" in node["a"]
    want, got = order_free(snapshot(embedded)), order_free(snapshot(neo4j_store))
    for key in want:
        assert len(got[key]) == len(want[key]), key
        for g, w in zip(got[key], want[key], strict=True):
            assert g == w, (key, {k: (g[k], w[k]) for k in w if g.get(k) != w[k]})
