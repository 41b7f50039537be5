"""Competition and risk-signal indicators of procurements and lots, per buyer, county, CPV division and supplier.

Every indicator is defined once in docs/indicators.md ("Competition and risk signals"). In short,
each is a ``Figure``: ``value`` = ``numerator / n`` (a share) or a mean, with ``n`` the cases it
rests on, ``coverage`` the entity's cases that had the data over all its cases, and against the
national baseline (``median`` over the entities of that kind with at least ``MIN_CASES`` cases, and
the entity's ``percentile`` among them). A figure on fewer than ``MIN_CASES`` cases says so
(``few``) and raises no flag. These are risk signals for a closer look, never findings of wrongdoing.

>>> procedure_weight("Öppet förfarande"), procedure_weight("Förhandlat förfarande utan föregående annonsering")
(0.0, 1.0)
>>> percentile([0.1, 0.2, 0.3, 0.4], 0.3)
0.75
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from graph.indicators import REDACTED_QUALITY, _county_of

MIN_CASES = 10
KINDS = ("buyer", "county", "cpv", "buyer_cpv", "supplier")
# OCP Cardinal R018 counts single bids in open and selective (restricted) procedures only.
OPEN_PROCEDURES = frozenset({"Öppet förfarande", "Selektivt förfarande"})
# Procedure weights in the style of the Fazekas corruption-risk index's procedure-type component:
# 0 = a public call anyone may answer, 0.5 = restricted or negotiated after a call, 1 = no call.
PROCEDURE_WEIGHTS = {
    "Öppet förfarande": 0.0,
    "Selektivt förfarande": 0.0,
    "Förenklat förfarande": 0.0,
    "Urvalsförfarande": 0.5,
    "Förhandlat förfarande med föregående annonsering": 0.5,
    "Konkurrenspräglad dialog": 0.5,
    "Inbjudningsförfarande": 0.5,
    "Förhandlat förfarande utan föregående annonsering": 1.0,
    "Direktupphandling": 1.0,
}
FRAMEWORK = "Ramavtal"
# The composite risk score: the mean of the available components (equal weights).
RISK_COMPONENTS = {"single_bid_rate": 1.0, "non_open_share": 1.0, "unawarded_share": 1.0, "top_winner_share": 1.0}
CAPTIVE_SHARE = 0.5
CAPTIVE_MIN_AWARDS = 3

LOTS_CYPHER = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[:HAS_LOT]->(l:Lot) "
    "RETURN b.org_id AS buyer, p.procurement_id AS procurement, l.lot_id AS lot, l.tenders_received AS tenders"
)
PROCUREMENTS_CYPHER = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement) "
    "RETURN b.org_id AS buyer, p.procurement_id AS procurement, p.procedure AS procedure, "
    "p.contract_type AS contract_type, p.cpv AS cpv, p.coordinated AS coordinated, p.appealed AS appealed, "
    "p.e_auction AS e_auction"
)
AWARDS_CYPHER = (
    "MATCH (p:Procurement)-[a:AWARDED_TO]->(s:Organisation) "
    "RETURN p.procurement_id AS procurement, a.lot_id AS lot, s.org_id AS supplier, s.quality AS quality, "
    "a.value AS award_value, p.value AS procurement_value"
)
NAMES_CYPHER = "MATCH (o:Organisation) RETURN o.org_id AS org, o.name AS name"


def procedure_weight(procedure: str | None) -> float | None:
    """The procedure's weight (``PROCEDURE_WEIGHTS``); None when unknown or not in the table."""
    return PROCEDURE_WEIGHTS.get(procedure) if procedure else None


def percentile(values: Sequence[float], x: float) -> float:
    """The share of ``values`` at or below ``x`` (the empirical percentile rank, 0..1)."""
    return sum(1 for v in values if v <= x) / len(values) if values else 0.0


@dataclass
class Figure:
    """One indicator of one entity: value, the cases it rests on, coverage, and the national baseline."""

    value: float | None
    n: int
    numerator: float | None = None
    total: int = 0  # the entity's cases, with or without the data (coverage = n / total)
    median: float | None = None  # national median over entities of this kind with >= MIN_CASES cases
    percentile: float | None = None  # this entity's rank among them (share at or below)

    @property
    def few(self) -> bool:
        return self.n < MIN_CASES

    @property
    def coverage(self) -> float | None:
        return self.n / self.total if self.total else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "few": self.few, "coverage": self.coverage}


