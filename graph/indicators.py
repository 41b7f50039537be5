"""Procurement and funding indicators: per buyer, per county (NUTS3), per community, bridges.

Each indicator has one definition, written out with its denominator, coverage, exclusions and an
example in docs/indicators.md; the report, its JSON, the queries and the views use these. In short
(every share a fraction in [0, 1]; ``None`` where the indicator has no data):

- An *award* is one AWARDED_TO relationship (a lot won by a supplier). Its *value* is its own
  ``value`` when the source gives one, else its procurement's ``value`` split equally among the
  procurement's awards; unknown when neither is known. A *redacted award* is one won by a
  redacted natural person (``Personuppgift``; supplier quality ``redacted_person``): who won it is
  unknown, so it is left out of supplier counts, concentration and SME shares, and counted apart.
- ``suppliers``: distinct suppliers of the buyer's non-redacted awards.
- ``hhi_count`` / ``hhi_value``: Herfindahl-Hirschman index (sum of squared supplier shares) of
  the non-redacted awards (by number / by value). ``hhi_count_pooled`` / ``hhi_value_pooled``
  count every redacted award as won by one extra supplier: the true value lies between the two
  (``hhi_range``), as the redacted winners may be one person or all different.
- ``top_share_count`` / ``top_share_value``: the largest supplier's share, non-redacted awards.
- ``sme_share_count`` / ``sme_share_value``: share of awards (by number / value) won by micro,
  small or medium suppliers, among non-redacted awards whose supplier size is reported on the
  award (``AWARDED_TO.supplier_size``; stores loaded before it existed fall back to the
  supplier's size).
- Flags (``env``, ``social``, ``innovation``, ``coordinated``): ``flag_true`` counts procurements
  flagged so; ``flag_filled`` counts the buyer's procurements published in a notice database
  (``Procurement.notice_db``) that fills the flag at all (at least one procurement in it has the
  flag set either way). ``*_flagged_share`` = flagged / filled; ``None`` ("not reported") when no
  procurement of the buyer went through a database that fills the flag.

Every indicator set carries its ``coverage``: for each indicator, how many entities had the data,
how many lacked it, and for how many it does not apply (e.g. a buyer with no awards has no HHI),
as the Open Contracting red-flag tools report it.

>>> hhi([3, 1])
0.625
>>> hhi([])
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from graph.analysis.analyze import NetworkResult

SME_SIZES = frozenset({"micro", "small", "medium"})
REDACTED_QUALITY = "redacted_person"
UNKNOWN_DB = "(not recorded)"
FLAGS = ("env_sustainable", "social_sustainable", "innovation", "coordinated")
FLAG_SHARES = {
    "env_sustainable": "env_flagged_share", "social_sustainable": "social_flagged_share",
    "innovation": "innovation_flagged_share", "coordinated": "coordinated_flagged_share",
}

PROCUREMENTS_CYPHER = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement) "
    "RETURN b.org_id AS buyer, p.procurement_id AS procurement, p.env_sustainable AS env, "
    "p.social_sustainable AS social, p.innovation AS innovation, p.coordinated AS coordinated, p.notice_db AS notice_db"
)
AWARD_ROWS_CYPHER = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[a:AWARDED_TO]->(s:Organisation) "
    "RETURN b.org_id AS buyer, p.procurement_id AS procurement, s.org_id AS supplier, a.lot_id AS lot, "
    "a.value AS award_value, p.value AS procurement_value, a.supplier_size AS award_size, s.size AS size, "
    "s.quality AS quality"
)
ORG_ATTRS_CYPHER = "MATCH (o:Organisation) RETURN o.org_id AS org, o.name AS name, o.size AS size, o.is_public AS is_public"
ORG_REGION_CYPHER = (
    "MATCH (o:Organisation)-[:LOCATED_IN]->(r:Region) RETURN o.org_id AS org, r.nuts_code AS nuts, r.level AS level, r.name AS name"
)
PROJECT_REGION_CYPHER = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project)-[:LOCATED_IN]->(r:Region) "
    "RETURN o.org_id AS org, r.nuts_code AS nuts, r.level AS level, r.name AS name"
)
ROLES_CYPHER = {
    "projects": "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project) RETURN o.org_id AS org, count(p) AS n",
    "procurements": "MATCH (o:Organisation)-[:BUYER_OF]->(p:Procurement) RETURN o.org_id AS org, count(p) AS n",
    "awards": "MATCH (p:Procurement)-[:AWARDED_TO]->(o:Organisation) RETURN o.org_id AS org, count(p) AS n",
}


def hhi(amounts: Iterable[float]) -> float | None:
    """Herfindahl-Hirschman index (sum of squared shares) of ``amounts``; None without any total.

    >>> hhi([1, 1, 1, 1])
    0.25
    """
    a = np.asarray([x for x in amounts if x is not None and not math.isnan(x)], dtype=float)
    total = a.sum() if len(a) else 0.0
    if total <= 0:
        return None
    s = a / total
    return float((s * s).sum())


def _share(part: float, whole: float) -> float | None:
    return float(part / whole) if whole > 0 else None


@dataclass
class Coverage:
    """How many entities an indicator could be computed for."""

    with_data: int = 0
    missing: int = 0
    not_applicable: int = 0

    @property
    def total(self) -> int:
        return self.with_data + self.missing + self.not_applicable

    def __str__(self) -> str:
        return f"{self.with_data} with data, {self.missing} missing, {self.not_applicable} not applicable"


@dataclass(frozen=True)
class Award:
    """One award as the indicators see it: supplier, value (NaN unknown), reported size, redacted."""

    supplier: str
    value: float
    size: str | None = None
    redacted: bool = False


@dataclass
class MarketIndicators:
    """Concentration, SME and flag indicators of one buyer or of a group of buyers (a county)."""

    key: str
    name: str | None
    buyers: int = 1
    procurements: int = 0
    awards: int = 0
    redacted_awards: int = 0
    suppliers: int = 0
    valued_awards: int = 0
    value: float = 0.0
    sized_awards: int = 0
    sme_awards: int = 0
    hhi_count: float | None = None
    hhi_value: float | None = None
    hhi_count_pooled: float | None = None
    hhi_value_pooled: float | None = None
    top_supplier: str | None = None
    top_share_count: float | None = None
    top_share_value: float | None = None
    sme_share_count: float | None = None
    sme_share_value: float | None = None
    env_flagged_share: float | None = None
    social_flagged_share: float | None = None
    innovation_flagged_share: float | None = None
    coordinated_flagged_share: float | None = None
    # Procurements of the buyer published in a notice database that fills the flag at all.
    flag_filled: dict[str, int] = field(default_factory=dict)
    # Procurements flagged True.
    flag_true: dict[str, int] = field(default_factory=dict)

    @property
    def hhi_range(self) -> tuple[float, float] | None:
        """[redacted excluded, redacted pooled as one supplier], lowest first; None without HHI."""
        ends = [x for x in (self.hhi_count, self.hhi_count_pooled) if x is not None]
        return (min(ends), max(ends)) if ends else None

    def flag_status(self, flag: str) -> str:
        """``reported`` when some procurement went through a database that fills ``flag``, else ``not reported``."""
        return "reported" if self.flag_filled.get(flag) else "not reported"


INDICATOR_FIELDS = (
    "hhi_count", "hhi_value", "top_share_count", "top_share_value", "sme_share_count", "sme_share_value",
    "env_flagged_share", "social_flagged_share", "innovation_flagged_share", "coordinated_flagged_share",
)


def _concentration(out: MarketIndicators, awards: Sequence[Award]) -> None:
    """HHI and top-supplier shares of the non-redacted awards, and HHI with the redacted pooled."""
    count: Counter[str] = Counter()
    value: defaultdict[str, float] = defaultdict(float)
    redacted_n, redacted_v = 0, 0.0
    for a in awards:
        known_v = not math.isnan(a.value)
        if a.redacted:
            redacted_n += 1
            redacted_v += a.value if known_v else 0.0
            continue
        count[a.supplier] += 1
        if known_v:
            value[a.supplier] += a.value
    out.suppliers = len(count)
    if count:
        out.hhi_count = hhi(count.values())
        top = min(count, key=lambda s: (-count[s], s))
        out.top_supplier = top
        out.top_share_count = count[top] / sum(count.values())
    if sum(value.values()) > 0:
        out.hhi_value = hhi(value.values())
        out.top_share_value = max(value.values()) / sum(value.values())
    out.hhi_count_pooled = hhi([*count.values(), redacted_n]) if redacted_n else out.hhi_count
    out.hhi_value_pooled = hhi([*value.values(), redacted_v]) if redacted_v > 0 else out.hhi_value


def market_indicators(
    key: str,
    name: str | None,
    awards: Sequence[Award | tuple[str, float, str | None]],
    procurement_flags: Mapping[str, Mapping[str, Any]],
    buyers: int = 1,
    filling: Mapping[str, frozenset[str]] | None = None,
) -> MarketIndicators:
    """Indicators of one buyer (or a pooled group) from its awards and its procurements.

    ``awards`` holds an :class:`Award` (or ``(supplier_id, value or NaN, size or None)``) per
    award; ``procurement_flags`` maps each procurement to its flags (None = empty) and its
    ``notice_db``; ``filling`` maps each flag to the notice databases that fill it (default: a
    procurement counts as filled where its own flag is set either way).

    >>> m = market_indicators("b", None, [("s1", 100.0, "small"), ("s1", 100.0, "small"), ("s2", 200.0, "large")], {})
    >>> m.hhi_count, m.hhi_value, m.top_supplier, round(m.sme_share_count, 4), m.sme_share_value
    (0.5555555555555556, 0.5, 's1', 0.6667, 0.5)
    """
    rows = [a if isinstance(a, Award) else Award(a[0], math.nan if a[1] is None else float(a[1]), a[2]) for a in awards]
    out = MarketIndicators(key, name, buyers=buyers, procurements=len(procurement_flags), awards=len(rows))
    sme_v = sized_v = 0.0
    for a in rows:
        known_v = not math.isnan(a.value)
        if known_v:
            out.valued_awards += 1
            out.value += a.value
        if a.redacted:
            out.redacted_awards += 1
        elif a.size:
            out.sized_awards += 1
            out.sme_awards += a.size in SME_SIZES
            if known_v:
                sized_v += a.value
                sme_v += a.value if a.size in SME_SIZES else 0.0
    _concentration(out, rows)
    out.sme_share_count = _share(out.sme_awards, out.sized_awards)
    out.sme_share_value = _share(sme_v, sized_v)
    for flag in FLAGS:
        dbs = (filling or {}).get(flag)
        filled = [f for f in procurement_flags.values()
                  if (f.get("notice_db") or UNKNOWN_DB) in dbs or f.get(flag) is not None] if dbs is not None else \
            [f for f in procurement_flags.values() if f.get(flag) is not None]
        out.flag_filled[flag] = len(filled)
        out.flag_true[flag] = sum(bool(f.get(flag)) for f in filled)
        setattr(out, FLAG_SHARES[flag], _share(out.flag_true[flag], len(filled)))
    return out


def _coverage(items: Iterable[MarketIndicators]) -> dict[str, Coverage]:
    cov = {f: Coverage() for f in INDICATOR_FIELDS}
    for m in items:
        for f in INDICATOR_FIELDS:
            c = cov[f]
            if getattr(m, f) is not None:
                c.with_data += 1
            elif f.startswith(("hhi", "top", "sme")) and m.awards == 0:
                c.not_applicable += 1
            elif f in FLAG_SHARES.values() and m.procurements == 0:
                c.not_applicable += 1
            else:
                c.missing += 1
    return cov


@dataclass
class FlagCoverage:
    """One notice database: how many procurements it published and how many it flagged, per flag."""

    notice_db: str
    procurements: int
    flagged: dict[str, int]
    filled: dict[str, int]


def flag_coverage(flags: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> tuple[list[FlagCoverage], dict[str, frozenset[str]]]:
    """Per notice database, procurements and flags set; and per flag the databases that fill it at all.

    A database *fills* a flag when at least one of its procurements has the flag set (True or
    False); where it never does, an empty flag says nothing about the purchase.
    """
    seen: dict[str, dict[str, Any]] = {}
    for per_proc in flags.values():
        for proc, f in per_proc.items():
            seen.setdefault(proc, dict(f))
    per_db: dict[str, FlagCoverage] = {}
    for f in seen.values():
        db = str(f.get("notice_db") or UNKNOWN_DB)
        row = per_db.setdefault(db, FlagCoverage(db, 0, dict.fromkeys(FLAGS, 0), dict.fromkeys(FLAGS, 0)))
        row.procurements += 1
        for flag in FLAGS:
            row.flagged[flag] += bool(f.get(flag))
            row.filled[flag] += f.get(flag) is not None
    rows = sorted(per_db.values(), key=lambda r: (-r.procurements, r.notice_db))
    filling = {flag: frozenset(r.notice_db for r in rows if r.filled[flag]) for flag in FLAGS}
    return rows, filling


@dataclass
class CommunityIndicators:
    """One community of a network: size, dominant members, SME share of the awards its members won."""

    community: int
    size: int
    dominant: list[tuple[str, str | None, float]]
    sized_members: int
    sme_share: float | None
    public_members: int
    sized_awards: int = 0
    redacted_awards: int = 0


@dataclass
class Bridge:
    """An organisation that is both an EU beneficiary and a procurement party."""

    org_id: str
    name: str | None
    projects: int
    procurements_as_buyer: int
    awards_as_supplier: int
    betweenness: float | None = None


@dataclass
class Indicators:
    """Every indicator with its coverage; ``to_dict`` for reports (JSON)."""

    buyers: list[MarketIndicators]
    buyer_coverage: dict[str, Coverage]
    counties: list[MarketIndicators]
    county_coverage: dict[str, Coverage]
    buyers_located: Coverage
    communities: list[CommunityIndicators] = field(default_factory=list)
    community_network: str | None = None
    bridges: list[Bridge] = field(default_factory=list)
    # buyer org_id -> the NUTS3 county it is placed in (the county's pool, and nobody else's)
    county_of: dict[str, str] = field(default_factory=dict)
    flag_coverage: list[FlagCoverage] = field(default_factory=list)
    award_sizes: str = "award"  # "award": sizes as reported per award; "organisation": stores without them
    definitions: str = __doc__ or ""

    def buyer(self, org_id: str) -> MarketIndicators:
        for m in self.buyers:
            if m.key == org_id:
                return m
        raise KeyError(org_id)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("definitions")
        return d

    def summary(self, top: int = 5) -> str:
        lines = [f"buyers: {len(self.buyers)}; located in a county: {self.buyers_located}"]
        for f in INDICATOR_FIELDS:
            lines.append(f"  {f}: {self.buyer_coverage[f]}")
        redacted = sum(m.redacted_awards for m in self.buyers)
        lines.append(f"redacted awards (natural persons, left out of supplier counts, HHI and SME shares): {redacted}")
        conc = sorted((m for m in self.buyers if m.hhi_count is not None and m.awards >= 10),
                      key=lambda m: (-(m.hhi_count or 0), m.key))[:top]
        if conc:
            lines.append("most concentrated buyers (>= 10 awards, HHI by count, redacted excluded; pooled): " + ", ".join(
                f"{m.name or m.key} {m.hhi_count:.2f}" + (f" ({m.hhi_count_pooled:.2f})" if m.redacted_awards else "")
                for m in conc))
        if self.counties:
            lines.append("counties (NUTS3): " + ", ".join(
                f"{m.key} SME {m.sme_share_count:.0%}" if m.sme_share_count is not None else f"{m.key} SME n/a"
                for m in self.counties))
        if self.flag_coverage:
            lines.append("flags by notice database (procurements; env/social/innovation flagged): " + ", ".join(
                f"{r.notice_db} {r.procurements} ({r.flagged['env_sustainable']}/{r.flagged['social_sustainable']}/"
                f"{r.flagged['innovation']})" for r in self.flag_coverage[:top]))
        if self.communities:
            lines.append(f"communities of the {self.community_network} network: {len(self.communities)}; largest: " + ", ".join(
                f"#{c.community} ({c.size})" for c in self.communities[:top]))
        lines.append(f"bridging organisations (EU beneficiary and procurement party): {len(self.bridges)}")
        for b in self.bridges[:top]:
            lines.append(f"  {b.name or b.org_id}: {b.projects} projects, {b.procurements_as_buyer} procurements, "
                         f"{b.awards_as_supplier} awards won")
        return "\n".join(lines)


def _county_of(store: Any) -> dict[str, tuple[str, str | None]]:
    """NUTS3 county of each organisation: its own LOCATED_IN, else where most of its projects are."""
    def nuts3(code: Any, level: Any) -> bool:
        return code is not None and (level == 3 or (level is None and len(str(code)) == 5))

    located: dict[str, tuple[str, str | None]] = {}
    for org, code, level, name in store.rows(ORG_REGION_CYPHER, {}):
        if nuts3(code, level):
            located.setdefault(org, (code, name))
    votes: dict[str, Counter[tuple[str, str | None]]] = defaultdict(Counter)
    for org, code, level, name in store.rows(PROJECT_REGION_CYPHER, {}):
        if org not in located and nuts3(code, level):
            votes[org][(code, name)] += 1
    for org, counter in votes.items():
        located[org] = min(counter, key=lambda cn: (-counter[cn], cn[0]))
    return located


def read_awards(store: Any) -> tuple[dict[str, list[Award]], str]:
    """Every award by buyer, with its value (as graph.analysis.tables.Awards defines it), size and redaction.

    The size is the one reported on the award (``AWARDED_TO.supplier_size``); a store with no
    per-award size at all (loaded before the loader kept it) falls back to the supplier's size,
    and the second value says which: ``award`` or ``organisation``.
    """
    rows = sorted(store.rows(AWARD_ROWS_CYPHER, {}),
                  key=lambda r: (r[0], r[1], r[2], str(r[3]), -1.0 if r[4] is None else r[4]))
    per_proc = Counter((r[0], r[1]) for r in rows)
    per_award = any(r[6] is not None for r in rows)
    out: dict[str, list[Award]] = defaultdict(list)
    for buyer, proc, supplier, _lot, av, pv, award_size, org_size, quality in rows:
        value = float(av) if av is not None else (float(pv) / per_proc[(buyer, proc)] if pv is not None else math.nan)
        redacted = REDACTED_QUALITY in str(quality or "").split(";")
        out[buyer].append(Award(supplier, value, award_size if per_award else org_size, redacted))
    return out, "award" if per_award else "organisation"


def compute_indicators(store: Any, network: NetworkResult | None = None, *, top_members: int = 5) -> Indicators:
    """Compute every indicator from ``store`` (and communities from ``network`` when given).

    Buyers are organisations with BUYER_OF; a county pools the awards and procurements of the
    buyers placed in it (their own LOCATED_IN, else where most of their projects are) and of
    nobody else.
    """
    names: dict[str, str | None] = {}
    sizes: dict[str, str | None] = {}
    public: dict[str, bool | None] = {}
    for org, name, size, is_public in store.rows(ORG_ATTRS_CYPHER, {}):
        names[org], sizes[org], public[org] = name, size, is_public
    flags: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for buyer, proc, env, social, innovation, coordinated, notice_db in store.rows(PROCUREMENTS_CYPHER, {}):
        flags[buyer][proc] = {**dict(zip(FLAGS, (env, social, innovation, coordinated))), "notice_db": notice_db}
    by_db, filling = flag_coverage(flags)
    per_buyer, award_sizes = read_awards(store)
    buyer_ids = sorted(set(flags) | set(per_buyer))
    buyers = [market_indicators(b, names.get(b), per_buyer.get(b, []), flags.get(b, {}), filling=filling) for b in buyer_ids]

    county = _county_of(store)
    groups: dict[str, list[str]] = defaultdict(list)
    for b in buyer_ids:
        if b in county:
            groups[county[b][0]].append(b)
    located = Coverage(with_data=sum(len(v) for v in groups.values()), missing=len(buyer_ids) - sum(len(v) for v in groups.values()))
    county_names = {code: name for code, name in county.values()}
    counties = []
    for code in sorted(groups):
        members = groups[code]
        pooled_awards = [a for b in members for a in per_buyer.get(b, [])]
        pooled_flags = {f"{b}\x1f{p}": f for b in members for p, f in flags.get(b, {}).items()}
        counties.append(market_indicators(code, county_names.get(code), pooled_awards, pooled_flags, buyers=len(members),
                                          filling=filling))

    result = Indicators(buyers, _coverage(buyers), counties, _coverage(counties), located,
                        county_of={b: county[b][0] for b in buyer_ids if b in county}, flag_coverage=by_db,
                        award_sizes=award_sizes)
    if network is not None and network.communities:
        won = supplier_awards(per_buyer)
        result.communities = community_indicators(network, names, sizes, public, top_members=top_members, won=won)
        result.community_network = network.name
    result.bridges = bridges(store, names, network)
    return result


def supplier_awards(per_buyer: Mapping[str, Sequence[Award]]) -> dict[str, list[Award]]:
    """The awards each supplier won (from :func:`read_awards`' awards by buyer)."""
    won: dict[str, list[Award]] = defaultdict(list)
    for awards in per_buyer.values():
        for a in awards:
            won[a.supplier].append(a)
    return won


def community_indicators(
    network: NetworkResult,
    names: Mapping[str, str | None],
    sizes: Mapping[str, str | None],
    public: Mapping[str, bool | None] | None = None,
    *,
    top_members: int = 5,
    won: Mapping[str, Sequence[Award]] | None = None,
) -> list[CommunityIndicators]:
    """Per community: size, the ``top_members`` with the highest PageRank, SME share.

    The SME share is the one definition of docs/indicators.md: of the awards the community's
    members won (``won``: supplier -> awards), non-redacted and with a reported size, the share
    won by SMEs. ``sized_members`` still counts the members whose own size is known.
    """
    pr = network.metrics.get("pagerank", {})
    out = []
    for i, members in enumerate(network.communities):
        ranked = sorted(members, key=lambda v: (-pr.get(v, 0.0), v))[:top_members]
        awards = [a for v in members for a in (won or {}).get(v, ())]
        sized = [a for a in awards if a.size and not a.redacted]
        out.append(CommunityIndicators(
            community=i,
            size=len(members),
            dominant=[(v, names.get(v), float(pr.get(v, 0.0))) for v in ranked],
            sized_members=sum(1 for v in members if sizes.get(v)),
            sme_share=_share(sum(a.size in SME_SIZES for a in sized), len(sized)),
            public_members=sum(1 for v in members if (public or {}).get(v)),
            sized_awards=len(sized),
            redacted_awards=sum(a.redacted for a in awards),
        ))
    return out


def bridges(store: Any, names: Mapping[str, str | None], network: NetworkResult | None = None) -> list[Bridge]:
    """Organisations that are EU beneficiaries and procurement parties (buyer or supplier).

    Sorted by projects + procurements + awards, then org id.
    """
    counts: dict[str, dict[str, int]] = {k: {} for k in ROLES_CYPHER}
    for role, cypher in ROLES_CYPHER.items():
        for org, n in store.rows(cypher, {}):
            counts[role][org] = int(n)
    btw = network.metrics.get("betweenness", {}) if network is not None else {}
    out = [
        Bridge(org, names.get(org), n, counts["procurements"].get(org, 0), counts["awards"].get(org, 0), btw.get(org))
        for org, n in counts["projects"].items()
        if org in counts["procurements"] or org in counts["awards"]
    ]
    return sorted(out, key=lambda b: (-(b.projects + b.procurements_as_buyer + b.awards_as_supplier), b.org_id))
