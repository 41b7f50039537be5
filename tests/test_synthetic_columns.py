"""The columnar synthetic generator against the record generator, its oracle: the same rows, in order.

graph/sources/synthetic_columns.py reimplements synthetic.iter_records with numpy and Arrow; the
record generator is the independent computation here (one Python object per record, built by
plain f-strings and loops), turned into columns by ``columns_from_records`` and compared table by
table, row by row, value by value, after both go through ``check_columns`` (the model's column
order and types).
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from graph.columns import Columns, check_columns, columns_from_records
from graph.sources.synthetic import _org_id, iter_records, plan
from graph.sources.synthetic_columns import iter_columns, org_ids


def _merged(batches: list[Columns]) -> dict[object, list[dict[str, object]]]:
    out: dict[object, list[dict[str, object]]] = {}
    for b in batches:
        c = check_columns(b)
        for label, t in c.nodes.items():
            out.setdefault(label, []).extend(t.to_pylist())
        for group, t in c.rels.items():
            out.setdefault(group, []).extend(t.to_pylist())
    return out


@pytest.mark.parametrize(
    ("scale", "seed", "chunk", "batch_rows"),
    [(60, 1, 10_000, 1_000_000), (300, 7, 37, 500), (1_200, 42, 113, 4_000), (2_000, 3, 10_000, 1_000_000)],
)
def test_columns_are_the_records(scale: int, seed: int, chunk: int, batch_rows: int) -> None:
    records = list(iter_records(scale=scale, seed=seed, chunk=chunk))
    expected = _merged([columns_from_records(records)])
    batches = list(iter_columns(scale=scale, seed=seed, batch_rows=batch_rows, draw_chunk=chunk))
    got = _merged(batches)
    assert list(got) and set(got) == set(expected)
    for group, rows in expected.items():
        assert len(got[group]) == len(rows), group
        for n, (a, b) in enumerate(zip(got[group], rows, strict=True)):
            assert a == b, f"{group} row {n}: columns {a} != records {b}"
    if batch_rows < 1_000_000:
        assert len(batches) > 4  # several batches of each kind: boundaries are exercised


def test_batches_reference_only_earlier_or_own_nodes() -> None:
    """Every relationship endpoint is a node of its batch or an earlier one (the store's requirement)."""
    seen: dict[str, set[str]] = {}
    keys = {"Organisation": "org_id", "Procurement": "procurement_id", "Project": "project_id", "Region": "nuts_code",
            "Country": "code", "Fund": "code", "Programme": "cci", "Theme": "theme_id"}
    for batch in iter_columns(scale=400, seed=5, batch_rows=700, draw_chunk=50):
        for label, t in batch.nodes.items():
            seen.setdefault(label, set()).update(t.column(keys[label]).to_pylist())
        for (_, src, dst), t in batch.rels.items():
            assert set(t.column("from").to_pylist()) <= seen[src]
            assert set(t.column("to").to_pylist()) <= seen[dst]


def test_org_ids_match_the_record_generator() -> None:
    p = plan(50_000)
    idx = [0, 1, 20, 21, p.buyers - 1, p.buyers, p.buyers + p.beneficiary_only - 1, p.buyers + p.beneficiary_only, 49_999]
    import numpy as np

    assert org_ids(np.array(idx), p).to_pylist() == [_org_id(i, p) for i in idx]
    assert org_ids(np.array([], dtype=np.int64), p).type == pa.string()
