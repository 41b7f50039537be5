"""The synthetic network of graph/sources/synthetic.py generated straight as Arrow columns.

``iter_records`` builds one Python object per record, which at EU size (700,000 organisations,
2,000,000 projects, about 13 million records) costs more than loading them. This module draws the
same random numbers in the same order (same ``scale`` and ``seed``, the same graph: tested against
``iter_records`` row for row) and turns them into one Arrow table per label and relationship group
with numpy and Arrow compute, so no record object exists. Rounding to cents uses Python's ``round``
(correctly rounded, as the record generator), not numpy's (``x * 100``, then rint), which differs in
rare cases.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph.columns import ARROW_TYPES, Columns, columns_from_records
from graph.model import node_type
from graph.sources.synthetic import (
    CONTRACT_TYPES,
    COUNTIES,
    CPV_GROUPS,
    CPV_THEME_IDS,
    FUNDS,
    PROCEDURES,
    SEK_PER_EUR,
    SIZES,
    SOURCE,
    THEMATIC_OBJECTIVES,
    TO_THEME_IDS,
    Plan,
    World,
    _fixed_nodes,
    draw_procurements,
    draw_projects,
    draw_world,
    organisation_props,
    plan,
)

# The record generator draws its random numbers per chunk of this many entities; so must this one.
DRAW_CHUNK = 10_000
# Column batches are compact (no Python object per value), so they can be five times a record batch.
COLUMN_BATCH_ROWS = 1_000_000
# About how many records an organisation, a procurement and a project make (for batch sizes).
_RECORDS_PER = {"organisation": 2, "procurement": 8, "project": 7}


def _str(values: np.ndarray | pa.Array) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _pad(values: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as decimal strings zero-padded to ``width`` (``f"{v:0{width}d}"``)."""
    return pc.utf8_lpad(_str(values), width=width, padding="0")


