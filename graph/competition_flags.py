"""The red-flag catalogue of competition risk signals, and the flags raised per lot, procurement, buyer and supplier."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graph.competition import (
    CAPTIVE_MIN_AWARDS,
    CAPTIVE_SHARE,
    MIN_CASES,
    OPEN_PROCEDURES,
    Competition,
    compute_competition,
    procedure_weight,
)
from graph.errors import AmbiguousReference, StakenetError
from graph.lookup import resolve_organisation


@dataclass(frozen=True)
class FlagRule:
    """One flag: a stable code, a title, the exact rule, the level it applies to and the anchor it follows."""

    code: str
    level: str  # lot / procurement / buyer / supplier
    title: str
    rule: str
    anchor: str


CATALOGUE = (
    FlagRule("SB-LOT", "lot", "Single tender received", "Lot.tenders_received = 1",
             "OCP Cardinal R018 (single bid received); opentender 'single bidding'; Fazekas CRI single bidding"),
    FlagRule("SB-OPEN", "lot", "Single tender in an open or selective procedure",
             "Lot.tenders_received = 1 and the procurement's procedure is Öppet or Selektivt förfarande",
             "OCP Cardinal R018 (open and restricted procedures only)"),
    FlagRule("NONOPEN", "procurement", "Non-open procedure",
             "procedure weight >= 0.5 (stakenet's Fazekas-style weights, graph/competition.py PROCEDURE_WEIGHTS)",
             "Fazekas CRI procedure type component; opentender 'procedure type'"),
    FlagRule("APPEAL", "procurement", "Appealed", "Procurement.appealed = true (Överprövad)",
             "no Cardinal rule; a review signal of the Swedish statistics"),
    FlagRule("NOAWARD", "procurement", "Published without any award in the data",
             "a Procurement with no AWARDED_TO in the store",
             "opentender / Fazekas: procedures without a contract award (a data gap as often as a signal)"),
    FlagRule("SB-BUYER", "buyer", "High single-bid rate",
             f"single_bid_rate on >= {MIN_CASES} lots above the 75th percentile of buyers with >= {MIN_CASES} lots",
             "OCP Cardinal R018 aggregated per buyer; opentender 'single bidding' per buyer"),
    FlagRule("WINNER", "buyer", "Dominant winner",
             f"one supplier has more than half of the buyer's >= {MIN_CASES} non-redacted awards",
             "Fazekas: winner's share of the buyer's contracts"),
    FlagRule("CAPTIVE", "supplier", "Captive supplier",
             f"more than {CAPTIVE_SHARE:.0%} of the supplier's >= {CAPTIVE_MIN_AWARDS} non-redacted awards from one buyer",
             "Fazekas / opentender: supplier dependence on one buyer"),
    FlagRule("HETERO", "supplier", "Heterogeneous supplier",
             f"number of CPV divisions won (suppliers with >= {CAPTIVE_MIN_AWARDS} awards) above Q3 + 1.5 IQR",
             "OCP Cardinal R048 (heterogeneous supplier)"),
    FlagRule("RISK-HIGH", "buyer", "High composite risk score",
             "composite risk score above the 90th percentile of buyers (score on >= 1 component)",
             "Fazekas CRI (mean of available components)"),
)
BY_CODE = {f.code: f for f in CATALOGUE}


def catalogue_lines() -> list[str]:
    """The catalogue as ``stakenet flags --list`` prints it."""
    out = ["Risk signals for a closer look, not findings of wrongdoing.", "code\tlevel\ttitle\trule\tanchor"]
    out += [f"{f.code}\t{f.level}\t{f.title}\t{f.rule}\t{f.anchor}" for f in CATALOGUE]
    return out


def raised(comp: Competition) -> Iterator[tuple[str, str, str, str]]:
    """Every flag raised, as ``(code, level, item, buyer or supplier it belongs to)``, in a stable order."""
    for lt in comp.lots:
        if lt.tenders == 1:
            item = f"{lt.procurement}|{lt.lot}"
            yield "SB-LOT", "lot", item, lt.buyer
            if lt.procedure in OPEN_PROCEDURES:
                yield "SB-OPEN", "lot", item, lt.buyer
    for pid in sorted(comp.procurements):
        p = comp.procurements[pid]
        weight = procedure_weight(p["procedure"])
        if weight is not None and weight >= 0.5:
            yield "NONOPEN", "procurement", pid, p["buyer"]
        if p["appealed"]:
            yield "APPEAL", "procurement", pid, p["buyer"]
    awarded = {a for a, _ in comp.awarded_lots}
    for pid in sorted(comp.procurements):
        if pid not in awarded:
            yield "NOAWARD", "procurement", pid, comp.procurements[pid]["buyer"]
    buyers = comp.entities.get("buyer", {})
    sb = sorted(e.figures["single_bid_rate"].value for e in buyers.values()  # type: ignore[type-var]
                if e.figures["single_bid_rate"].value is not None and not e.figures["single_bid_rate"].few)
    p75 = sb[int(0.75 * (len(sb) - 1))] if sb else None
    scores = sorted(e.risk["score"] for e in buyers.values() if e.risk.get("score") is not None)
    p90 = scores[int(0.9 * (len(scores) - 1))] if scores else None
    for key in sorted(buyers):
        e = buyers[key]
        f = e.figures["single_bid_rate"]
        if p75 is not None and f.value is not None and not f.few and f.value > p75:
            yield "SB-BUYER", "buyer", key, key
        w = e.figures.get("top_winner_share")
        if w is not None and w.value is not None and not w.few and w.value > 0.5:
            yield "WINNER", "buyer", key, key
        if p90 is not None and e.risk.get("score") is not None and e.risk["score"] > p90:
            yield "RISK-HIGH", "buyer", key, key
    for c in comp.captive:
        yield "CAPTIVE", "supplier", c["supplier"], c["buyer"]
    for h in comp.heterogeneous:
        yield "HETERO", "supplier", h["supplier"], h["supplier"]


def flags_of(comp: Competition, *, buyer: str | None = None, procurement: str | None = None, lot: str | None = None,
             supplier: str | None = None) -> list[tuple[str, str, str]]:
    """Flags as ``(code, level, item)``: of a buyer (its own, its procurements', its lots', its captive
    suppliers'), of one procurement (its own and its lots'), of one lot, or of a supplier (its own
    and those of the lots it won)."""
    won = {f"{pid}|{lot_id}" for (pid, lot_id), sups in comp.winners.items() if supplier in sups} if supplier else set()
    out = []
    for code, level, item, owner in raised(comp):
        if (buyer is not None and owner == buyer) or (lot is not None and item == lot) \
                or (procurement is not None and (item == procurement or item.startswith(procurement + "|"))) \
                or (supplier is not None and ((level == "supplier" and item == supplier) or item in won)):
            out.append((code, level, item))
    return out


def resolve_flag_target(store: Any, *, buyer: str | None = None, procurement: str | None = None,
                        lot: str | None = None, supplier: str | None = None) -> list[str]:
    """The lines ``stakenet flags --buyer/--procurement/--lot/--supplier`` prints (organisations resolved
    through graph.lookup; a procurement by its procurement_id or an Upphandlings-ID of one buyer)."""
    if buyer is not None:
        buyer, label = resolve_organisation(store, buyer)
    elif supplier is not None:
        supplier, label = resolve_organisation(store, supplier)
    elif procurement is not None:
        found = sorted(str(r[0]) for r in store.rows(
            "MATCH (p:Procurement) WHERE p.procurement_id = $ref OR p.upphandlings_id = $ref "
            "RETURN p.procurement_id", {"ref": procurement}))
        if not found:
            raise StakenetError(f"no procurement {procurement!r}: give a procurement_id or an Upphandlings-ID")
        if len(found) > 1:
            raise AmbiguousReference(f"{procurement!r} is used by several buyers: {', '.join(found)}; give one of them")
        procurement = label = found[0]
    else:
        label = str(lot)
    rows = flags_of(compute_competition(store), buyer=buyer, procurement=procurement, lot=lot, supplier=supplier)
    lines = [f"{label}: {len(rows)} risk signal(s) (for a closer look, not findings of wrongdoing)"]
    lines += [f"{code}\t{level}\t{item}\t{BY_CODE[code].title}" for code, level, item in rows]
    return lines
