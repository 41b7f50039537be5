"""Synthetic load into the embedded store at 10k, 100k and 1M relationships.

For each size: the records are generated first (not timed), then loaded by ``EmbeddedStore.load``
(the COPY bulk path on a fresh database) and reloaded (the idempotent path: probe, merge, write
only what changed). The baseline, in the same run, is naive row-at-a-time loading: one
``MERGE`` statement per record, measured on a sample and printed as records/s, so the ratio
says how much the batched COPY path buys. Goal: >= 300,000 relationships/s on the COPY path.

The columns path (``EmbeddedStore.load_columns``) loads the same records, handed as Arrow column
batches with the same batch boundaries (converted before timing, as the records are generated
before timing), into another fresh database; its counts must equal the record path's. Goal:
>= 200,000 relationships/s end to end at 1M relationships; ``columns ratio`` is its rel/s over
the record path's.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import synthetic_records
from graph.model import NODE_TYPES
from graph.records import Node, Record, Rel, batches, columns_from_records
from graph.store.embedded import DEFAULT_BATCH_SIZE, EmbeddedStore, open_database

# Synthetic records carry ~0.8 relationships per record; scale = organisations.
SIZES = {10_000: 600, 100_000: 5_100, 1_000_000: 51_000}
QUICK_SIZES = {10_000: 600}
NAIVE_SAMPLE = 3_000
QUICK_NAIVE_SAMPLE = 300


def _naive_load(store: EmbeddedStore, records: list[Record]) -> None:
    """One MERGE per record, each its own statement (auto-committed): the row-at-a-time baseline."""
    for r in records:
        if isinstance(r, Node):
            nt = NODE_TYPES[r.label]
            props = {k: v for k, v in r.props.items() if v is not None and k != nt.key}
            sets = ", ".join(f"n.{k} = ${k}" for k in props)
            cypher = f"MERGE (n:{r.label} {{{nt.key}: $key}})" + (f" SET {sets}" if sets else "")
            store.conn.execute(cypher, {"key": r.key, **props})
        else:
            a, b = NODE_TYPES[r.src[0]], NODE_TYPES[r.dst[0]]
            store.conn.execute(
                f"MATCH (a:{r.src[0]}) WHERE a.{a.key} = $s MATCH (b:{r.dst[0]}) WHERE b.{b.key} = $d "
                f"MERGE (a)-[e:{r.type}]->(b)",
                {"s": r.src[1], "d": r.dst[1]},
            )


def _counts_of(path: Path) -> Any:
    store = EmbeddedStore(open_database(path, read_only=True, create=False))
    try:
        return store.counts()
    finally:
        store.conn.close()


def run(quick: bool = False) -> dict[str, Any]:
    sizes = QUICK_SIZES if quick else SIZES
    naive_n = QUICK_NAIVE_SAMPLE if quick else NAIVE_SAMPLE
    out: dict[str, Any] = {"baseline": "one MERGE statement per record (sample)", "sizes": []}
    print(
        f"{'relationships':>14} {'records':>10} {'load s':>8} {'rel/s':>10} {'COPY rel/s':>11} {'reload s':>9} "
        f"{'naive rec/s':>12} {'ratio':>7} {'cols load s':>11} {'cols rel/s':>10} {'cols ratio':>10}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for target, scale in sizes.items():
            records = synthetic_records(target, scale)
            rels = sum(1 for r in records if isinstance(r, Rel))
            store = EmbeddedStore(open_database(Path(tmp) / f"bench-{target}.db"))
            store.ensure_schema()
            t0 = time.perf_counter()
            stats = store.load(records)
            load_s = time.perf_counter() - t0
            assert stats.rels_created == rels, (stats, rels)
            t0 = time.perf_counter()
            store.load(records)
            reload_s = time.perf_counter() - t0
            store.conn.close()

            columns = [columns_from_records(b) for b in batches(records, DEFAULT_BATCH_SIZE)]
            cstore = EmbeddedStore(open_database(Path(tmp) / f"cols-{target}.db"))
            cstore.ensure_schema()
            t0 = time.perf_counter()
            cstats = cstore.load_columns(columns)
            cols_s = time.perf_counter() - t0
            assert (cstats.rels_created, cstats.nodes_created) == (stats.rels_created, stats.nodes_created), (cstats, stats)
            assert cstore.counts() == _counts_of(Path(tmp) / f"bench-{target}.db"), "columns and records differ"
            cstore.conn.close()
            del columns

            naive = EmbeddedStore(open_database(Path(tmp) / f"naive-{target}.db"))
            naive.ensure_schema()
            sample = records[: min(naive_n, len(records))]
            # The sample must be self-contained: keep relationships whose endpoints it holds.
            keys = {(r.label, r.key) for r in sample if isinstance(r, Node)}
            sample = [r for r in sample if isinstance(r, Node) or (r.src in keys and r.dst in keys)]
            t0 = time.perf_counter()
            _naive_load(naive, sample)
            naive_rate = len(sample) / (time.perf_counter() - t0)
            naive.conn.close()
            rate = len(records) / load_s
            print(
                f"{rels:>14,} {len(records):>10,} {load_s:>8.2f} {rels / load_s:>10,.0f} "
                f"{rels / max(stats.rel_copy_seconds, 1e-9):>11,.0f} {reload_s:>9.2f} "
                f"{naive_rate:>12,.0f} {rate / naive_rate:>6.0f}x {cols_s:>11.2f} {rels / cols_s:>10,.0f} "
                f"{load_s / cols_s:>9.2f}x",
                flush=True,
            )
            out["sizes"].append({"relationships": rels, "records": len(records), "load_s": round(load_s, 3),
                                 "rel_per_s": round(rels / load_s), "reload_s": round(reload_s, 3),
                                 "baseline_records_per_s": round(naive_rate), "ratio": round(rate / naive_rate, 1),
                                 "columns_load_s": round(cols_s, 3), "columns_rel_per_s": round(rels / cols_s),
                                 "columns_ratio": round(load_s / cols_s, 2)})
    print("rel/s: relationships created per second of store.load (records already generated), fresh database;")
    print("COPY rel/s: the same relationships over the seconds spent in the COPY FROM statements that created them;")
    print("ratio: records/s of store.load over records/s of one MERGE statement per record (sample of "
          f"{naive_n:,} records).")
    print("cols: the same records as Arrow column batches through load_columns (fresh database); "
          "cols ratio: its rel/s over store.load's.")
    return out