def _cat(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _take(words: tuple[str | None, ...] | list[str | None], index: np.ndarray) -> pa.Array:
    return pa.array(words, pa.string()).take(pa.array(index))


def _const(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def org_ids(index: np.ndarray, p: Plan) -> pa.Array:
    """``"SE-ON:" + _org_number(first, i)`` for every organisation index ``i`` (synthetic._org_id)."""
    i = index.astype(np.int64)
    first = np.where(i < p.buyers, 2, np.where(i >= p.buyers + p.beneficiary_only, 5, 8))
    rest = (i * 7919 + 104729) % 10**8
    digits = np.empty((len(i), 9), dtype=np.int64)
    digits[:, 0] = first
    for k in range(8):
        digits[:, 8 - k] = (rest // 10**k) % 10
    doubled = digits * np.array([2, 1, 2, 1, 2, 1, 2, 1, 2])
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    check = (10 - doubled.sum(axis=1) % 10) % 10
    return _cat("SE-ON:", _str(first), _pad(rest, 8), _str(check))


def _organisations(lo: int, hi: int, p: Plan, county: np.ndarray, size: np.ndarray, legal: np.ndarray) -> Columns:
    """Organisations ``lo`` to ``hi``: their properties from synthetic.organisation_props, as columns."""
    ids = org_ids(np.arange(lo, hi), p)
    county_l, size_l, legal_l = county[lo:hi].tolist(), size[lo:hi].tolist(), legal[lo:hi].tolist()
    rows = [organisation_props(i, p, county_l[j], size_l[j], legal_l[j], org_id)
            for j, (i, org_id) in enumerate(zip(range(lo, hi), ids.to_pylist(), strict=True))]
    present = set().union(*(r.keys() for r in rows))
    out = Columns()
    out.nodes["Organisation"] = pa.table({q.name: pa.array([r.get(q.name) for r in rows], ARROW_TYPES[q.type])
                                          for q in node_type("Organisation").props if q.name in present})
    out.rels[("LOCATED_IN", "Organisation", "Region")] = pa.table({
        "from": ids, "to": _take([c[0] for c in COUNTIES], county[lo:hi]), "source": _const(SOURCE, hi - lo),
    })
    return out


def _lot_starts(lots: np.ndarray, awards_per_lot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each lot's award draws start in the chunk's draw arrays, and how many it takes.

    The record generator walks one cursor: a lot takes ``awards_per_lot[cursor]`` draws from the
    cursor on. The walk is sequential (each start depends on the one before), a plain loop over ints.
    """
    apl = awards_per_lot.tolist()
    n_lots = int(lots.sum())
    starts = [0] * n_lots
    takes = [0] * n_lots
    cursor = 0
    for t in range(n_lots):
        starts[t] = cursor
        takes[t] = apl[cursor]
        cursor += apl[cursor]
    return np.array(starts, dtype=np.int64), np.array(takes, dtype=np.int64)


def _first_occurrences(group: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each (group, value) pair, in their original order."""
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    key = group.astype(np.int64) * (int(value.max()) + 1) + value.astype(np.int64)
    _, first = np.unique(key, return_index=True)
    return np.sort(first)


def _procurements(start: int, m: int, rng: np.random.Generator, p: Plan, w: World) -> Columns:
    """One draw chunk of procurements: the same draws, in the same order, as synthetic.iter_records."""
    d = draw_procurements(rng, m, w)
    buyer, lots, supplier_draws, awards_per_lot, bids = d.buyer, d.lots, d.supplier_draws, d.awards_per_lot, d.bids
    cpv, proc, frame, flags, unknown, value, month, day = d.cpv, d.proc, d.frame, d.flags, d.unknown, d.value, d.month, d.day
    size = w.size

    k = np.arange(start, start + m)
    pid = _cat("SYN-UH-", _pad(k, 8))
    cpv_names = _take([g[1] for g in CPV_GROUPS], cpv)
    out = Columns()
    node: dict[str, pa.Array] = {
        "procurement_id": pid, "upphandlings_id": pid, "title": _cat(cpv_names, " ", _str(k)),
        "published": _cat("2021-", _pad(month, 2), "-", _pad(day, 2)),
        "procedure": _take(PROCEDURES, proc), "contract_type": _take(CONTRACT_TYPES, np.where(frame, 0, 1)),
        "cpv": _cat(_take([g[0] for g in CPV_GROUPS], cpv), "000000"),
        "value": pa.array(value, pa.float64()), "currency": _const("SEK", m),
    }
    for f, name in enumerate(("env_sustainable", "social_sustainable", "innovation", "coordinated")):
        node[name] = pa.array(flags[:, f], pa.bool_(), mask=unknown[:, f])
    node["source"] = _const(SOURCE, m)
    out.nodes["Procurement"] = pa.table(node)
    out.rels[("BUYER_OF", "Organisation", "Procurement")] = pa.table(
        {"from": org_ids(buyer, p), "to": pid, "source": _const(SOURCE, m)})
    out.rels[("HAS_THEME", "Procurement", "Theme")] = pa.table(
        {"from": pid, "to": _take(CPV_THEME_IDS, cpv), "source": _const(SOURCE, m)})

    starts, takes = _lot_starts(lots, awards_per_lot)
    lot_proc = np.repeat(np.arange(m), lots)  # the procurement of each lot, in order
    lot_no = np.arange(len(lot_proc)) - np.repeat(np.cumsum(lots) - lots, lots) + 1
    draw = np.repeat(starts, takes) + (np.arange(int(takes.sum())) - np.repeat(np.cumsum(takes) - takes, takes))
    draw_lot = np.repeat(np.arange(len(starts)), takes)
    # A supplier drawn twice for one lot of one procurement is awarded it once (synthetic's `seen`).
    keep = _first_occurrences(draw_lot, supplier_draws[draw])
    draw, draw_lot = draw[keep], draw_lot[keep]
    supplier = supplier_draws[draw]
    out.rels[("AWARDED_TO", "Procurement", "Organisation")] = pa.table({
        "from": pid.take(pa.array(lot_proc[draw_lot])), "to": org_ids(supplier, p),
        "lot_id": _str(lot_no[draw_lot]), "contracted_bids": pa.array(bids[draw], pa.int64()),
        "supplier_size": _take(SIZES, size[supplier]), "source": _const(SOURCE, len(draw)),
    })
    return out


def _projects(start: int, m: int, rng: np.random.Generator, p: Plan, w: World) -> Columns:
    """One draw chunk of projects: the same draws, in the same order, as synthetic.iter_records."""
    e = draw_projects(rng, m, w, p.programmes)
    n_ben, picks, fund, programme, theme = e.n_ben, e.picks, e.fund, e.programme, e.theme
    eu, rate, year, months = e.eu, e.rate, e.year, e.months
    total = len(picks)
    county = w.county

    k = np.arange(start, start + m)
    pid = _cat("SYN-P-", _pad(k, 8))
    seg_start = np.cumsum(n_ben) - n_ben
    lead_county = county[picks[seg_start]]
    total_budget = np.round(eu / rate, 0)
    eu_l, total_l = eu.tolist(), total_budget.tolist()
    out = Columns()
    out.nodes["Project"] = pa.table({
        "project_id": pid,
        "title": _cat(_take([t[1] for t in THEMATIC_OBJECTIVES], theme), ": project ", _str(k)),
        "start_date": _cat(_str(year), "-", _pad(1 + k % 12, 2), "-01"),
        "end_date": _cat(_str(year + months // 12), "-", _pad(1 + (k + 5) % 12, 2), "-28"),
        "eu_budget": pa.array(eu, pa.float64()), "total_budget": pa.array(total_budget, pa.float64()),
        "currency": _const("SEK", m),
        "eu_budget_eur": pa.array([round(v / SEK_PER_EUR, 2) for v in eu_l], pa.float64()),
        "total_budget_eur": pa.array([round(v / SEK_PER_EUR, 2) for v in total_l], pa.float64()),
        "cofinancing_rate": pa.array(rate, pa.float64()), "cofinancing_unit": _const("fraction", m),
        "country": _const("SE", m), "source": _const(SOURCE, m),
    })
    # Members: a project's picks without repeats, in order; the first is the lead.
    owner = np.repeat(np.arange(m), n_ben)
    keep = _first_occurrences(owner, picks)
    rank_first = np.zeros(total, dtype=bool)
    rank_first[seg_start] = True
    out.rels[("BENEFICIARY_OF", "Organisation", "Project")] = pa.table({
        "from": org_ids(picks[keep], p), "to": pid.take(pa.array(owner[keep])),
        "role": _take(["partner", "lead"], rank_first[keep].astype(np.int64)), "source": _const(SOURCE, len(keep)),
    })
    cci = _cat("2014SE", _pad(16 + programme % 4, 2), "RFOP", _pad(programme, 3))
    for type_, dst, to in (
        ("FUNDED_BY", "Fund", _take([f[0] for f in FUNDS], fund)),
        ("IN_PROGRAMME", "Programme", cci),
        ("HAS_THEME", "Theme", _take(TO_THEME_IDS, theme)),
        ("LOCATED_IN", "Region", _take([c[0] for c in COUNTIES], lead_county)),
    ):
        out.rels[(type_, "Project", dst)] = pa.table({"from": pid, "to": to, "source": _const(SOURCE, m)})
    return out


def _concat(parts: list[Columns]) -> Columns:
    out = Columns()
    for label in dict.fromkeys(lbl for c in parts for lbl in c.nodes):
        out.nodes[label] = pa.concat_tables([c.nodes[label] for c in parts if label in c.nodes])
    for group in dict.fromkeys(g for c in parts for g in c.rels):
        out.rels[group] = pa.concat_tables([c.rels[group] for c in parts if group in c.rels])
    return out


def _grouped(chunks: Iterator[Columns], per_batch: int) -> Iterator[Columns]:
    """``per_batch`` draw chunks at a time as one batch."""
    buf: list[Columns] = []
    for c in chunks:
        buf.append(c)
        if len(buf) >= per_batch:
            yield _concat(buf)
            buf = []
    if buf:
        yield _concat(buf)


def iter_columns(
    scale: int = 2_000, seed: int = 42, batch_rows: int = COLUMN_BATCH_ROWS, draw_chunk: int = DRAW_CHUNK
) -> Iterator[Columns]:
    """The graph of ``synthetic.iter_records(scale, seed)`` as column batches of about ``batch_rows`` records.

    Batches: the fixed nodes (countries, regions, funds, programmes, themes), then organisations,
    procurements with their awards, projects with their beneficiaries; each batch's relationships
    point at nodes of that batch or an earlier one. ``draw_chunk`` must be the ``chunk`` of the
    ``iter_records`` call to reproduce (its default is the same).
    """
    p = plan(scale)
    rng = np.random.default_rng(seed)
    yield columns_from_records(list(_fixed_nodes(p)))

    w = draw_world(p, rng)
    n = p.organisations
    org_batch = max(1, batch_rows // _RECORDS_PER["organisation"])
    for lo in range(0, n, org_batch):
        yield _organisations(lo, min(n, lo + org_batch), p, w.county, w.size, w.legal)
    chunks = max(1, batch_rows // (draw_chunk * _RECORDS_PER["procurement"]))
    yield from _grouped(
        (_procurements(s, min(p.procurements, s + draw_chunk) - s, rng, p, w) for s in range(0, p.procurements, draw_chunk)),
        chunks)
    chunks = max(1, batch_rows // (draw_chunk * _RECORDS_PER["project"]))
    yield from _grouped(
        (_projects(s, min(p.projects, s + draw_chunk) - s, rng, p, w) for s in range(0, p.projects, draw_chunk)), chunks)


__all__ = ["COLUMN_BATCH_ROWS", "iter_columns", "org_ids"]
