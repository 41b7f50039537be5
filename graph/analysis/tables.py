"""Base tables read from either store with plain Cypher: beneficiaries, awards, organisations.

Rows are sorted after reading, so the same data gives the same tables (and bit-identical sums of
floats) whichever store it was loaded into and whatever order the store returns rows in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

BENEFICIARIES_CYPHER = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project) "
    "RETURN o.org_id AS org, p.project_id AS project, p.eu_budget AS eu_budget, p.currency AS currency"
)
AWARDS_CYPHER = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[a:AWARDED_TO]->(s:Organisation) "
    "RETURN b.org_id AS buyer, p.procurement_id AS procurement, s.org_id AS supplier, "
    "a.value AS award_value, p.value AS procurement_value, p.currency AS currency"
)
ORGANISATIONS_CYPHER = "MATCH (o:Organisation) RETURN o.org_id AS org"
NAMES_CYPHER = "MATCH (o:Organisation) WHERE o.org_id IN $ids RETURN o.org_id AS org, o.name AS name"


def _codes(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique values and the code of each value."""
    uniq, inverse = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return uniq, inverse.astype(np.int64)


def _floats(values: Iterable[Any]) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) for v in values], dtype=float)


@dataclass
class Beneficiaries:
    """Organisation -> project memberships (one row per BENEFICIARY_OF)."""

    org: list[str]
    project: list[str]
    eu_budget: np.ndarray
    currency: list[str | None]

    @classmethod
    def read(cls, store: Any) -> Beneficiaries:
        # sorted, so sums of floats come out bit-identical whichever order a store returns rows in
        rows = sorted(store.rows(BENEFICIARIES_CYPHER, {}), key=lambda r: (r[0], r[1]))
        org, project, budget, currency = [], [], [], []
        for o, p, b, c in rows:
            org.append(o)
            project.append(p)
            budget.append(b)
            currency.append(c)
        return cls(org, project, _floats(budget), currency)


@dataclass
class Awards:
    """Buyer -> procurement -> supplier awards (one row per BUYER_OF x AWARDED_TO).

    ``value`` is the award's value: its own when known, else the procurement value split equally
    among the procurement's awards, NaN when neither is known. An award of a procurement with
    several buyers (coordinated) is credited in full to each buyer.
    """

    buyer: list[str]
    procurement: list[str]
    supplier: list[str]
    value: np.ndarray
    currency: list[str | None]

    @classmethod
    def read(cls, store: Any) -> Awards:
        buyer, proc, supplier, a_value, p_value, currency = [], [], [], [], [], []
        rows = sorted(store.rows(AWARDS_CYPHER, {}), key=lambda r: (r[0], r[1], r[2], -1.0 if r[3] is None else r[3]))
        for b, p, s, av, pv, c in rows:
            buyer.append(b)
            proc.append(p)
            supplier.append(s)
            a_value.append(av)
            p_value.append(pv)
            currency.append(c)
        value = _floats(a_value)
        if buyer:
            # awards per (buyer, procurement) = the procurement's number of awards
            _, pkey = _codes([f"{b}\x1f{p}" for b, p in zip(buyer, proc)])
            per_proc = np.bincount(pkey)[pkey]
            split = _floats(p_value) / per_proc
            value = np.where(np.isnan(value), split, value)
        return cls(buyer, proc, supplier, value, currency)


def _all_organisations(store: Any) -> list[str]:
    return sorted(str(row[0]) for row in store.rows(ORGANISATIONS_CYPHER, {}))