def _share(flags: Iterable[bool | None]) -> Figure:
    known = [f for f in flags]
    have = [f for f in known if f is not None]
    k = sum(1 for f in have if f)
    return Figure(k / len(have) if have else None, len(have), k, len(known))


@dataclass
class Lot:
    """A lot with what the indicators need."""

    buyer: str
    procurement: str
    lot: str
    tenders: int | None
    procedure: str | None
    cpv: str | None


@dataclass
class Entity:
    """The competition indicators of one buyer, county, CPV division, buyer x CPV division or supplier."""

    kind: str
    key: str
    name: str | None
    figures: dict[str, Figure] = field(default_factory=dict)
    risk: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "name": self.name,
                "figures": {k: f.as_dict() for k, f in self.figures.items()}, "risk": self.risk}


@dataclass
class Competition:
    """All competition indicators: national figures, entities by kind, suppliers flagged as captive or heterogeneous."""

    national: dict[str, Figure]
    entities: dict[str, dict[str, Entity]]
    captive: list[dict[str, Any]]
    heterogeneous: list[dict[str, Any]]
    lots: list[Lot]
    procurements: dict[str, dict[str, Any]]
    awarded_lots: set[tuple[str, str]]
    winners: dict[tuple[str, str], set[str]]
    heterogeneous_cutoff: float | None = None
    winner_shares: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # buyer -> suppliers' shares

    def as_dict(self) -> dict[str, Any]:
        return {
            "national": {k: f.as_dict() for k, f in self.national.items()},
            "procedure_weights": PROCEDURE_WEIGHTS, "risk_components": RISK_COMPONENTS, "min_cases": MIN_CASES,
            "captive": self.captive, "heterogeneous": self.heterogeneous,
            "heterogeneous_cutoff": self.heterogeneous_cutoff,
            "entities": {kind: [e.as_dict() for e in sorted(ents.values(), key=lambda e: e.key)]
                         for kind, ents in self.entities.items()},
        }


def _figures(lots: Sequence[Lot], procs: Sequence[Mapping[str, Any]], awarded: set[str],
             winner_counts: Counter[str] | None, winner_values: Mapping[str, float] | None = None) -> dict[str, Figure]:
    known = [lt.tenders for lt in lots if lt.tenders is not None]
    open_known = [lt.tenders for lt in lots if lt.tenders is not None and lt.procedure in OPEN_PROCEDURES]
    single = sum(1 for t in known if t == 1)
    single_open = sum(1 for t in open_known if t == 1)
    weights = [procedure_weight(p["procedure"]) for p in procs]
    known_w = [w for w in weights if w is not None]
    out = {
        "single_bid_rate": Figure(single / len(known) if known else None, len(known), single, len(lots)),
        "single_bid_rate_open": Figure(single_open / len(open_known) if open_known else None, len(open_known),
                                       single_open, len(lots)),
        "tenders_mean": Figure(statistics.fmean(known) if known else None, len(known), None, len(lots)),
        "tenders_median": Figure(float(statistics.median(known)) if known else None, len(known), None, len(lots)),
        "non_open_share": Figure(statistics.fmean(known_w) if known_w else None, len(known_w),
                                 sum(known_w), len(procs)),
        "appeal_rate": _share(p["appealed"] for p in procs),
        "framework_share": _share(None if p["contract_type"] is None else p["contract_type"] == FRAMEWORK
                                  for p in procs),
        "coordinated_share": _share(p["coordinated"] for p in procs),
        "e_auction_share": _share(p["e_auction"] for p in procs),
        "unawarded_share": _share(p["procurement"] not in awarded for p in procs),
    }
    if winner_counts is not None:
        total = sum(winner_counts.values())
        top = max(winner_counts.values()) if winner_counts else 0
        out["top_winner_share"] = Figure(top / total if total else None, total, top, total)
        values = winner_values or {}
        worth = sum(values.values())
        best = max(values.values()) if values else 0.0
        out["top_winner_share_value"] = Figure(best / worth if worth > 0 else None, len(values), best, len(winner_counts))
    return out


