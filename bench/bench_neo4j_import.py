"""Neo4j bulk import (neo4j-admin database import full) vs the transactional loader, same graph.

The graph: the whole synthetic network at scale 201,000 organisations (4,013,036 relationships;
quick: 300). Timed end to end for the bulk path (``bulk``): generating the network as Arrow column
batches (graph/sources/synthetic_columns.py), writing the importer's CSV files from them
(``write_import_files_from_columns``), then ``neo4j-admin database import full`` (the Maven Central
importer, ``scripts/neo4j.sh admin``, JVM start included) into a fresh data directory.

The same network as Python records (``synthetic.iter_records``, generated untimed) is written to
files by ``write_import_files`` (``bulk_records``: that file writing plus the same import); both
sets of files must hold the same rows, so the importer runs once. The baseline, in the same run:
``Neo4jStore.load`` of the records into the emptied test server (``NEO4J_TEST_URI``; **its database
is emptied**, under the tests' lock), after an untimed warm-up. The importer's, the transactional
load's and the records' relationship counts must agree. Goal: >= 100,000 rel/s and >= 5x the
transactional loader.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_neo4j_load import WARMUP_RELS, WARMUP_SCALE, _clear, _driver, _exclusive, _uri
from bench.common import synthetic_records
from graph.records import Rel
from graph.sources.synthetic import iter_records
from graph.sources.synthetic_columns import iter_columns
from graph.store.neo4j import Neo4jStore
from graph.store.neo4j_import import ImportFiles, run_import, write_import_files, write_import_files_from_columns

ROOT = Path(__file__).resolve().parent.parent
SCALE = 201_000  # organisations: 4,013,036 relationships
QUICK_SCALE = 300
SEED = 1


def _bulk(scale: int, records: list, work: Path) -> tuple[dict[str, float], int]:
    env = {**os.environ, "NEO4J_ADMIN_HOME": str(work / "home"), "NEO4J_HOME_DIR": str(work / "run")}
    t0 = time.perf_counter()
    by_records = write_import_files(records, work / "records")
    records_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    files = write_import_files_from_columns(iter_columns(scale=scale, seed=SEED), work / "files")
    t1 = time.perf_counter()
    _same_files(by_records, files)
    t_check = time.perf_counter() - t1
    out = run_import(files, ["bash", str(ROOT / "scripts" / "neo4j.sh"), "admin"], data_dir=work / "home" / "data",
                     env=env, options=["--max-off-heap-memory=2G"])
    t2 = time.perf_counter()
    m = re.search(r"(\d+) relationships", out)
    imported = int(m.group(1)) if m else -1
    import_s = t2 - t1 - t_check
    return {"generate_and_write_files_s": t1 - t0, "import_s": import_s, "total_s": t1 - t0 + import_s,
            "records_write_files_s": records_s}, imported


def _same_files(a: ImportFiles, b: ImportFiles) -> None:
    """The files from records and from columns hold the same header and rows (in any order)."""
    for (_, x), (_, y) in zip(a.nodes + a.rels, b.nodes + b.rels, strict=True):
        lx, ly = x.read_bytes().split(b"\n"), y.read_bytes().split(b"\n")
        if lx[0] != ly[0] or sorted(lx[1:]) != sorted(ly[1:]):
            raise AssertionError(f"{x.name} and {y.name} differ")


def run(quick: bool = False) -> dict[str, Any]:
    scale = QUICK_SCALE if quick else SCALE
    records = list(iter_records(scale=scale, seed=SEED))
    target = sum(1 for r in records if isinstance(r, Rel))
    work = Path(tempfile.mkdtemp(prefix="stakenet-bench-import-"))
    try:
        times, imported = _bulk(scale, records, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    uri = _uri()
    driver = _driver(uri)
    try:
        store = Neo4jStore(driver)
        with _exclusive(uri):
            _clear(store)
            store.load(synthetic_records(min(WARMUP_RELS, target), WARMUP_SCALE if not quick else scale))
            _clear(store)
            t0 = time.perf_counter()
            stats = store.load(records)
            tx_s = time.perf_counter() - t0
            tx_rels = store.counts().total_rels
            _clear(store)
    finally:
        driver.close()
    if not imported == tx_rels == stats.rels_created == target:
        raise AssertionError(f"counts differ: bulk {imported}, transactional {tx_rels} ({stats.rels_created} created), "
                             f"records {target}")
    bulk_rate, tx_rate = target / times["total_s"], target / tx_s
    records_total = times["records_write_files_s"] + times["import_s"]
    result = {
        "relationships": target, "records": len(records), "scale": scale,
        "bulk": {**{k: round(v, 2) for k, v in times.items() if k != "records_write_files_s"}, "rel_per_s": round(bulk_rate)},
        "bulk_records": {"write_files_s": round(times["records_write_files_s"], 2),
                         "total_s": round(records_total, 2), "rel_per_s": round(target / records_total)},
        "baseline": {"name": "Neo4jStore.load (transactional)", "total_s": round(tx_s, 2), "rel_per_s": round(tx_rate)},
        "ratio": round(bulk_rate / tx_rate, 2),
        "goal": {"rel_per_s": 100_000, "ratio": 5},
    }
    print(f"{target:,} relationships ({len(records):,} records): bulk from columns {times['total_s']:.1f} s "
          f"(generating and writing the files {times['generate_and_write_files_s']:.1f} s + neo4j-admin "
          f"{times['import_s']:.1f} s) = {bulk_rate:,.0f} rel/s; from records (generated untimed): files "
          f"{times['records_write_files_s']:.1f} s, {target / records_total:,.0f} rel/s; "
          f"transactional {tx_s:.1f} s = {tx_rate:,.0f} rel/s; ratio {bulk_rate / tx_rate:.1f}x "
          "(goal >= 100,000 rel/s and >= 5x)", flush=True)
    return result
