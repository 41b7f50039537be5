"""Procurement and funding indicators: per buyer, per county (NUTS3), per community, bridges.

Definitions (every share is a fraction in [0, 1]; ``None`` where the indicator has no data):

- An *award* is one AWARDED_TO relationship (a lot won by a supplier). Its *value* is its own
  ``value`` when the source gives one, else its procurement's ``value`` split equally among the
  procurement's awards (``graph.analysis.tables.Awards``); unknown when neither is known.
- ``hhi_count`` / ``hhi_value``: Herfindahl-Hirschman index of the buyer's suppliers, the sum of
  squared supplier shares of the buyer's awards (by number / by value of valued awards): 1.0 is a
  single supplier, 1/n is n equal suppliers.
- ``top_share_count`` / ``top_share_value``: the largest supplier's share.
- ``sme_share_count`` / ``sme_share_value``: share of awards (by number / value) won by micro,
  small or medium suppliers, among awards whose supplier size is known.
- ``env_share``, ``social_share``, ``innovation_share``, ``coordinated_share``: share of the buyer's
  procurements flagged so, among procurements where the flag is known (empty = unknown).
  ``flag_true`` counts the procurements flagged so: over ``procurements`` it is the share flagged,
  a lower bound where a source marks only the flagged ones (the Swedish statistics do).

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
from graph.analysis.tables import Awards

SME_SIZES = frozenset({"micro", "small", "medium"})
FLAGS = ("env_sustainable", "social_sustainable", "innovation", "coordinated")
FLAG_SHARES = {"env_sustainable": "env_share", "social_sustainable": "social_share", "innovation": "innovation_share", "coordinated": "coordinated_share"}

PROCUREMENTS_CYPHER = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement) "
    "RETURN b.org_id AS buyer, p.procurement_id AS procurement, p.env_sustainable AS env, "
    "p.social_sustainable AS social, p.innovation AS innovation, p.coordinated AS coordinated"
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


@dataclass
class MarketIndicators:
    """Concentration, SME and flag indicators of one buyer or of a group of buyers (a county)."""

    key: str
    name: str | None
    buyers: int = 1
    procurements: int = 0
    awards: int = 0
    suppliers: int = 0
    valued_awards: int = 0
    value: float = 0.0
    sized_awards: int = 0
    hhi_count: float | None = None
    hhi_value: float | None = None
    top_supplier: str | None = None
    top_share_count: float | None = None
    top_share_value: float | None = None
    sme_share_count: float | None = None
    sme_share_value: float | None = None
    env_share: float | None = None
    social_share: float | None = None
    innovation_share: float | None = None
    coordinated_share: float | None = None
    flag_known: dict[str, int] = field(default_factory=dict)
    # Procurements flagged True. The Swedish statistics mark sustainability and innovation only
    # when present (empty = not reported, never False), so the share among known flags is 100%
    # whenever any is known; flagged / procurements is the informative (lower-bound) share.
    flag_true: dict[str, int] = field(default_factory=dict)


INDICATOR_FIELDS = (
    "hhi_count", "hhi_value", "top_share_count", "top_share_value", "sme_share_count", "sme_share_value",
    "env_share", "social_share", "innovation_share", "coordinated_share",
)


def market_indicators(
    key: str,
    name: str | None,
    awards: Sequence[tuple[str, float, str | None]],
    procurement_flags: Mapping[str, Mapping[str, bool | None]],
    buyers: int = 1,
) -> MarketIndicators:
    """Indicators of one buyer (or a pooled group) from its awards and its procurements.

    ``awards`` holds ``(supplier_id, value or NaN, supplier size or None)`` per award;
    ``procurement_flags`` maps each procurement to its flags (None = unknown).

    >>> m = market_indicators("b", None, [("s1", 100.0, "small"), ("s1", 100.0, "small"), ("s2", 200.0, "large")], {})
    >>> m.hhi_count, m.hhi_value, m.top_supplier, round(m.sme_share_count, 4), m.sme_share_value
    (0.5555555555555556, 0.5, 's1', 0.6667, 0.5)
    """
    out = MarketIndicators(key, name, buyers=buyers, procurements=len(procurement_flags), awards=len(awards))
    count: Counter[str] = Counter()
    value: defaultdict[str, float] = defaultdict(float)
    sme_n = sized_n = 0
    sme_v = sized_v = 0.0
    for supplier, v, size in awards:
        count[supplier] += 1
        known_v = v is not None and not math.isnan(v)
        if known_v:
            out.valued_awards += 1
            value[supplier] += v
            out.value += v
        if size:
            sized_n += 1
            sme_n += size in SME_SIZES
            if known_v:
                sized_v += v
                sme_v += v if size in SME_SIZES else 0.0
    out.suppliers = len(count)
    out.sized_awards = sized_n
    if count:
        out.hhi_count = hhi(count.values())
        top = min(count, key=lambda s: (-count[s], s))
        out.top_supplier = top
        out.top_share_count = count[top] / out.awards
    if out.value > 0:
        out.hhi_value = hhi(value.values())
        out.top_share_value = max(value.values()) / out.value
    out.sme_share_count = _share(sme_n, sized_n)
    out.sme_share_value = _share(sme_v, sized_v)
    for flag in FLAGS:
        known = [f[flag] for f in procurement_flags.values() if f.get(flag) is not None]
        out.flag_known[flag] = len(known)
        out.flag_true[flag] = sum(bool(x) for x in known)
        setattr(out, FLAG_SHARES[flag], _share(sum(bool(x) for x in known), len(known)))
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
class CommunityIndicators:
    """One community of a network: size, dominant members, SME share of members with a size."""

    community: int
    size: int
    dominant: list[tuple[str, str | None, float]]
    sized_members: int
    sme_share: float | None
    public_members: int


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
        conc = sorted((m for m in self.buyers if m.hhi_count is not None and m.awards >= 10),
                      key=lambda m: (-(m.hhi_count or 0), m.key))[:top]
        if conc:
            lines.append("most concentrated buyers (>= 10 awards, HHI by count): " + ", ".join(
                f"{m.name or m.key} {m.hhi_count:.2f}" for m in conc))
        if self.counties:
            lines.append("counties (NUTS3): " + ", ".join(
                f"{m.key} SME {m.sme_share_count:.0%}" if m.sme_share_count is not None else f"{m.key} SME n/a"
                for m in self.counties))
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


def compute_indicators(store: Any, network: NetworkResult | None = None, *, top_members: int = 5) -> Indicators:
    """Compute every indicator from ``store`` (and communities from ``network`` when given).

    Buyers are organisations with BUYER_OF; counties pool the awards and procurements of the
    buyers located in them (via LOCATED_IN, else their projects' region).
    """
    names: dict[str, str | None] = {}
    sizes: dict[str, str | None] = {}
    public: dict[str, bool | None] = {}
    for org, name, size, is_public in store.rows(ORG_ATTRS_CYPHER, {}):
        names[org], sizes[org], public[org] = name, size, is_public
    flags: dict[str, dict[str, dict[str, bool | None]]] = defaultdict(dict)
    for buyer, proc, env, social, innovation, coordinated in store.rows(PROCUREMENTS_CYPHER, {}):
        flags[buyer][proc] = dict(zip(FLAGS, (env, social, innovation, coordinated)))
    aw = Awards.read(store)
    per_buyer: dict[str, list[tuple[str, float, str | None]]] = defaultdict(list)
    for b, s, v in zip(aw.buyer, aw.supplier, aw.value.tolist()):
        per_buyer[b].append((s, v, sizes.get(s)))
    buyer_ids = sorted(set(flags) | set(per_buyer))
    buyers = [market_indicators(b, names.get(b), per_buyer.get(b, []), flags.get(b, {})) for b in buyer_ids]

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
        counties.append(market_indicators(code, county_names.get(code), pooled_awards, pooled_flags, buyers=len(members)))

    result = Indicators(buyers, _coverage(buyers), counties, _coverage(counties), located)
    if network is not None and network.communities:
        result.communities = community_indicators(network, names, sizes, public, top_members=top_members)
        result.community_network = network.name
    result.bridges = bridges(store, names, network)
    return result


def community_indicators(
    network: NetworkResult,
    names: Mapping[str, str | None],
    sizes: Mapping[str, str | None],
    public: Mapping[str, bool | None] | None = None,
    *,
    top_members: int = 5,
) -> list[CommunityIndicators]:
    """Per community: size, the ``top_members`` with the highest PageRank, SME share of members.

    The SME share counts members whose size is known (companies); public bodies have none.
    """
    pr = network.metrics.get("pagerank", {})
    out = []
    for i, members in enumerate(network.communities):
        ranked = sorted(members, key=lambda v: (-pr.get(v, 0.0), v))[:top_members]
        known = [sizes.get(v) for v in members if sizes.get(v)]
        out.append(CommunityIndicators(
            community=i,
            size=len(members),
            dominant=[(v, names.get(v), float(pr.get(v, 0.0))) for v in ranked],
            sized_members=len(known),
            sme_share=_share(sum(s in SME_SIZES for s in known), len(known)),
            public_members=sum(1 for v in members if (public or {}).get(v)),
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