def _risk(figures: Mapping[str, Figure]) -> dict[str, Any]:
    """The composite risk score: the weighted mean of the available components (few-case figures left out)."""
    parts: dict[str, float] = {name: v for name in RISK_COMPONENTS if name in figures and not figures[name].few
                               and (v := figures[name].value) is not None}
    weight = sum(RISK_COMPONENTS[n] for n in parts)
    score = sum(RISK_COMPONENTS[n] * v for n, v in parts.items()) / weight if weight else None
    available = [n for n in RISK_COMPONENTS if n in figures]
    return {"score": score, "components": parts, "weights": {n: RISK_COMPONENTS[n] for n in parts},
            "coverage": f"{len(parts)} of {len(available)} components"}


Award = tuple[str, str, str, bool, float | None]


def read_competition(store: Any) -> tuple[list[Lot], dict[str, dict[str, Any]], list[Award]]:
    """Lots (with their procurement's procedure and CPV), procurements by id, and awards as
    (procurement, lot, supplier, redacted, value), read from either store. An award's value is its
    own, else its procurement's split equally among the procurement's awards (docs/indicators.md)."""
    procs: dict[str, dict[str, Any]] = {}
    for buyer, pid, procedure, ctype, cpv, coordinated, appealed, e_auction in store.rows(PROCUREMENTS_CYPHER, {}):
        procs[pid] = {"buyer": buyer, "procurement": pid, "procedure": procedure, "contract_type": ctype,
                      "cpv": str(cpv)[:2] if cpv and str(cpv)[:2].isdigit() else None, "coordinated": coordinated,
                      "appealed": appealed, "e_auction": e_auction}
    lots = []
    for buyer, pid, lot, tenders in store.rows(LOTS_CYPHER, {}):
        p = procs.get(pid, {})
        lots.append(Lot(buyer, pid, lot, None if tenders is None else int(tenders), p.get("procedure"), p.get("cpv")))
    lots.sort(key=lambda lt: (lt.procurement, lt.lot))
    rows = list(store.rows(AWARDS_CYPHER, {}))
    per_proc = Counter(r[0] for r in rows)
    awards = sorted((pid, str(lot), sup, REDACTED_QUALITY in str(q or "").split(";"),
                     float(av) if av is not None else (float(pv) / per_proc[pid] if pv is not None else None))
                    for pid, lot, sup, q, av, pv in rows)
    return lots, procs, awards


def _entity_keys(buyer: str, cpv: str | None, county: Mapping[str, tuple[str, str | None]]) -> list[tuple[str, str]]:
    keys = [("buyer", buyer)]
    if buyer in county:
        keys.append(("county", county[buyer][0]))
    if cpv:
        keys += [("cpv", cpv), ("buyer_cpv", f"{buyer}|{cpv}")]
    return keys


def _baseline(entities: Mapping[str, Entity]) -> None:
    """Each figure's national median and percentile among entities of its kind with >= MIN_CASES cases."""
    names = {n for e in entities.values() for n in e.figures}
    for name in names:
        pool: list[float] = sorted(v for e in entities.values() if name in e.figures and not e.figures[name].few
                                   and (v := e.figures[name].value) is not None)
        if not pool:
            continue
        median = float(statistics.median(pool))
        for e in entities.values():
            f = e.figures.get(name)
            if f is not None:
                f.median = median
                f.percentile = percentile(pool, f.value) if f.value is not None else None


