"""What views show beside the graph: filter names (CPV divisions, funds), organisations' filter lists, roles, tenders received."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

Q_CPV_NAMES = "MATCH (t:Theme) WHERE t.kind = 'cpv_group' RETURN t.code, t.name"
Q_FUND_NAMES = "MATCH (f:Fund) RETURN f.code, f.name"
Q_ORG_FUNDS = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project)-[:FUNDED_BY]->(f:Fund) WHERE o.org_id IN $ids "
    "RETURN o.org_id, f.code, p.start_date"
)
Q_ORG_BOUGHT = (
    "MATCH (o:Organisation)-[:BUYER_OF]->(u:Procurement) WHERE o.org_id IN $ids RETURN o.org_id, u.cpv, u.published"
)
Q_ORG_WON = (
    "MATCH (u:Procurement)-[:AWARDED_TO]->(o:Organisation) WHERE o.org_id IN $ids RETURN o.org_id, u.cpv, u.published"
)
Q_ORG_BENEFICIARY_ROLES = (
    "MATCH (o:Organisation)-[r:BENEFICIARY_OF]->(:Project) WHERE o.org_id IN $ids RETURN o.org_id, r.role"
)
Q_CURRENCIES = (
    "MATCH (p:Project) WHERE p.currency IS NOT NULL RETURN DISTINCT p.currency",
    "MATCH (u:Procurement) WHERE u.currency IS NOT NULL RETURN DISTINCT u.currency",
)
Q_PROC_TENDERS = (
    "MATCH (u:Procurement)-[:HAS_LOT]->(l:Lot) WHERE u.procurement_id IN $ids RETURN u.procurement_id, l.tenders_received"
)
BATCH = 5_000

# Role classes a view colours by: Interreg and CORDIS partnerships are BENEFICIARY_OF with a role.
PARTNER_ROLES = ("partner", "participant", "associated", "third party", "thirdparty", "partnerorganisation")
ROLE_CLASSES = ("buyer", "supplier", "beneficiary", "partner", "several roles")


def role_class(roles: Iterable[str]) -> str | None:
    """The one role a view colours an organisation by, from its role strings in the view.

    >>> role_class(["beneficiary (partner)"]), role_class(["beneficiary (lead)"]), role_class(["buyer", "supplier"])
    ('partner', 'beneficiary', 'several roles')
    >>> role_class([])
    """
    found = set()
    for role in roles:
        text = str(role).casefold()
        if text.startswith("beneficiary"):
            inner = text.partition("(")[2].rstrip(")").strip()
            found.add("partner" if inner.startswith(PARTNER_ROLES) else "beneficiary")
        elif text in ("buyer", "supplier"):
            found.add(text)
    if not found:
        return None
    return found.pop() if len(found) == 1 else "several roles"


def tenders_attrs(counts: Iterable[int | None]) -> dict[str, Any]:
    """What a procurement node shows of its lots' tenders received: ``tenders_received`` is the fewest
    over its lots with a known count (1 = at least one single-bid lot), with the lot counts behind it.

    >>> tenders_attrs([3, 1, None])
    {'tenders_received': 1, 'single_bid_lots': 1, 'lots_known': 2, 'lots': 3}
    >>> tenders_attrs([None])
    {'tenders_received': None, 'single_bid_lots': 0, 'lots_known': 0, 'lots': 1}
    """
    counts = list(counts)
    known = [int(c) for c in counts if c is not None]
    return {"tenders_received": min(known) if known else None, "single_bid_lots": sum(1 for c in known if c == 1),
            "lots_known": len(known), "lots": len(counts)}


def procurement_tenders(store: Any, procurement_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``tenders_attrs`` of each procurement with lots (procurements without a Lot node are left out)."""
    lots: dict[str, list[int | None]] = defaultdict(list)
    ids = sorted(set(procurement_ids))
    for start in range(0, len(ids), BATCH):
        for pid, tenders in store.rows(Q_PROC_TENDERS, {"ids": ids[start:start + BATCH]}):
            lots[str(pid)].append(None if tenders is None else int(tenders))
    return {pid: tenders_attrs(counts) for pid, counts in lots.items()}


def filter_names(store: Any) -> dict[str, dict[str, str]]:
    """Names for the filter values: CPV division (two-digit code) and fund names, by code."""
    cpv = {str(c)[:2]: str(n) for c, n in store.rows(Q_CPV_NAMES, {}) if c and n}
    funds = {str(c): str(n) for c, n in store.rows(Q_FUND_NAMES, {}) if c and n and n != c}
    return {"cpv": cpv, "funds": funds}


def org_filter_lists(store: Any, org_ids: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """Per organisation: the funds of its projects, the CPV divisions and years of what it bought or
    won, and its roles (``buyer``, ``supplier``, ``beneficiary (<role>)``) in the whole graph."""
    keys = ("funds", "cpv", "years", "roles")
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: {k: set() for k in keys})
    ids = sorted(set(org_ids))
    for start in range(0, len(ids), BATCH):
        params = {"ids": ids[start:start + BATCH]}
        for org, fund, date in store.rows(Q_ORG_FUNDS, params):
            out[str(org)]["funds"].add(str(fund))
            if str(date or "")[:4].isdigit():
                out[str(org)]["years"].add(str(date)[:4])
        for org, role in store.rows(Q_ORG_BENEFICIARY_ROLES, params):
            out[str(org)]["roles"].add(f"beneficiary ({role})" if role else "beneficiary")
        for cypher, role in ((Q_ORG_BOUGHT, "buyer"), (Q_ORG_WON, "supplier")):
            for org, cpv, date in store.rows(cypher, params):
                out[str(org)]["roles"].add(role)
                if cpv and str(cpv)[:2].isdigit():
                    out[str(org)]["cpv"].add(str(cpv)[:2])
                if str(date or "")[:4].isdigit():
                    out[str(org)]["years"].add(str(date)[:4])
    return {org: {k: sorted(v) for k, v in lists.items()} for org, lists in out.items()}


def currency_text(store: Any) -> str:
    """The currency of the graph's money ('SEK'), or the currencies when several ('EUR and SEK, not converted')."""
    found = sorted({str(r[0]) for cypher in Q_CURRENCIES for r in store.rows(cypher, {}) if r[0]})
    if len(found) == 1:
        return found[0]
    return " and ".join(found) + ", not converted" if found else "currency not recorded"
