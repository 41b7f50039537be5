"""Benchmark: load the procurement exports into a fresh embedded store and compute every competition indicator.

stakenet: ``load_files`` of the four exports (``--quick``: the tenders export only) into a new embedded
database, then ``compute_competition`` and every red flag. Baseline, same process: reading the same
files with openpyxl/csv and counting the national single-bid rate, the one figure a script would start
from; the ratio says what the graph, the identity rules and the whole indicator set cost on top of it.
Peak memory is the process's (getrusage).
"""

from __future__ import annotations

import csv
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import SHARED_DATA
from graph.competition import compute_competition
from graph.competition_flags import raised
from graph.ingest.load import load_files
from graph.store.embedded import EmbeddedStore, open_database

DATA = SHARED_DATA
FOUR = ("se_procurement_2021_procurements.xlsx", "se_procurement_2021_tenders.xlsx",
        "se_procurement_2021_awards.csv", "se_procurement_2021_contracted_value.csv")
TENDERS = "Antal anbud, Summa"


def _baseline(files: list[Path]) -> tuple[int, int]:
    """Single-tender lots and lots with a known count, read straight from the files."""
    import openpyxl

    single = known = 0
    for path in files:
        if path.suffix == ".xlsx":
            rows = openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)
        else:
            rows = csv.reader(path.open(encoding="utf-8-sig", newline=""))
        header = list(next(rows))
        if TENDERS not in header:
            for _ in rows:
                pass
            continue
        col = header.index(TENDERS)
        for row in rows:
            if row[col] not in (None, ""):
                known += 1
                single += int(row[col]) == 1
    return single, known


def run(quick: bool = False, data: Path = DATA) -> dict[str, Any]:
    files = [data / f for f in (FOUR[1:2] if quick else FOUR)]
    for path in files:
        if not path.is_file():
            raise SystemExit(f"bench competition: {path} is missing; set STAKENET_SHARED_DATA to the real data folder")
    t = time.perf_counter()
    b_single, b_known = _baseline(files)
    baseline_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_database(Path(tmp) / "bench.db")
        try:
            store = EmbeddedStore(conn)
            store.ensure_schema()
            t0 = time.perf_counter()
            load_files(store, "upphandling", files)
            t1 = time.perf_counter()
            comp = compute_competition(store)
            flags = sum(1 for _ in raised(comp))
            t2 = time.perf_counter()
        finally:
            conn.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sb = comp.national["single_bid_rate"]
    assert (sb.numerator, sb.n) == (b_single, b_known), ((sb.numerator, sb.n), (b_single, b_known))
    print(f"competition: {len(files)} files, load {t1 - t0:.1f} s, indicators and {flags} flags {t2 - t1:.1f} s, "
          f"total {t2 - t0:.1f} s, peak memory {peak:.0f} MB; single-bid {sb.numerator}/{sb.n}")
    print(f"baseline (openpyxl/csv, national single-bid rate only): {baseline_s:.1f} s; "
          f"ratio stakenet/baseline {(t2 - t0) / baseline_s:.1f}x")
    return {"baseline": "openpyxl/csv reading the same files, national single-bid rate only", "files": len(files), "load_s": round(t1 - t0, 2), "indicators_s": round(t2 - t1, 2),
            "total_s": round(t2 - t0, 2), "flags": flags, "peak_mb": round(peak), "baseline_s": round(baseline_s, 2),
            "ratio": round((t2 - t0) / baseline_s, 2), "single_bid": [sb.numerator, sb.n]}


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:])))