def compute_competition(store: Any) -> Competition:
    """Every competition indicator of ``store`` (see the module doc and docs/indicators.md)."""
    lots, procs, awards = read_competition(store)
    county = _county_of(store)
    names = {org: name for org, name in store.rows(NAMES_CYPHER, {})}
    names.update({code: name for code, name in county.values()})
    awarded = {a[0] for a in awards}
    awarded_lots = {(a[0], a[1]) for a in awards}
    winners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for pid, lot, sup, redacted, _v in awards:
        if not redacted:
            winners[(pid, lot)].add(sup)
    lots_of: dict[tuple[str, str], list[Lot]] = defaultdict(list)
    procs_of: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    wins_of: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for lt in lots:
        for key in _entity_keys(lt.buyer, lt.cpv, county):
            lots_of[key].append(lt)
        for sup in winners.get((lt.procurement, lt.lot), ()):
            lots_of[("supplier", sup)].append(lt)
    for p in procs.values():
        for key in _entity_keys(p["buyer"], p["cpv"], county):
            procs_of[key].append(p)
    supplier_procs: dict[str, set[str]] = defaultdict(set)
    buyer_of_supplier: dict[str, Counter[str]] = defaultdict(Counter)
    cpvs_of_supplier: dict[str, set[str]] = defaultdict(set)
    value_of: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for pid, _lot, sup, redacted, value in awards:
        found = procs.get(pid)
        if redacted or found is None:
            continue
        p = found
        for key in _entity_keys(p["buyer"], p["cpv"], county):
            if key[0] != "county":
                wins_of[key][sup] += 1
                if value is not None:
                    value_of[key][sup] += value
        supplier_procs[sup].add(pid)
        buyer_of_supplier[sup][p["buyer"]] += 1
        if p["cpv"]:
            cpvs_of_supplier[sup].add(p["cpv"])
    for sup, pids in supplier_procs.items():
        procs_of[("supplier", sup)] = [procs[pid] for pid in sorted(pids)]
    entities: dict[str, dict[str, Entity]] = {kind: {} for kind in KINDS}
    for key in sorted(set(lots_of) | set(procs_of)):
        kind, ident = key
        name = names.get(ident) if kind != "buyer_cpv" else names.get(ident.partition("|")[0])
        e = Entity(kind, ident, name, _figures(lots_of.get(key, []), procs_of.get(key, []), awarded,
                                               wins_of.get(key) if kind in ("buyer", "buyer_cpv", "cpv") else None,
                                               value_of.get(key)))
        entities[kind][ident] = e
    for ents in entities.values():
        _baseline(ents)
        for e in ents.values():
            e.risk = _risk(e.figures)
    national = _figures(lots, list(procs.values()), awarded, None)
    captive = _captive(buyer_of_supplier, names)
    hetero, cutoff = _heterogeneous({s: c for s, c in cpvs_of_supplier.items()
                                     if sum(buyer_of_supplier[s].values()) >= CAPTIVE_MIN_AWARDS}, names)
    shares = {b: _winner_shares(wins_of[("buyer", b)], value_of.get(("buyer", b), {}), names)
              for (kind, b) in list(wins_of) if kind == "buyer"}
    return Competition(national, entities, captive, hetero, lots, procs, awarded_lots, winners, cutoff, shares)


def _winner_shares(counts: Counter[str], values: Mapping[str, float], names: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """Each supplier's share of one buyer's non-redacted awards and of their known value, largest first."""
    total, worth = sum(counts.values()), sum(values.values())
    return [{"supplier": s, "supplier_name": names.get(s), "awards": n, "share": n / total,
             "value": values.get(s), "value_share": values[s] / worth if worth > 0 and s in values else None}
            for s, n in sorted(counts.items(), key=lambda sn: (-sn[1], -values.get(sn[0], 0.0), sn[0]))]


def _captive(buyer_of_supplier: Mapping[str, Counter[str]], names: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """Suppliers with >= CAPTIVE_MIN_AWARDS awards of which more than CAPTIVE_SHARE come from one buyer."""
    out = []
    for sup in sorted(buyer_of_supplier):
        counts = buyer_of_supplier[sup]
        total = sum(counts.values())
        buyer, top = min(counts.items(), key=lambda bc: (-bc[1], bc[0]))
        if total >= CAPTIVE_MIN_AWARDS and top / total > CAPTIVE_SHARE:
            out.append({"supplier": sup, "supplier_name": names.get(sup), "buyer": buyer,
                        "buyer_name": names.get(buyer), "awards_from_buyer": top, "awards": total,
                        "share": top / total})
    return out


def _heterogeneous(cpvs_of_supplier: Mapping[str, set[str]],
                   names: Mapping[str, str | None]) -> tuple[list[dict[str, Any]], float | None]:
    """OCP Cardinal R048: suppliers (with >= CAPTIVE_MIN_AWARDS awards) whose number of CPV divisions
    won is an upper outlier: more than Q3 + 1.5 IQR of that number over those suppliers."""
    counts = sorted(len(c) for c in cpvs_of_supplier.values())
    if len(counts) < 4:
        return [], None
    q1, _q2, q3 = statistics.quantiles(counts, n=4)
    cutoff = q3 + 1.5 * (q3 - q1)
    out = [{"supplier": s, "supplier_name": names.get(s), "cpv_divisions": len(c), "divisions": sorted(c)}
           for s, c in sorted(cpvs_of_supplier.items()) if len(c) > cutoff]
    return out, cutoff
