"""Load every real file in ../shared/data into the embedded store (and Neo4j when reachable).

Prints seconds per file for ``stakenet load`` (``graph.ingest.load.load_files``: parse, identity, batched
upsert, merge of name-keyed organisations) on a fresh database, then for a reload (the idempotent
path). The baseline, in the same run, is the naive loader: the same records written one ``MERGE``
statement per record, timed on a sample of the procurement file and extrapolated to the whole
file; the ratio is naive / stakenet. Neo4j is used when NEO4J_TEST_URI names a reachable server
(``make neo4j``); the bench takes the test suite's lock on that shared database and clears it
before and after.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import SHARED_DATA
from graph.identity import OrgResolver
from graph.ingest.load import load_files
from graph.io.reports import FileReport
from graph.model import NODE_TYPES
from graph.records import Node, Record
from graph.sources import upphandling
from graph.store.embedded import EmbeddedStore, open_database

DATA = SHARED_DATA
AWARDS = DATA / "se_procurement_2021_awards.csv"
VALUES = DATA / "se_procurement_2021_contracted_value.csv"
FILES = (
    ("nuts", DATA / "nuts2013.csv"),
    ("upphandling", AWARDS),
    ("projektbanken", DATA / "se_erdf_2014_2020_projektbanken_2016.json"),
)
NAIVE_ROWS = 2_000
QUICK_NAIVE_ROWS = 100


def _load_all(store: Any) -> tuple[dict[str, float], float]:
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    for kind, path in FILES:
        report = load_files(store, kind, [path], value_file=VALUES if kind == "upphandling" else None)
        for f in report.files:
            seconds[Path(f.path).name] = f.seconds
    return seconds, time.perf_counter() - start


def _naive_statement(r: Record) -> tuple[str, dict[str, Any]]:
    """One MERGE per record: the row-at-a-time baseline (parameters, never pasted values)."""
    if isinstance(r, Node):
        nt = NODE_TYPES[r.label]
        props = {k: v for k, v in r.props.items() if v is not None and k != nt.key}
        sets = ", ".join(f"n.{k} = ${k}" for k in props)
        return f"MERGE (n:{r.label} {{{nt.key}: $key}})" + (f" SET {sets}" if sets else ""), {"key": r.key, **props}
    a, b = NODE_TYPES[r.src[0]], NODE_TYPES[r.dst[0]]
    props = {k: v for k, v in r.props.items() if v is not None}
    sets = ", ".join(f"e.{k} = $p_{k}" for k in props)
    return (
        f"MATCH (a:{r.src[0]}) WHERE a.{a.key} = $s MATCH (b:{r.dst[0]}) WHERE b.{b.key} = $d "
        f"MERGE (a)-[e:{r.type}]->(b)" + (f" SET {sets}" if sets else ""),
        {"s": r.src[1], "d": r.dst[1], **{f"p_{k}": v for k, v in props.items()}},
    )


def _sample_records(rows: int) -> tuple[list[Record], int]:
    """Records of the first ``rows`` award rows, and the record count of the whole file."""
    report = FileReport(str(AWARDS), "upphandling")
    sample: list[Record] = []
    total = 0
    for r in upphandling.iter_records(AWARDS, resolver=OrgResolver(), report=report):
        total += 1
        if report.rows <= rows:
            sample.append(r)
    return sample, total


def _naive_rate(execute: Any, sample: list[Record]) -> float:
    start = time.perf_counter()
    for r in sample:
        cypher, params = _naive_statement(r)
        execute(cypher, params)
    return len(sample) / (time.perf_counter() - start)


@contextmanager
def _neo4j_store() -> Iterator[Any]:
    uri = os.environ.get("NEO4J_TEST_URI")
    if not uri:
        yield None
        return
    from graph.errors import StoreError
    from graph.store.neo4j import Neo4jStore, connect

    try:
        driver = connect(uri)
    except StoreError as exc:
        print(f"Neo4j: not measured ({exc})")
        yield None
        return
    lock_path = Path(tempfile.gettempdir()) / f"stakenet-neo4j-{uri.rsplit(':', 1)[-1]}.lock"
    try:
        with lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            store = Neo4jStore(driver)
            store.clear()
            store.ensure_schema()
            try:
                yield store
            finally:
                store.clear()
    finally:
        driver.close()


def _print_store(name: str, first: dict[str, float], total: float, again: dict[str, float], total_again: float,
                 naive_rate: float, records: int) -> dict[str, Any]:
    print(f"{name}: {'file':<45} {'load s':>8} {'reload s':>9}")
    for f in first:
        print(f"{name}: {f:<45} {first[f]:>8.2f} {again[f]:>9.2f}")
    up = first[AWARDS.name]
    naive_s = records / naive_rate
    print(f"{name}: all files {total:.2f} s, reload {total_again:.2f} s")
    print(f"{name}: baseline row-at-a-time MERGE {naive_rate:,.0f} records/s -> {AWARDS.name} ({records:,} records) "
          f"~{naive_s:.1f} s vs {up:.2f} s: stakenet is {naive_s / up:.1f}x faster")
    return {"files_s": {f: round(v, 3) for f, v in first.items()}, "total_s": round(total, 2),
            "reload_s": round(total_again, 2), "baseline_records_per_s": round(naive_rate),
            "baseline_s": round(naive_s, 2), "ratio": round(naive_s / up, 1)}


def run(quick: bool = False) -> dict[str, Any]:
    for _, path in (*FILES, ("value", VALUES)):
        if not path.is_file():
            raise SystemExit(f"bench load_files: {path} is missing; set STAKENET_SHARED_DATA to the real data folder")
    rows = QUICK_NAIVE_ROWS if quick else NAIVE_ROWS
    sample, records = _sample_records(rows)
    print(f"naive baseline sample: the first {rows} award rows = {len(sample)} records")
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_database(Path(tmp) / "bench.db")
        store = EmbeddedStore(conn)
        store.ensure_schema()
        first, total = _load_all(store)
        again, total_again = _load_all(store)
        naive_conn = open_database(Path(tmp) / "naive.db")
        naive = EmbeddedStore(naive_conn)
        naive.ensure_schema()
        rate = _naive_rate(naive_conn.execute, sample)
        out = {"baseline": "one MERGE statement per record, extrapolated to the awards file",
               "embedded": _print_store("embedded", first, total, again, total_again, rate, records)}
        naive_conn.close()
        conn.close()
    with _neo4j_store() as neo:
        if neo is None:
            if not os.environ.get("NEO4J_TEST_URI"):
                print("Neo4j: not measured (NEO4J_TEST_URI is not set; `make neo4j` starts the test server)")
            return out
        first, total = _load_all(neo)
        again, total_again = _load_all(neo)
        neo.clear()
        small = list(itertools.islice(sample, len(sample) // 2 if quick else len(sample)))
        rate = _naive_rate(lambda c, p: neo.query(c, p), small)
        out["neo4j"] = _print_store("neo4j", first, total, again, total_again, rate, records)
    return out
