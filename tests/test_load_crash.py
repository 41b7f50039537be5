"""A load killed midway (SIGKILL, a separate process) and run again converges to a clean load, exactly.

Each batch is one transaction, so a kill loses at most the batch in flight; loads are MERGE-style
upserts, so the rerun writes what is missing and changes nothing else.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from graph.errors import StoreError
from graph.records import Node
from graph.sources.synthetic import iter_records
from graph.store import Counts
from graph.store.embedded import EmbeddedStore, open_database
from graph.store.neo4j import Neo4jStore

SCALE, SEED, BATCH = 600, 5, 1_000
KILL_AFTER = 3  # batches committed before the kill

LOADER = """
import sys
from graph.sources.synthetic import iter_records
kind, target, scale, seed, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
if kind == "neo4j":
    from graph.store.neo4j import Neo4jStore, connect
    store = Neo4jStore(connect(target))
else:
    from graph.store.embedded import EmbeddedStore, open_database
    store = EmbeddedStore(open_database(target))
store.ensure_schema()
done = 0
def progress(n):
    global done
    done += 1
    print(f"committed {done}", flush=True)
store.load(iter_records(scale=scale, seed=seed), batch_size=batch, progress=progress)
print("finished", flush=True)
"""


def _kill_midway(kind: str, target: str) -> int:
    """Run the loader in a child process and SIGKILL it once KILL_AFTER batches have committed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", LOADER, kind, target, str(SCALE), str(SEED), str(BATCH)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 300
    committed = 0
    for line in proc.stdout:
        if line.startswith("committed"):
            committed = int(line.split()[1])
            if committed >= KILL_AFTER:
                os.kill(proc.pid, signal.SIGKILL)
                break
        assert time.monotonic() < deadline, "the loader is too slow"
    proc.wait(timeout=60)  # dead before anyone reopens the store (the embedded file is single-writer)
    assert proc.returncode == -signal.SIGKILL, f"loader ended on its own ({proc.returncode}): {proc.stderr.read()}"
    return committed


def _fingerprint(store: EmbeddedStore | Neo4jStore) -> str:
    """A digest of every organisation, procurement and award with its properties: content, not only counts."""
    h = hashlib.sha256()
    for cypher in (
        "MATCH (o:Organisation) RETURN o.org_id, o.name, o.size, o.source ORDER BY o.org_id",
        "MATCH (p:Procurement) RETURN p.procurement_id, p.value, p.innovation ORDER BY p.procurement_id",
        "MATCH (p:Procurement)-[e:AWARDED_TO]->(o:Organisation) "
        "RETURN p.procurement_id, e.lot_id, o.org_id, e.contracted_bids ORDER BY p.procurement_id, e.lot_id, o.org_id",
    ):
        for row in store.rows(cypher):
            h.update(repr(row).encode())
    return h.hexdigest()


def _total_records() -> int:
    return sum(1 for _ in iter_records(scale=SCALE, seed=SEED))


def _clear_neo4j(store: Neo4jStore) -> None:
    store.clear()
    store.ensure_schema()


@pytest.mark.neo4j
def test_neo4j_killed_load_converges_on_rerun(neo4j_store: Neo4jStore) -> None:
    uri = os.environ["NEO4J_TEST_URI"]
    assert _total_records() > (KILL_AFTER + 3) * BATCH  # the kill lands well before the end
    neo4j_store.load(iter_records(scale=SCALE, seed=SEED), batch_size=BATCH)
    clean_counts, clean_print = neo4j_store.counts(), _fingerprint(neo4j_store)

    _clear_neo4j(neo4j_store)
    committed = _kill_midway("neo4j", uri)
    partial = neo4j_store.counts()
    assert 0 < partial.total_nodes + partial.total_rels < clean_counts.total_nodes + clean_counts.total_rels
    assert committed >= KILL_AFTER

    stats = neo4j_store.load(iter_records(scale=SCALE, seed=SEED), batch_size=BATCH)
    assert stats.nodes_updated + stats.rels_updated > 0  # the rerun met what the killed run had committed
    assert neo4j_store.counts() == clean_counts
    assert _fingerprint(neo4j_store) == clean_print
    again = neo4j_store.load(iter_records(scale=SCALE, seed=SEED), batch_size=BATCH)
    assert (again.nodes_created, again.rels_created) == (0, 0)


def test_embedded_killed_load_converges_on_rerun(tmp_path: Path) -> None:
    clean_path, crash_path = tmp_path / "clean.db", tmp_path / "crash.db"
    conn = open_database(clean_path)
    clean = EmbeddedStore(conn)
    clean.ensure_schema()
    clean.load(iter_records(scale=SCALE, seed=SEED), batch_size=BATCH)
    clean_counts, clean_print = clean.counts(), _fingerprint(clean)
    conn.close()

    _kill_midway("embedded", str(crash_path))
    conn = open_database(crash_path)  # recovers from its write-ahead log
    store = EmbeddedStore(conn)
    store.ensure_schema()
    partial = store.counts()
    assert 0 < partial.total_nodes + partial.total_rels < clean_counts.total_nodes + clean_counts.total_rels
    store.load(iter_records(scale=SCALE, seed=SEED), batch_size=BATCH)
    assert store.counts() == clean_counts
    assert _fingerprint(store) == clean_print
    conn.close()


@pytest.mark.neo4j
def test_failed_batch_keeps_committed_and_rerun_completes(neo4j_store: Neo4jStore) -> None:
    """A batch refused for data reasons (a key too large for the index) stops the load; fixed, it completes."""
    records: list[Any] = list(iter_records(scale=200, seed=3))
    bad_at = len(records) // 2
    broken = records[:bad_at] + [Node("Theme", {"theme_id": "T" * 40_000})] + records[bad_at:]
    with pytest.raises(StoreError) as err:
        neo4j_store.load(broken, batch_size=500)
    failed_batch = bad_at // 500 + 1
    assert str(err.value).startswith(f"batch {failed_batch}: Neo4j refused it")
    assert "first offending record: Node(label='Theme'" in str(err.value)
    kept = neo4j_store.counts()
    neo4j_store.load(records, batch_size=500)  # the rerun, without the bad record
    full = neo4j_store.counts()
    assert 0 < kept.total_nodes < full.total_nodes and kept.total_rels < full.total_rels
    # exactly the batches before the failed one were kept
    expected = _clear_and_load(neo4j_store, records[: (failed_batch - 1) * 500])
    assert kept == expected
    assert _clear_and_load(neo4j_store, records) == full


def _clear_and_load(store: Neo4jStore, records: list[Any]) -> Counts:
    _clear_neo4j(store)
    store.load(records, batch_size=500)
    return store.counts()
