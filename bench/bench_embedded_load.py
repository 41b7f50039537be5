"""Synthetic load into the embedded store at 10k, 100k and 1M relationships.

For each size: the records are generated first (not timed), then loaded by ``EmbeddedStore.load``
(the COPY bulk path on a fresh database) and reloaded (the idempotent path: probe, merge, write
only what changed). The baseline, in the same run, is naive row-at-a-time loading: one
``MERGE`` statement per record, measured on a sample and printed as records/s, so the ratio
says how much the batched COPY path buys. Goal: >= 300,000 relationships/s on the COPY path.

The columns path (``EmbeddedStore.load_columns``) loads the same records, handed as Arrow column
batches (converted before timing, as the records are generated before timing), into another
fresh database, twice: with the record path's batch boundaries (``cols same-batch rel/s``) and
in column batches of ``COLUMN_BATCH_ROWS`` records (``cols rel/s``, what ``iter_columns`` yields
by default); its counts must equal the record path's. ``cols ratio`` is its rel/s over the record
path's.

End to end (``e2e``), generation included on both sides, the whole synthetic network of the
size's scale (all its relationships, not cut): ``store.load(iter_records(...))`` against
``load_columns(synthetic_columns.iter_columns(...))``, each into a fresh database, streamed as a
user's load is. Goal: >= 200,000 relationships/s end to end at 1M relationships.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import synthetic_records
from graph.columns import columns_from_records
from graph.model import NODE_TYPES
from graph.records import Node, Record, Rel, batches
from graph.sources.synthetic import iter_records
from graph.sources.synthetic_columns import COLUMN_BATCH_ROWS, iter_columns
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


def _columns_load(path: Path, records: list[Record], batch_rows: int, stats: Any, counts: Any) -> float:
    """Seconds of ``load_columns`` of ``records`` cut into batches of ``batch_rows`` (converted untimed)."""
    columns = [columns_from_records(b) for b in batches(records, batch_rows)]
    store = EmbeddedStore(open_database(path))
    store.ensure_schema()
    t0 = time.perf_counter()
    got = store.load_columns(columns)
    seconds = time.perf_counter() - t0
    assert (got.rels_created, got.nodes_created) == (stats.rels_created, stats.nodes_created), (got, stats)
    assert store.counts() == counts, "the columns path built another graph than the record path"
    store.conn.close()
    return seconds


def _end_to_end(tmp: Path, scale: int) -> dict[str, Any]:
    """Generation + load of the whole network at ``scale``: records through ``load``, columns through ``load_columns``."""
    rec = EmbeddedStore(open_database(tmp / f"e2e-rec-{scale}.db"))
    rec.ensure_schema()
    t0 = time.perf_counter()
    rs = rec.load(iter_records(scale=scale, seed=1))
    rec_s = time.perf_counter() - t0
    rec_counts = rec.counts()
    rec.conn.close()
    col = EmbeddedStore(open_database(tmp / f"e2e-col-{scale}.db"))
    col.ensure_schema()
    t0 = time.perf_counter()
    cs = col.load_columns(iter_columns(scale=scale, seed=1))
    col_s = time.perf_counter() - t0
    assert col.counts() == rec_counts, "the columnar generator built another graph than the record generator"
    col.conn.close()
    assert cs.rels_created == rs.rels_created
    return {"relationships": rs.rels_created, "records_s": round(rec_s, 3), "records_rel_per_s": round(rs.rels_created / rec_s),
            "columns_s": round(col_s, 3), "columns_rel_per_s": round(cs.rels_created / col_s),
            "ratio": round(rec_s / col_s, 2)}


def run(quick: bool = False) -> dict[str, Any]:
    sizes = QUICK_SIZES if quick else SIZES
    naive_n = QUICK_NAIVE_SAMPLE if quick else NAIVE_SAMPLE
    out: dict[str, Any] = {"baseline": "one MERGE statement per record (sample)", "sizes": []}
    print(
        f"{'relationships':>14} {'records':>10} {'load s':>8} {'rel/s':>10} {'COPY rel/s':>11} {'reload s':>9} "
        f"{'naive rec/s':>12} {'ratio':>7} {'same-batch rel/s':>16} {'cols load s':>11} {'cols rel/s':>10} "
        f"{'cols ratio':>10}"
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
            counts = store.counts()
            store.conn.close()

            same_s = _columns_load(Path(tmp) / f"same-{target}.db", records, DEFAULT_BATCH_SIZE, stats, counts)
            cols_s = _columns_load(Path(tmp) / f"cols-{target}.db", records, COLUMN_BATCH_ROWS, stats, counts)

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
                f"{naive_rate:>12,.0f} {rate / naive_rate:>6.0f}x {rels / same_s:>16,.0f} {cols_s:>11.2f} {rels / cols_s:>10,.0f} "
                f"{load_s / cols_s:>9.2f}x",
                flush=True,
            )
            out["sizes"].append({"relationships": rels, "records": len(records), "load_s": round(load_s, 3),
                                 "rel_per_s": round(rels / load_s), "reload_s": round(reload_s, 3),
                                 "baseline_records_per_s": round(naive_rate), "ratio": round(rate / naive_rate, 1),
                                 "columns_same_batches_rel_per_s": round(rels / same_s),
                                 "columns_load_s": round(cols_s, 3), "columns_rel_per_s": round(rels / cols_s),
                                 "columns_ratio": round(load_s / cols_s, 2)})
        print(f"\n{'e2e relationships':>18} {'records s':>10} {'records rel/s':>14} {'columns s':>10} {'columns rel/s':>14} {'ratio':>7}")
        out["end_to_end"] = []
        for _target, scale in sizes.items():
            e = _end_to_end(Path(tmp), scale)
            out["end_to_end"].append(e)
            print(f"{e['relationships']:>18,} {e['records_s']:>10.2f} {e['records_rel_per_s']:>14,} {e['columns_s']:>10.2f} "
                  f"{e['columns_rel_per_s']:>14,} {e['ratio']:>6.2f}x", flush=True)
    print("rel/s: relationships created per second of store.load (records already generated), fresh database;")
    print("COPY rel/s: the same relationships over the seconds spent in the COPY FROM statements that created them;")
    print("ratio: records/s of store.load over records/s of one MERGE statement per record (sample of "
          f"{naive_n:,} records).")
    print(f"cols: the same records as Arrow column batches of {COLUMN_BATCH_ROWS:,} records through load_columns "
          f"(fresh database); same-batch: in batches of {DEFAULT_BATCH_SIZE:,} as store.load; "
          "cols ratio: cols rel/s over store.load's.")
    print("e2e: generation and load together, the whole synthetic network of that scale: iter_records -> store.load "
          "against synthetic_columns.iter_columns -> load_columns (fresh databases); ratio: records s / columns s. "
          "Goal: >= 200,000 rel/s end to end at 1M relationships.")
    return out
