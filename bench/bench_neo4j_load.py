"""Synthetic load into a real Neo4j: 1,000,000 relationships (quick: 100,000) vs a naive loader.

The records (the synthetic network, every node plus the first N relationships) are generated
first, not timed. ``Neo4jStore.load`` then writes them into an emptied database: batches of 10,000
records, ``UNWIND $rows ... MERGE`` per label and type, one write transaction per batch. The
baseline, in the same run and on the same server, is the naive loader: one ``MERGE`` per
relationship, each in its own write transaction, measured on a sample of 2,000 relationships whose
endpoints exist. Goal: >= 30,000 relationships/s and >= 50x the naive loader.

The server is the test server of ``make neo4j`` (``NEO4J_TEST_URI``, default bolt://127.0.0.1:7687;
started here when it is not running). **Its database is emptied.** The same lock as the tests keeps
a concurrent test run from clearing it midway. On a shared machine the wall-clock rate depends on
the load of the other processes, so the server's CPU seconds are printed too when its pid is known.
Both loaders are measured after an untimed warm-up load (a fresh JVM is 3-5x slower at first).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import synthetic_records
from graph.errors import StoreError
from graph.model import NODE_TYPES, REL_TYPES
from graph.records import Node, Record, Rel
from graph.store.neo4j import Neo4jStore, connect

ROOT = Path(__file__).resolve().parent.parent
SIZES = {1_000_000: 51_000}  # relationships -> synthetic scale (organisations)
QUICK_SIZES = {10_000: 600}
NAIVE_SAMPLE = 2_000
WARMUP_RELS, WARMUP_SCALE = 40_000, 2_100
QUICK_WARMUP_RELS, QUICK_WARMUP_SCALE, QUICK_NAIVE_SAMPLE = 2_000, 120, 100


def _uri() -> str:
    return os.environ.get("NEO4J_TEST_URI", "bolt://127.0.0.1:7687")


def _server_pid() -> int | None:
    pid_file = Path(os.environ.get("NEO4J_HOME_DIR", ROOT / ".neo4j")) / "neo4j.pid"
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def _cpu_seconds(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _exclusive(uri: str) -> Iterator[None]:
    """The tests' lock on the shared test server (tests/conftest.py: neo4j_store)."""
    port = uri.rsplit(":", 1)[-1]
    with (Path(tempfile.gettempdir()) / f"stakenet-neo4j-{port}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _driver(uri: str):  # type: ignore[no-untyped-def]
    try:
        return connect(uri)
    except StoreError:
        if uri != "bolt://127.0.0.1:" + os.environ.get("NEO4J_PORT", "7687"):
            raise
        print("starting the Neo4j test server (make neo4j) ...", flush=True)
        subprocess.run(["bash", str(ROOT / "scripts" / "neo4j.sh"), "start"], check=True)
        return connect(uri)


def _clear(store: Neo4jStore) -> None:
    store.clear()
    store.ensure_schema()


def _naive(store: Neo4jStore, records: list[Record], sample: int = NAIVE_SAMPLE) -> tuple[int, float]:
    """One MERGE per relationship, each in its own write transaction; endpoints loaded first (untimed)."""
    rels = [r for r in records if isinstance(r, Rel)][:sample]
    ends = {end for r in rels for end in (r.src, r.dst)}
    store.load([r for r in records if isinstance(r, Node) and (r.label, r.key) in ends])
    with store.driver.session(database=store.database) as session:
        t0 = time.perf_counter()
        for r in rels:
            a, b, rt = NODE_TYPES[r.src[0]], NODE_TYPES[r.dst[0]], REL_TYPES[r.type]
            keys = ", ".join(f"{k}: ${k}" for k in rt.key)
            cypher = (
                f"MATCH (a:{a.label} {{{a.key}: $s}}) MATCH (b:{b.label} {{{b.key}: $d}}) "
                f"MERGE (a)-[e:{r.type}{' {' + keys + '}' if keys else ''}]->(b) SET e += $p"
            )
            params = {"s": r.src[1], "d": r.dst[1], "p": {k: v for k, v in r.props.items() if v is not None}}
            params.update({k: r.props.get(k) or "" for k in rt.key})
            session.execute_write(lambda tx, c=cypher, p=params: tx.run(c, p).consume())
        elapsed = time.perf_counter() - t0
    return len(rels), elapsed


def run(quick: bool = False) -> dict[str, Any]:
    uri = _uri()
    sizes = QUICK_SIZES if quick else SIZES
    naive_n = QUICK_NAIVE_SAMPLE if quick else NAIVE_SAMPLE
    warm_rels, warm_scale = (QUICK_WARMUP_RELS, QUICK_WARMUP_SCALE) if quick else (WARMUP_RELS, WARMUP_SCALE)
    out: dict[str, Any] = {"baseline": f"one MERGE per transaction ({naive_n} relationships)", "sizes": []}
    driver = _driver(uri)
    pid = _server_pid()
    store = Neo4jStore(driver)
    print(f"Neo4j at {uri} (server pid {pid if pid else 'unknown'}); its database is emptied")
    print(
        f"{'relationships':>14} {'records':>10} {'load s':>8} {'rel/s':>9} {'server cpu s':>12} "
        f"{'rel/cpu-s':>10} {'naive rel/s':>11} {'ratio':>7}"
    )
    try:
        with _exclusive(uri):
            # Warm-up, untimed: a fresh JVM compiles Neo4j's hot paths and plans each statement
            # during its first loads (3-5x slower); both loaders are then measured warm.
            warmup = synthetic_records(warm_rels, warm_scale)
            _clear(store)
            store.load(warmup)
            _clear(store)
            _naive(store, warmup, naive_n)
            for target, scale in sizes.items():
                records = synthetic_records(target, scale)
                _clear(store)
                cpu0, t0 = _cpu_seconds(pid), time.perf_counter()
                stats = store.load(records)
                load_s = time.perf_counter() - t0
                cpu1 = _cpu_seconds(pid)
                if stats.rels_created != target or store.counts().total_rels != target:
                    raise AssertionError(f"loaded {stats.rels_created} relationships, expected {target}")
                cpu = (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None
                _clear(store)
                n_naive, naive_s = _naive(store, records, naive_n)
                rate, naive_rate = target / load_s, n_naive / naive_s
                print(
                    f"{target:>14,} {len(records):>10,} {load_s:>8.1f} {rate:>9,.0f} "
                    f"{(f'{cpu:.1f}' if cpu is not None else '-'):>12} "
                    f"{(f'{target / cpu:,.0f}' if cpu else '-'):>10} {naive_rate:>11,.0f} {rate / naive_rate:>6.1f}x",
                    flush=True,
                )
                out["sizes"].append({"relationships": target, "load_s": round(load_s, 2), "rel_per_s": round(rate),
                                     "server_cpu_s": None if cpu is None else round(cpu, 2),
                                     "baseline_rel_per_s": round(naive_rate), "ratio": round(rate / naive_rate, 1)})
                _clear(store)
    finally:
        driver.close()
    print(f"goal: >= 30,000 relationships/s and >= 50x naive (naive: one MERGE per transaction, {naive_n} rels)")
    return out
