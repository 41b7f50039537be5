"""Run benchmarks: ``python -m bench [--quick] [NAME ...]`` (all of bench/bench_*.py by default).

Each benchmark module defines ``run(quick: bool)``; it measures stakenet and a baseline in the same
process and prints their figures and ratios. ``--json`` prints, after the text, one JSON object per
benchmark name with what ``run`` returns (the figures, the baseline and the ratio; ``null`` for a
benchmark that does not return them yet).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--json", action="store_true", help="also print one JSON object with every figure")
    parser.add_argument("names", nargs="*", help=f"benchmarks: {', '.join(names)}")
    args = parser.parse_args(argv)
    chosen = args.names or names
    unknown = [n for n in chosen if n not in names]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(names)}")
    results = {}
    for name in chosen:
        print(f"\n=== bench {name} ===", flush=True)
        start = time.perf_counter()
        results[name] = importlib.import_module(f"bench.bench_{name}").run(quick=args.quick)
        print(f"=== bench {name}: {time.perf_counter() - start:.1f} s ===", flush=True)
    if args.json:
        print(json.dumps(results if len(results) > 1 else next(iter(results.values())), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
