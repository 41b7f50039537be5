"""Helpers shared by the benchmarks."""

from __future__ import annotations

import os
from pathlib import Path

from graph.records import Record, Rel
from graph.sources.synthetic import iter_records

# The real data, as the tests find it (tests/conftest.py): ../shared/data unless STAKENET_SHARED_DATA says.
SHARED_DATA = Path(os.environ.get("STAKENET_SHARED_DATA", Path(__file__).resolve().parent.parent.parent / "shared" / "data"))


def synthetic_records(rels: int, scale: int, seed: int = 1) -> list[Record]:
    """The synthetic network at ``scale``, cut to its first ``rels`` relationships (all nodes kept)."""
    out: list[Record] = []
    n = 0
    for r in iter_records(scale=scale, seed=seed):
        if isinstance(r, Rel):
            if n >= rels:
                continue
            n += 1
        out.append(r)
    if n < rels:
        raise ValueError(f"scale {scale} yields only {n} relationships, fewer than {rels}")
    return out
