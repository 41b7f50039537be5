"""Benchmark: load the four procurement exports into a fresh embedded store and compute every competition indicator."""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from graph.competition import compute_competition
from graph.competition_flags import raised
from graph.ingest.load import load_files
from graph.store.embedded import EmbeddedStore, open_database

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FOUR = ("se_procurement_2021_procurements.xlsx", "se_procurement_2021_tenders.xlsx",
        "se_procurement_2021_awards.csv", "se_procurement_2021_contracted_value.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--quick", action="store_true", help="the tenders export only")
    args = parser.parse_args()
    files = [args.data / f for f in (FOUR[1:2] if args.quick else FOUR)]
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_database(Path(tmp) / "bench.db")
        store = EmbeddedStore(conn)
        store.ensure_schema()
        t0 = time.perf_counter()
        load_files(store, "upphandling", files)
        t1 = time.perf_counter()
        comp = compute_competition(store)
        flags = sum(1 for _ in raised(comp))
        t2 = time.perf_counter()
        conn.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sb = comp.national["single_bid_rate"]
    print(f"competition: {len(files)} files, load {t1 - t0:.1f} s, indicators and {flags} flags {t2 - t1:.1f} s, "
          f"total {t2 - t0:.1f} s, peak memory {peak:.0f} MB; single-bid {sb.numerator}/{sb.n}")


if __name__ == "__main__":
    main()
