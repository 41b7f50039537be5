"""Summaries of what a load left in a store and in its files: placements, identities, data quality."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.placement import RULES
from graph.sources.upphandling import PLACE_SOURCE

PLACEMENT_LABELS = (
    ("municipality", "municipality"), ("region", "region"), ("county_board", "county board"),
    ("municipal_company", "municipal company"),
)


def placement_line(placed: Mapping[str, int]) -> str:
    """One line: buyers placed in a county by name, by rule, and those not placed.

    >>> placement_line({"municipality": 3, "region": 1, "unplaced": 4})
    'buyers placed in a county by name: 4 of 8 (50.0%): municipality 3, region 1, county board 0, municipal company 0; not placed 4'
    """
    total = sum(placed.values())
    n = total - placed.get("unplaced", 0)
    rules = ", ".join(f"{label} {placed.get(rule, 0)}" for rule, label in PLACEMENT_LABELS)
    return (f"buyers placed in a county by name: {n} of {total} ({n / (total or 1):.1%}): {rules}; "
            f"not placed {placed.get('unplaced', 0)}")


def placement_summary(store: Any) -> dict[str, int]:
    """Buyers in ``store`` by how they are placed in a county: by a name rule, by ``other`` LOCATED_IN, or not.

    Keys: each of ``graph.placement.RULES`` (LOCATED_IN whose source is ``upphandling:name-place:<rule>``),
    ``other`` (a buyer LOCATED_IN a Region by another source only), ``unplaced`` (no LOCATED_IN; the
    indicators may still place it by its projects) and ``buyers``.
    """
    buyers = {org for (org,) in store.rows("MATCH (o:Organisation)-[:BUYER_OF]->(:Procurement) RETURN DISTINCT o.org_id", {})}
    how: dict[str, str] = {}
    for org, source in store.rows("MATCH (o:Organisation)-[e:LOCATED_IN]->(:Region) RETURN o.org_id, e.source", {}):
        if org not in buyers:
            continue
        rules = sorted(s.removeprefix(PLACE_SOURCE + ":") for s in (source or "").split(";") if s.startswith(PLACE_SOURCE + ":"))
        if rules:
            how[org] = rules[0]
        else:
            how.setdefault(org, "other")
    out = dict.fromkeys((*RULES, "other"), 0)
    for rule in how.values():
        out[rule] = out.get(rule, 0) + 1
    out["unplaced"] = len(buyers) - len(how)
    out["buyers"] = len(buyers)
    return out


def identity_summary(store: Any) -> dict[str, int]:
    """Organisations in the store by kind of key: numbered, name only, anonymous."""
    out = {}
    for label, prefix in (("name_only", "NAME:"), ("anonymous", "ANON:")):
        out[label] = int(store.query(
            "MATCH (o:Organisation) WHERE o.org_id STARTS WITH $p RETURN count(*) AS n", {"p": prefix})[0]["n"])
    out["with_org_number"] = int(store.query(
        "MATCH (o:Organisation) WHERE o.org_number IS NOT NULL RETURN count(*) AS n")[0]["n"])
    return out
