"""Network reports: one data model, collected from a store, written as JSON, Markdown and HTML.

``collect_report`` asks the store (either dialect: every query below is plain Cypher with
``$parameters`` that LadybugDB and Neo4j both run) for the overview, the top organisations, the
communities, the buyer indicators, the bridges between EU funding and procurement and, on request,
a region or an organisation profile. The result is a plain dict that follows
``graph/schemas/report.schema.json``; ``render_markdown`` and ``render_html`` present it,
``render_charts`` draws its charts with matplotlib (no pyplot, no global backend), and
``write_report`` writes all of it to a folder. Metrics (``pagerank``, ``community``, ...) are read
from the properties that ``stakenet analyze`` writes back; the report never computes them itself.

Everything is deterministic: rows are sorted with ties broken by id, floats are rounded, and the
time, version and command line are parameters, so the same graph gives byte-identical files.

>>> command_line(["--neo4j-password", "s3cret", "report", "--region", "SE313"])
'stakenet --neo4j-password *** report --region SE313'
"""

from __future__ import annotations

import base64
import heapq
import html
import io
import json
import re
import shlex
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from graph import __version__
from graph.errors import StakenetError
from graph.indicators import (
    FLAG_SHARES,
    Coverage,
    Indicators,
    MarketIndicators,
    community_indicators,
    compute_indicators,
)
from graph.ingest.summaries import identity_summary
from graph.lookup import resolve_organisation
from graph.network import NetworkResult

REPORT_FORMAT = "stakenet-report/1"
FORMATS = ("md", "html", "json")
SME_SIZES = ("micro", "small", "medium")
METRICS = ("pagerank", "betweenness")

# Thresholds for the risk indicators. They flag what deserves a closer look; they are not findings.
HHI_HIGH = 0.25  # the usual "highly concentrated" level (2,500 on the 0-10,000 scale)
TOP_SUPPLIER_HIGH = 0.5
SME_SHARE_LOW = 0.2
MIN_AWARDS_FOR_SIGNAL = 10

INDICATOR_CAVEAT = (
    "These are risk indicators, not verdicts: a high concentration or a low SME share can have "
    "good reasons (a narrow market, a framework agreement, a specialised need). Each figure states "
    "how many awards or procurements it rests on; read small counts with care."
)

ProgressFn = Callable[[str], None]


class ReportError(StakenetError):
    """A report cannot be made as asked (unknown region or organisation, bad format, ...)."""


@dataclass
class ReportPaths:
    """The files a report run wrote."""

    out_dir: Path
    markdown: Path | None = None
    html: Path | None = None
    json: Path | None = None
    charts: list[Path] = field(default_factory=list)

    def all(self) -> list[Path]:
        """Every written file, reports first."""
        return [p for p in (self.markdown, self.html, self.json) if p is not None] + list(self.charts)


# -- small helpers ------------------------------------------------------------------------------


_SECRET_OPTIONS = ("--neo4j-password",)
_URI_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def command_line(argv: Sequence[str], prog: str = "stakenet") -> str:
    """The command line as the report states it, with passwords and URI credentials masked.

    >>> command_line(["--neo4j-uri", "neo4j://bob:pw@host:7687", "report"])
    "stakenet --neo4j-uri 'neo4j://***@host:7687' report"
    """
    out: list[str] = [prog]
    mask_next = False
    for arg in argv:
        if mask_next:
            out.append("***")
            mask_next = False
            continue
        if arg in _SECRET_OPTIONS:
            out.append(arg)
            mask_next = True
            continue
        name, eq, _ = arg.partition("=")
        if eq and name in _SECRET_OPTIONS:
            out.append(f"{name}=***")
            continue
        out.append(shlex.quote(_URI_USERINFO.sub("***@", arg)))
    return " ".join(out)


def _py(value: Any) -> Any:
    """Plain Python numbers from what a driver returns (LadybugDB sums integers as Decimal)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _int(value: Any) -> int:
    return int(_py(value) or 0)


def _money(value: Any) -> float | None:
    value = _py(value)
    return None if value is None else round(float(value), 2)


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


def _rows(store: Any, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    return [{k: _py(v) for k, v in row.items()} for row in store.query(cypher, dict(params or {}))]


def _org_ref(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"org_id": row["org_id"], "name": row.get("name") or row["org_id"]}


# -- queries (plain Cypher that both dialects run; user text only ever goes in $parameters) ------

Q_SOURCES = (
    "MATCH (s:Source) RETURN s.source_id AS source_id, s.kind AS kind, s.path AS path, "
    "s.loaded_at AS loaded_at, s.rows AS rows, s.rejected AS rejected, s.notes AS notes ORDER BY source_id"
)
Q_ORG_QUALITY = (
    "MATCH (o:Organisation) RETURN count(*) AS organisations, count(o.org_number) AS with_number, "
    "sum(CASE WHEN o.org_number_valid = false THEN 1 ELSE 0 END) AS invalid_numbers"
)
Q_INVALID_NUMBERS = (
    "MATCH (o:Organisation) WHERE o.org_number_valid = false "
    "RETURN o.org_id AS org_id, o.name AS name, o.org_number AS org_number ORDER BY org_id LIMIT $n"
)
Q_QUALITY_FLAGS = "MATCH (o:Organisation) WHERE o.quality IS NOT NULL RETURN o.quality AS quality, count(*) AS n"
Q_METRIC_COVERAGE = (
    "MATCH (o:Organisation) RETURN count(o.pagerank) AS pagerank, count(o.betweenness) AS betweenness, "
    "count(o.community) AS community, count(o.degree) AS degree"
)
Q_TOP_METRIC = (
    "MATCH (o:Organisation) WHERE o.{metric} IS NOT NULL "
    "RETURN o.org_id AS org_id, o.name AS name, o.{metric} AS value ORDER BY value DESC, org_id LIMIT $n"
)
Q_PROJECT_CURRENCIES = (
    "MATCH (:Organisation)-[:BENEFICIARY_OF]->(p:Project) WHERE p.eu_budget IS NOT NULL "
    "RETURN DISTINCT coalesce(p.currency, '') AS currency ORDER BY currency"
)
Q_TOP_RECEIVED = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project) "
    "WHERE p.eu_budget IS NOT NULL AND coalesce(p.currency, '') = $currency "
    "RETURN o.org_id AS org_id, o.name AS name, sum(p.eu_budget) AS amount, count(p) AS projects "
    "ORDER BY amount DESC, org_id LIMIT $n"
)
Q_PROCUREMENT_CURRENCIES = (
    "MATCH (:Organisation)-[:BUYER_OF]->(p:Procurement) WHERE p.value IS NOT NULL "
    "RETURN DISTINCT coalesce(p.currency, '') AS currency ORDER BY currency"
)
Q_TOP_AWARDED = (
    "MATCH (o:Organisation)-[:BUYER_OF]->(p:Procurement) "
    "WHERE p.value IS NOT NULL AND coalesce(p.currency, '') = $currency "
    "RETURN o.org_id AS org_id, o.name AS name, sum(p.value) AS amount, count(p) AS procurements "
    "ORDER BY amount DESC, org_id LIMIT $n"
)
Q_TOP_SUPPLIERS = (
    "MATCH (p:Procurement)-[a:AWARDED_TO]->(o:Organisation) "
    "RETURN o.org_id AS org_id, o.name AS name, o.size AS size, count(a) AS awards, count(DISTINCT p) AS procurements "
    "ORDER BY awards DESC, org_id LIMIT $n"
)
Q_ORG_COMMUNITIES = (
    "MATCH (o:Organisation) WHERE o.community IS NOT NULL "
    "RETURN o.org_id AS org_id, o.name AS name, o.size AS size, o.is_public AS is_public, o.pagerank AS pagerank, "
    "o.community AS community ORDER BY org_id"
)
Q_COMMUNITY_BUYERS = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[a:AWARDED_TO]->(s:Organisation) "
    "WHERE s.community IN $ids "
    "RETURN s.community AS community, b.org_id AS org_id, b.name AS name, count(a) AS awards"
)
Q_BUYER_SUPPLIERS = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[a:AWARDED_TO]->(s:Organisation) WHERE b.org_id = $id "
    "RETURN s.org_id AS org_id, s.name AS name, s.size AS size, count(a) AS awards ORDER BY awards DESC, org_id LIMIT $n"
)
Q_ORG_NAMES = "MATCH (o:Organisation) WHERE o.org_id IN $ids RETURN o.org_id AS org_id, o.name AS name, o.pagerank AS pagerank"
Q_DEGREES = "MATCH (o:Organisation) WHERE o.degree IS NOT NULL RETURN o.degree AS degree, count(*) AS n ORDER BY degree"
Q_MONEY_BY_FUND = (
    "MATCH (p:Project)-[:FUNDED_BY]->(f:Fund) "
    "RETURN f.code AS fund, coalesce(p.currency, '') AS currency, count(p) AS projects, sum(p.eu_budget) AS amount "
    "ORDER BY fund, currency"
)
Q_MONEY_BY_CPV = (
    "MATCH (p:Procurement) WHERE p.cpv IS NOT NULL "
    "RETURN p.cpv AS cpv, coalesce(p.currency, '') AS currency, count(p) AS procurements, sum(p.value) AS amount"
)
Q_CPV_GROUP_NAMES = "MATCH (t:Theme) WHERE t.kind = 'cpv_group' RETURN t.code AS code, t.name AS name"
Q_REGION = "MATCH (r:Region) WHERE r.nuts_code = $code RETURN r.nuts_code AS nuts_code, r.name AS name, r.level AS level"
Q_REGION_BY_NAME = (
    "MATCH (r:Region) WHERE lower(r.name) = lower($name) "
    "RETURN r.nuts_code AS nuts_code, r.name AS name, r.level AS level ORDER BY nuts_code"
)
Q_REGION_PARENTS = (
    "MATCH (r:Region)-[:PART_OF]->(p:Region) WHERE r.nuts_code = $code RETURN p.nuts_code AS nuts_code, p.name AS name"
)
Q_REGION_CHILDREN = (
    "MATCH (c:Region)-[:PART_OF]->(r:Region) WHERE r.nuts_code = $code "
    "RETURN c.nuts_code AS nuts_code, c.name AS name ORDER BY nuts_code"
)
Q_REGION_ORGS = (
    "MATCH (o:Organisation)-[:LOCATED_IN]->(r:Region) WHERE r.nuts_code STARTS WITH $code "
    "RETURN DISTINCT o.org_id AS org_id"
)
Q_REGION_PROJECTS = (
    "MATCH (p:Project)-[:LOCATED_IN]->(r:Region) WHERE r.nuts_code STARTS WITH $code "
    "RETURN DISTINCT p.project_id AS project_id, coalesce(p.currency, '') AS currency, p.eu_budget AS eu_budget"
)
Q_REGION_PROJECT_FUNDS = (
    "MATCH (f:Fund)<-[:FUNDED_BY]-(p:Project)-[:LOCATED_IN]->(r:Region) WHERE r.nuts_code STARTS WITH $code "
    "RETURN DISTINCT p.project_id AS project_id, f.code AS fund"
)
Q_REGION_BENEFICIARIES = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project)-[:LOCATED_IN]->(r:Region) WHERE r.nuts_code STARTS WITH $code "
    "RETURN DISTINCT o.org_id AS org_id, o.name AS name, p.project_id AS project_id"
)
Q_ORG_PROJECT_FUNDS = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project)-[:FUNDED_BY]->(f:Fund) WHERE o.org_id = $id "
    "RETURN DISTINCT p.project_id AS project_id, f.code AS fund"
)
Q_ORG = (
    "MATCH (o:Organisation) WHERE o.org_id = $id RETURN o.org_id AS org_id, o.name AS name, o.aliases AS aliases, "
    "o.org_number AS org_number, o.org_number_valid AS org_number_valid, o.country AS country, o.sector AS sector, "
    "o.legal_form AS legal_form, o.size AS size, o.is_public AS is_public, o.quality AS quality, o.source AS source, "
    "o.degree AS degree, o.strength AS strength, o.pagerank AS pagerank, o.betweenness AS betweenness, "
    "o.eigenvector AS eigenvector, o.core AS core, o.community AS community"
)
Q_ORG_REGIONS = (
    "MATCH (o:Organisation)-[:LOCATED_IN]->(r:Region) WHERE o.org_id = $id "
    "RETURN r.nuts_code AS nuts_code, r.name AS name ORDER BY nuts_code"
)
Q_ORG_PROJECTS = (
    "MATCH (o:Organisation)-[b:BENEFICIARY_OF]->(p:Project) WHERE o.org_id = $id "
    "RETURN p.project_id AS project_id, p.title AS title, b.role AS role, coalesce(p.currency, '') AS currency, "
    "p.eu_budget AS eu_budget, p.start_date AS start_date, p.end_date AS end_date"
)
Q_ORG_PARTNERS = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project)<-[:BENEFICIARY_OF]-(x:Organisation) "
    "WHERE o.org_id = $id AND x.org_id <> $id "
    "RETURN x.org_id AS org_id, x.name AS name, count(DISTINCT p) AS projects ORDER BY projects DESC, org_id LIMIT $n"
)
Q_ORG_CUSTOMERS = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[a:AWARDED_TO]->(o:Organisation) WHERE o.org_id = $id "
    "RETURN b.org_id AS org_id, b.name AS name, count(a) AS awards ORDER BY awards DESC, org_id"
)


# -- collecting -----------------------------------------------------------------------------------


def _overview(store: Any) -> dict[str, Any]:
    counts = store.counts()
    sources = _rows(store, Q_SOURCES)
    quality = _rows(store, Q_ORG_QUALITY)[0]
    flags: dict[str, int] = defaultdict(int)
    for row in _rows(store, Q_QUALITY_FLAGS):
        for flag in str(row["quality"]).split(";"):
            if flag.strip():
                flags[flag.strip()] += _int(row["n"])
    organisations = _int(quality["organisations"])
    with_number = _int(quality["with_number"])
    identity = identity_summary(store)
    return {
        "nodes": {k: int(v) for k, v in sorted(counts.nodes.items())},
        "relationships": {k: int(v) for k, v in sorted(counts.rels.items())},
        "total_nodes": int(counts.total_nodes),
        "total_relationships": int(counts.total_rels),
        "sources": [
            {
                "source_id": s["source_id"],
                "kind": s["kind"],
                "path": s["path"],
                "loaded_at": s["loaded_at"],
                "rows": s["rows"],
                "rejected": s["rejected"],
                "notes": s["notes"],
            }
            for s in sources
        ],
        "quality": {
            "organisations": organisations,
            "with_org_number": with_number,
            "without_org_number": organisations - with_number,
            "name_only": int(identity.get("name_only", 0)),
            "anonymous": int(identity.get("anonymous", 0)),
            "invalid_org_numbers": _int(quality["invalid_numbers"]),
            "invalid_examples": [
                {"org_id": r["org_id"], "name": r["name"] or r["org_id"], "org_number": r["org_number"]}
                for r in _rows(store, Q_INVALID_NUMBERS, {"n": 5})
            ],
            "rejected_rows": sum(_int(s["rejected"]) for s in sources),
            "flags": dict(sorted(flags.items())),
        },
    }


def _metric_coverage(store: Any) -> dict[str, int]:
    row = _rows(store, Q_METRIC_COVERAGE)[0]
    return {k: _int(row[k]) for k in ("pagerank", "betweenness", "community", "degree")}


def _currencies(store: Any, cypher: str) -> list[str]:
    return [r["currency"] for r in _rows(store, cypher)]


def _top(store: Any, top: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for metric in METRICS:
        rows = _rows(store, Q_TOP_METRIC.format(metric=metric), {"n": top})
        result[metric] = [{**_org_ref(r), "value": round(float(r["value"]), 6)} for r in rows]
    result["money_received"] = [
        {**_org_ref(r), "currency": cur, "amount": _money(r["amount"]), "projects": _int(r["projects"])}
        for cur in _currencies(store, Q_PROJECT_CURRENCIES)
        for r in _rows(store, Q_TOP_RECEIVED, {"currency": cur, "n": top})
    ]
    result["money_awarded"] = [
        {**_org_ref(r), "currency": cur, "amount": _money(r["amount"]), "procurements": _int(r["procurements"])}
        for cur in _currencies(store, Q_PROCUREMENT_CURRENCIES)
        for r in _rows(store, Q_TOP_AWARDED, {"currency": cur, "n": top})
    ]
    result["awards_won"] = [
        {**_org_ref(r), "size": r["size"], "awards": _int(r["awards"]), "procurements": _int(r["procurements"])}
        for r in _rows(store, Q_TOP_SUPPLIERS, {"n": top})
    ]
    return result


def _top_by(items: Iterable[tuple[Any, dict[str, Any]]], n: int, key: Callable[[dict[str, Any]], Any]) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for group, item in items:
        grouped[group].append(item)
    return {g: heapq.nsmallest(n, rows, key=key) for g, rows in grouped.items()}


def _communities(store: Any, top: int, members: int = 5) -> dict[str, Any]:
    """Communities as stored by `stakenet analyze` (Organisation.community), summarised by
    graph.indicators.community_indicators, plus the buyers that award most to each."""
    by_community: dict[int, list[str]] = defaultdict(list)
    names: dict[str, str | None] = {}
    sizes: dict[str, str | None] = {}
    public: dict[str, bool | None] = {}
    pagerank: dict[str, float] = {}
    for org_id, name, size, is_public, pr, community in store.rows(Q_ORG_COMMUNITIES):
        by_community[int(community)].append(org_id)
        names[org_id], sizes[org_id], public[org_id] = name, size, is_public
        pagerank[org_id] = float(pr or 0.0)
    order = sorted(by_community, key=lambda c: (-len(by_community[c]), c))
    stored = NetworkResult("stored", len(names), 0, 0.0, 0, 0, metrics={"pagerank": pagerank},
                           communities=[sorted(by_community[c]) for c in order])
    summary = community_indicators(stored, names, sizes, public, top_members=members)[:top]
    ids = [order[c.community] for c in summary]
    buyers: dict[Any, list[dict[str, Any]]] = {}
    awards_total: dict[Any, int] = defaultdict(int)
    if ids:
        buyer_rows = _rows(store, Q_COMMUNITY_BUYERS, {"ids": ids})
        for r in buyer_rows:
            awards_total[r["community"]] += _int(r["awards"])
        buyers = _top_by(((r["community"], r) for r in buyer_rows), 3, lambda r: (-_int(r["awards"]), r["org_id"]))
    listed = []
    for cid, c in zip(ids, summary):
        listed.append(
            {
                "community": cid,
                "size": c.size,
                "sme_share": _r6(c.sme_share),
                "size_known": c.sized_members,
                "public_members": c.public_members,
                "leading_members": [
                    {"org_id": org_id, "name": name or org_id, "pagerank": _r6(pr) if org_id in pagerank else None}
                    for org_id, name, pr in c.dominant
                ],
                "dominant_buyers": [
                    {**_org_ref(b), "awards": _int(b["awards"]), "share": _share(_int(b["awards"]), awards_total[cid])}
                    for b in buyers.get(cid, [])
                ],
                "awards_received": awards_total[cid],
            }
        )
    return {"count": len(order), "sizes": [len(by_community[c]) for c in order], "largest": listed}


def _r6(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def buyer_row(m: MarketIndicators, names: Mapping[str, str | None]) -> dict[str, Any]:
    """One buyer's (or a pooled county's) indicators from graph.indicators, as the report shows them.

    ``names`` gives the name of the top supplier. ``signals`` words the figures that pass a
    threshold as indicators worth a closer look, never as findings.
    """
    row: dict[str, Any] = {
        "org_id": m.key,
        "name": m.name or m.key,
        "buyers": m.buyers,
        "procurements": m.procurements,
        "awards": m.awards,
        "distinct_suppliers": m.suppliers,
        "hhi": _r6(m.hhi_count),
        "hhi_value": _r6(m.hhi_value),
        "top_supplier": {"org_id": m.top_supplier, "name": names.get(m.top_supplier) or m.top_supplier} if m.top_supplier else None,
        "top_supplier_share": _r6(m.top_share_count),
        "top_supplier_share_value": _r6(m.top_share_value),
        "sme_share": _r6(m.sme_share_count),
        "sme_share_value": _r6(m.sme_share_value),
        "sme_awards": round((m.sme_share_count or 0.0) * m.sized_awards),
        "size_known_awards": m.sized_awards,
        "value": round(m.value, 2),
        "valued_awards": m.valued_awards,
    }
    for flag, short in (("env_sustainable", "env"), ("social_sustainable", "social"), ("innovation", "innovation"),
                        ("coordinated", "coordinated")):
        row[f"{short}_share"] = _r6(getattr(m, FLAG_SHARES[flag]))
        row[f"{short}_known"] = int(m.flag_known.get(flag, 0))
        row[f"{short}_flagged"] = int(m.flag_true.get(flag, 0))
    row["signals"] = _signals(row)
    return row


def _signals(row: Mapping[str, Any]) -> list[str]:
    """Indicator wording for one buyer: what to look at, never a conclusion."""
    signals: list[str] = []
    if row["awards"] < MIN_AWARDS_FOR_SIGNAL:
        return signals
    if row["hhi"] is not None and row["hhi"] >= HHI_HIGH:
        signals.append(f"supplier concentration indicator: HHI {row['hhi']:.2f} (≥ {HHI_HIGH:.2f}) over {row['awards']} awards")
    if row["top_supplier_share"] is not None and row["top_supplier_share"] >= TOP_SUPPLIER_HIGH:
        signals.append(
            f"single-supplier dependence indicator: one supplier holds {row['top_supplier_share']:.0%} of {row['awards']} awards"
        )
    if row["sme_share"] is not None and row["size_known_awards"] >= MIN_AWARDS_FOR_SIGNAL and row["sme_share"] < SME_SHARE_LOW:
        signals.append(
            f"low SME participation indicator: {row['sme_share']:.0%} of {row['size_known_awards']} awards with known supplier size"
        )
    return signals


def _names(store: Any, ids: Iterable[str | None]) -> dict[str, str | None]:
    wanted = sorted({i for i in ids if i})
    return {r["org_id"]: r["name"] for r in _rows(store, Q_ORG_NAMES, {"ids": wanted})} if wanted else {}


def _by_awards(m: MarketIndicators) -> tuple[Any, ...]:
    return (-m.awards, -m.procurements, m.key)


def _buyer_rows(
    store: Any, ms: Iterable[MarketIndicators], top: int | None = None, key: Callable[[MarketIndicators], Any] = _by_awards
) -> list[dict[str, Any]]:
    """Report rows of the first ``top`` of ``ms`` ranked by ``key`` (default: most awards, then id)."""
    ranked = sorted(ms, key=key)[:top]
    names = _names(store, (m.top_supplier for m in ranked))
    return [buyer_row(m, names) for m in ranked]


def _coverage_dict(coverage: Mapping[str, Coverage]) -> dict[str, dict[str, int]]:
    return {k: {"with_data": c.with_data, "missing": c.missing, "not_applicable": c.not_applicable} for k, c in sorted(coverage.items())}


def _bridges(store: Any, ind: Indicators, top: int) -> dict[str, Any]:
    chosen = ind.bridges[:top]
    details = {r["org_id"]: r for r in _rows(store, Q_ORG_NAMES, {"ids": [b.org_id for b in chosen]})} if chosen else {}
    rows = [
        {
            "org_id": b.org_id,
            "name": b.name or b.org_id,
            "projects": b.projects,
            "procurements_as_buyer": b.procurements_as_buyer,
            "awards_as_supplier": b.awards_as_supplier,
            "pagerank": _r6(details[b.org_id]["pagerank"]),
        }
        for b in chosen
    ]
    return {
        "count": len(ind.bridges),
        "as_buyer": sum(1 for b in ind.bridges if b.procurements_as_buyer),
        "as_supplier": sum(1 for b in ind.bridges if b.awards_as_supplier),
        "top": rows,
    }


def _chart_data(store: Any, ind: Indicators, communities: Mapping[str, Any]) -> dict[str, Any]:
    # SME share of awards by the buyers' county (NUTS 3), as graph.indicators pools them.
    sme_by_county = [
        {"nuts_code": m.key, "name": m.name or m.key, "buyers": m.buyers, "awards": m.awards,
         "size_known": m.sized_awards, "sme_share": _r6(m.sme_share_count)}
        for m in ind.counties
    ]
    degrees = [{"degree": _int(r["degree"]), "organisations": _int(r["n"])} for r in _rows(store, Q_DEGREES)]
    by_fund = [
        {"fund": r["fund"], "currency": r["currency"], "projects": _int(r["projects"]), "amount": _money(r["amount"]) or 0.0}
        for r in _rows(store, Q_MONEY_BY_FUND)
    ]
    group_names = {r["code"]: r["name"] for r in _rows(store, Q_CPV_GROUP_NAMES)}
    cpv: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: {"procurements": 0, "amount": 0.0})
    for r in _rows(store, Q_MONEY_BY_CPV):
        digits = re.sub(r"\D", "", str(r["cpv"]))[:2]
        if len(digits) < 2:
            continue
        cslot = cpv[(digits, r["currency"])]
        cslot["procurements"] += _int(r["procurements"])
        cslot["amount"] += float(_py(r["amount"]) or 0.0)
    by_cpv = [
        {"cpv_group": g, "name": group_names.get(g), "currency": cur, "procurements": int(s["procurements"]),
         "amount": round(s["amount"], 2)}
        for (g, cur), s in sorted(cpv.items(), key=lambda kv: (-kv[1]["amount"], kv[0]))
    ]
    return {
        "sme_share_by_county": sme_by_county,
        "degree_distribution": degrees,
        "money_by_fund": by_fund,
        "money_by_cpv_group": by_cpv,
        "community_sizes": list(communities["sizes"]),
    }


def _region_row(store: Any, code: str) -> dict[str, Any]:
    """The Region node named by a NUTS code, or else by its name in any letter case."""
    found = _rows(store, Q_REGION, {"code": code.strip()}) or _rows(store, Q_REGION_BY_NAME, {"name": code.strip()})
    if len(found) > 1:
        raise ReportError(f"region {code!r} names {len(found)} regions ({', '.join(r['nuts_code'] for r in found)}); give the NUTS code")
    if not found:
        raise ReportError(
            f"region {code!r} is not in the graph. Give a NUTS code that was loaded (e.g. SE313 for "
            "Gävleborgs län); `stakenet load nuts` loads the classification."
        )
    return found[0]


def _region(store: Any, code: str, ind: Indicators, top: int) -> dict[str, Any]:
    region = _region_row(store, code)
    org_ids = {r["org_id"] for r in _rows(store, Q_REGION_ORGS, {"code": code})}
    projects = _rows(store, Q_REGION_PROJECTS, {"code": code})
    project_ids = sorted({p["project_id"] for p in projects})
    funds: dict[str, set[str]] = defaultdict(set)
    if project_ids:
        for r in _rows(store, Q_REGION_PROJECT_FUNDS, {"code": code}):
            funds[r["project_id"]].add(r["fund"])
    money: dict[str, float] = defaultdict(float)
    seen: set[str] = set()
    project_info: dict[str, dict[str, Any]] = {}
    for p in sorted(projects, key=lambda p: p["project_id"]):
        if p["project_id"] in seen:
            continue
        seen.add(p["project_id"])
        project_info[p["project_id"]] = p
        if p["eu_budget"] is not None:
            money[p["currency"]] += float(p["eu_budget"])
    by_fund: dict[str, int] = defaultdict(int)
    for pid in project_ids:
        for f in sorted(funds.get(pid, ())) or ["unknown"]:
            by_fund[f] += 1
    # Beneficiaries of the region's projects belong to the region's network even when their own
    # address is elsewhere or unknown (procurement data carries no buyer address).
    beneficiaries: dict[str, dict[str, Any]] = {}
    if project_ids:
        for r in _rows(store, Q_REGION_BENEFICIARIES, {"code": code}):
            b = beneficiaries.setdefault(
                r["org_id"], {**_org_ref(r), "projects": 0, "by_fund": defaultdict(int), "granted": defaultdict(float)}
            )
            b["projects"] += 1
            info = project_info[r["project_id"]]
            for f in sorted(funds.get(r["project_id"], ())) or ["unknown"]:
                b["by_fund"][f] += 1
            if info["eu_budget"] is not None:
                b["granted"][info["currency"]] += float(info["eu_budget"])
    ben_rows = [
        {
            "org_id": b["org_id"],
            "name": b["name"],
            "projects": b["projects"],
            "projects_by_fund": dict(sorted(b["by_fund"].items())),
            "granted": {c: round(v, 2) for c, v in sorted(b["granted"].items())},
        }
        for b in beneficiaries.values()
    ]
    ben_rows.sort(key=lambda b: (-sum(b["granted"].values()), -b["projects"], b["org_id"]))
    network_ids = sorted(org_ids | set(beneficiaries))
    wanted = set(network_ids)
    in_region = [m for m in ind.buyers if m.key in wanted]
    county = next((m for m in ind.counties if m.key == code), None)
    total_awards = sum(m.awards for m in in_region)
    known = sum(m.sized_awards for m in in_region)
    sme = sum(round((m.sme_share_count or 0.0) * m.sized_awards) for m in in_region)
    return {
        "nuts_code": region["nuts_code"],
        "name": region["name"],
        "level": region["level"],
        "parents": [_region_ref(r) for r in _rows(store, Q_REGION_PARENTS, {"code": code})],
        "children": [_region_ref(r) for r in _rows(store, Q_REGION_CHILDREN, {"code": code})],
        "organisations_located": len(org_ids),
        "projects": len(project_ids),
        "projects_by_fund": dict(sorted(by_fund.items())),
        "eu_budget": {c: round(v, 2) for c, v in sorted(money.items())},
        "beneficiaries": len(ben_rows),
        "top_beneficiaries": ben_rows[:top],
        "buyers": len(in_region),
        "awards": total_awards,
        "sme_share": _share(sme, known),
        "size_known_awards": known,
        "top_buyers": _buyer_rows(store, in_region, top),
        "county_indicators": _buyer_rows(store, [county])[0] if county else None,
    }


def _region_ref(r: Mapping[str, Any]) -> dict[str, Any]:
    return {"nuts_code": r["nuts_code"], "name": r["name"]}


def resolve_org(store: Any, ref: str) -> str:
    """The ``org_id`` that ``ref`` names, through the one resolver every command uses (graph/lookup.py).

    Raises ReportError with close names when ``ref`` names no organisation, the candidates when several.
    """
    try:
        return resolve_organisation(store, ref)[0]
    except ReportError:
        raise
    except StakenetError as exc:
        raise ReportError(f"--org: {exc}") from exc


def _org(store: Any, org_id: str, ind: Indicators, top: int) -> dict[str, Any]:
    o = _rows(store, Q_ORG, {"id": org_id})[0]
    metrics = {k: o[k] for k in ("degree", "strength", "pagerank", "betweenness", "eigenvector", "core", "community")}
    metrics = {k: (round(float(v), 6) if isinstance(v, float) else v) for k, v in metrics.items()}
    projects = sorted(_rows(store, Q_ORG_PROJECTS, {"id": org_id}), key=lambda p: (-(p["eu_budget"] or 0.0), p["project_id"]))
    funds: dict[str, set[str]] = defaultdict(set)
    if projects:
        for r in _rows(store, Q_ORG_PROJECT_FUNDS, {"id": org_id}):
            funds[r["project_id"]].add(r["fund"])
    by_fund: dict[str, int] = defaultdict(int)
    granted: dict[str, float] = defaultdict(float)
    for p in projects:
        for f in sorted(funds.get(p["project_id"], ())) or ["unknown"]:
            by_fund[f] += 1
        if p["eu_budget"] is not None:
            granted[p["currency"]] += float(p["eu_budget"])
    bought = [m for m in ind.buyers if m.key == org_id]
    as_buyer = _buyer_rows(store, bought, 1)
    suppliers = _rows(store, Q_BUYER_SUPPLIERS, {"id": org_id, "n": top}) if bought else []
    customers = _rows(store, Q_ORG_CUSTOMERS, {"id": org_id})
    return {
        "org_id": o["org_id"],
        "name": o["name"] or o["org_id"],
        "aliases": sorted(o["aliases"] or []),
        "org_number": o["org_number"],
        "org_number_valid": o["org_number_valid"],
        "country": o["country"],
        "sector": o["sector"],
        "legal_form": o["legal_form"],
        "size": o["size"],
        "is_public": o["is_public"],
        "quality": o["quality"],
        "source": o["source"],
        "metrics": metrics,
        "regions": [_region_ref(r) for r in _rows(store, Q_ORG_REGIONS, {"id": org_id})],
        "beneficiary": {
            "projects": len(projects),
            "projects_by_fund": dict(sorted(by_fund.items())),
            "granted": {c: round(v, 2) for c, v in sorted(granted.items())},
            "top_projects": [
                {"project_id": p["project_id"], "title": p["title"], "role": p["role"], "currency": p["currency"],
                 "eu_budget": _money(p["eu_budget"]), "start_date": p["start_date"], "end_date": p["end_date"]}
                for p in projects[:top]
            ],
            "partners": [
                {**_org_ref(r), "projects": _int(r["projects"])}
                for r in _rows(store, Q_ORG_PARTNERS, {"id": org_id, "n": top})
            ],
        },
        "buyer": as_buyer[0] if as_buyer else None,
        "top_suppliers": [
            {**_org_ref(r), "size": r["size"], "awards": _int(r["awards"]), "share": _share(_int(r["awards"]), bought[0].awards)}
            for r in suppliers
        ],
        "supplier": {
            "awards": sum(_int(c["awards"]) for c in customers),
            "buyers": len(customers),
            "top_buyers": [{**_org_ref(c), "awards": _int(c["awards"])} for c in customers[:top]],
        },
    }


def _views(region: str | None, org: Mapping[str, Any] | None, communities: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The interactive pages that match this report: file names relative to the report (as
    `stakenet view ... --out <report folder>` names them) and the command that makes each."""
    from graph.neighbourhood import slug

    views = [{"title": "Stakeholder network", "file": "network.html", "command": "stakenet view network --out ."}]
    if region:
        views.append({"title": f"Region {region}", "file": f"{slug('region', region)}.html",
                      "command": f"stakenet view region {shlex.quote(region)} --out ."})
    if org:
        org_id = str(org["org_id"])
        views.append({"title": f"Ego network of {org['name']}", "file": f"{slug('ego', org_id)}.html",
                      "command": f"stakenet view ego {shlex.quote(org_id)} --out ."})
        if org["buyer"]:
            views.append({"title": f"Supplier market of {org['name']}", "file": f"{slug('market', org_id)}.html",
                          "command": f"stakenet view market --buyer {shlex.quote(org_id)} --out ."})
    for c in communities[:3]:
        views.append({"title": f"Community {c['community']} ({c['size']:,} organisations)",
                      "file": f"{slug('community', c['community'])}.html",
                      "command": f"stakenet view community {c['community']} --out ."})
    return views


def _now_text(now: datetime | str | None) -> str:
    if now is None:
        now = datetime.now(UTC)
    if isinstance(now, datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        return now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return str(now)


def collect_report(
    store: Any,
    *,
    region: str | None = None,
    org: str | None = None,
    top: int = 10,
    synthetic: bool = False,
    command: str | None = None,
    now: datetime | str | None = None,
    version: str | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Everything the report shows, as a JSON-ready dict following report.schema.json.

    ``now``, ``version`` and ``command`` are what the report states about its making; tests fix
    them so that the output is byte-identical across runs. ``progress`` is called with the name of
    each step as it starts.
    """
    if top < 1:
        raise ReportError(f"--top must be at least 1, got {top}")

    def step(name: str) -> None:
        if progress:
            progress(name)

    # Check what the user named before the long steps, so a typo fails fast.
    if region:
        region = str(_region_row(store, region)["nuts_code"])
    org_id = resolve_org(store, org) if org else None
    step("overview")
    overview = _overview(store)
    coverage = _metric_coverage(store)
    step("top organisations")
    top_orgs = _top(store, top)
    step("indicators")
    ind = compute_indicators(store)
    step("communities")
    communities = _communities(store, top)
    buyers = _buyer_rows(store, ind.buyers, top)
    bridges = _bridges(store, ind, top)
    step("chart data")
    charts = _chart_data(store, ind, communities)
    region_part = None
    if region:
        step(f"region {region}")
        region_part = _region(store, region, ind, top)
    org_part = None
    if org_id:
        step(f"organisation {org_id}")
        org_part = _org(store, org_id, ind, top)
    notes = []
    if not coverage["pagerank"]:
        notes.append("Network metrics are not in the graph yet: run `stakenet analyze` for PageRank, betweenness and communities.")
    if synthetic:
        notes.insert(0, "SYNTHETIC DATA: every name and figure in this report is generated; nothing here is real.")
    return {
        "format": REPORT_FORMAT,
        "meta": {
            "title": _title(region_part, org_part),
            "stakenet_version": version or __version__,
            "generated_at": _now_text(now),
            "command": command or "stakenet report",
            "store": getattr(store, "dialect", "unknown"),
            "synthetic": synthetic,
            "parameters": {"region": region, "org": org, "top": top},
            "metric_coverage": coverage,
            "notes": notes,
        },
        "overview": overview,
        "top": top_orgs,
        "communities": communities,
        "buyers": {
            "caveat": INDICATOR_CAVEAT,
            "thresholds": _thresholds(),
            "count": len(ind.buyers),
            "coverage": _coverage_dict(ind.buyer_coverage),
            "located_in_county": ind.buyers_located.with_data,
            "top": buyers,
            "most_concentrated": _buyer_rows(
                store, (m for m in ind.buyers if m.awards >= MIN_AWARDS_FOR_SIGNAL and m.hhi_count is not None), top,
                key=lambda m: (-(m.hhi_count or 0.0), m.key)),
            "lowest_sme_share": _buyer_rows(
                store, (m for m in ind.buyers if m.sized_awards >= MIN_AWARDS_FOR_SIGNAL and m.sme_share_count is not None),
                top, key=lambda m: (m.sme_share_count or 0.0, m.key)),
        },
        "bridges": bridges,
        "region": region_part,
        "org": org_part,
        "charts": charts,
        "views": _views(region, org_part, communities["largest"]),
    }


def _thresholds() -> dict[str, float]:
    return {
        "hhi_high": HHI_HIGH,
        "top_supplier_high": TOP_SUPPLIER_HIGH,
        "sme_share_low": SME_SHARE_LOW,
        "min_awards": MIN_AWARDS_FOR_SIGNAL,
    }


def _title(region: Mapping[str, Any] | None, org: Mapping[str, Any] | None) -> str:
    parts = ["stakenet network report"]
    if region:
        parts.append(f"{region['name']} ({region['nuts_code']})")
    if org:
        parts.append(str(org["name"]))
    return ": ".join(parts[:1]) + (" — " + ", ".join(parts[1:]) if len(parts) > 1 else "")


# -- JSON schema --------------------------------------------------------------------------------


def load_schema() -> dict[str, Any]:
    """The JSON Schema of the report (graph/schemas/report.schema.json)."""
    text = resources.files("graph.schemas").joinpath("report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_report(data: Mapping[str, Any]) -> None:
    """Raise ReportError when ``data`` does not follow report.schema.json."""
    import jsonschema

    try:
        jsonschema.validate(data, load_schema(), cls=jsonschema.Draft202012Validator)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise ReportError(f"report JSON does not follow report.schema.json at {where}: {exc.message}") from exc


def to_json(data: Mapping[str, Any]) -> str:
    """The report as stable JSON text (sorted keys, UTF-8 characters kept)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# -- charts -------------------------------------------------------------------------------------

CHART_TITLES = {
    "sme_share_by_county": "SME share of awards by buyer county (NUTS 3)",
    "degree_distribution": "Degree distribution (log-log)",
    "money_by_fund": "EU budget by fund",
    "money_by_cpv_group": "Procurement value by CPV group",
    "community_sizes": "Community sizes",
}


def render_charts(data: Mapping[str, Any]) -> dict[str, bytes]:
    """PNG bytes per chart name, for the charts whose data are not empty (deterministic output)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    charts = data["charts"]
    out: dict[str, bytes] = {}

    def figure() -> tuple[Figure, Any]:
        fig = Figure(figsize=(7, 3.6), dpi=100)
        FigureCanvasAgg(fig)
        return fig, fig.add_subplot(111)

    def save(name: str, fig: Figure, ax: Any) -> None:
        ax.set_title(CHART_TITLES[name])
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        out[name] = buf.getvalue()

    rows = [r for r in charts["sme_share_by_county"] if r["sme_share"] is not None]
    if rows:
        fig, ax = figure()
        ax.bar([r["nuts_code"] for r in rows], [100 * r["sme_share"] for r in rows], color="#3b7dd8")
        ax.set_ylabel("% of awards to SMEs")
        ax.set_ylim(0, 100)
        ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        save("sme_share_by_county", fig, ax)
    degrees = [r for r in charts["degree_distribution"] if r["degree"] > 0]
    if degrees:
        fig, ax = figure()
        ax.loglog([r["degree"] for r in degrees], [r["organisations"] for r in degrees], "o", markersize=3, color="#d8603b")
        ax.set_xlabel("degree")
        ax.set_ylabel("organisations")
        save("degree_distribution", fig, ax)
    funds = charts["money_by_fund"]
    if funds:
        fig, ax = figure()
        one = len({r["currency"] for r in funds}) == 1
        labels = [f"{r['fund']}{'' if one else ' ' + r['currency']}".strip() for r in funds]
        ax.bar(labels, [r["amount"] / 1e6 for r in funds], color="#3bb273")
        ax.set_ylabel(f"EU budget, millions{' ' + funds[0]['currency'] if one else ''}")
        save("money_by_fund", fig, ax)
    cpv = charts["money_by_cpv_group"][:15]
    if cpv:
        fig, ax = figure()
        one = len({r["currency"] for r in cpv}) == 1
        labels = [f"{r['cpv_group']} {(r['name'] or '')[:32]}{'' if one else ' ' + r['currency']}".strip() for r in cpv]
        ax.barh(labels[::-1], [r["amount"] / 1e6 for r in cpv][::-1], color="#8a5cd8")
        ax.set_xlabel(f"contract value, millions{' ' + cpv[0]['currency'] if one else ''}")
        ax.tick_params(axis="y", labelsize=7)
        save("money_by_cpv_group", fig, ax)
    sizes = charts["community_sizes"]
    if sizes:
        fig, ax = figure()
        shown = sizes[:30]
        ax.bar(range(1, len(shown) + 1), shown, color="#d8b43b")
        ax.set_xlabel(f"community rank (largest {len(shown)} of {len(sizes)})")
        ax.set_ylabel("organisations")
        save("community_sizes", fig, ax)
    return out


# -- Markdown -----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\*_\[\]|])")


def md_escape(value: Any) -> str:
    """Text from data made safe for a Markdown table cell (tags escaped, Markdown marks escaped).

    >>> md_escape("<b>A|B</b>")
    '&lt;b&gt;A\\\\|B&lt;/b&gt;'
    """
    text = "" if value is None else str(value)
    # < and > are what could open raw HTML in a Markdown viewer; & stays readable (A & B).
    text = text.replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ").replace("\r", " ")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if text.count("`") % 2:  # an unbalanced backtick would open a code span over the rest of the line
        text = text.replace("`", "\\`")
    return "\\" + text if text.startswith("#") else text


def _fmt_share(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _fmt_money(value: float | None, currency: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f} {currency}".strip()


def _fmt_num(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _fmt_amounts(amounts: Mapping[str, float]) -> str:
    return ", ".join(_fmt_money(v, c) for c, v in amounts.items()) or "n/a"


def _fmt_counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def _org_cell(row: Mapping[str, Any]) -> str:
    return f"{row['name']} ({row['org_id']})"


@dataclass
class _Table:
    """A table both renderers draw: header and plain-text cells (escaping is the renderer's job)."""

    header: list[str]
    rows: list[list[str]]


def _sections(data: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
    """The report as (heading, blocks) where a block is a paragraph string, a list of strings or a _Table."""
    meta, ov = data["meta"], data["overview"]
    sections: list[tuple[str, list[Any]]] = []

    q = ov["quality"]
    blocks: list[Any] = [
        f"{ov['total_nodes']:,} nodes and {ov['total_relationships']:,} relationships.",
        _Table(["node label", "count"], [[k, _fmt_num(v)] for k, v in ov["nodes"].items()]),
        _Table(["relationship type", "count"], [[k, _fmt_num(v)] for k, v in ov["relationships"].items()]),
    ]
    if ov["sources"]:
        blocks.append(
            _Table(
                ["source", "kind", "path", "loaded at", "rows", "rejected", "notes"],
                [[s["source_id"], s["kind"] or "", s["path"] or "", s["loaded_at"] or "", _fmt_num(s["rows"]),
                  _fmt_num(s["rejected"]), s["notes"] or ""] for s in ov["sources"]],
            )
        )
    else:
        blocks.append("No provenance (Source) nodes in the graph: the loader that made it did not record its files.")
    blocks.append(
        [
            f"{q['organisations']:,} organisations, {q['with_org_number']:,} with an organisation number, "
            f"{q['without_org_number']:,} without: {q['name_only']:,} known by name only (names not matched to a "
            f"numbered organisation), {q['anonymous']:,} anonymous (redacted persons), "
            f"{q['without_org_number'] - q['name_only'] - q['anonymous']:,} keyed otherwise (e.g. foreign)",
            f"{q['invalid_org_numbers']:,} organisation numbers fail their check digit or format"
            + (" (e.g. " + "; ".join(f"{e['name']} {e['org_number']}" for e in q["invalid_examples"]) + ")"
               if q["invalid_examples"] else ""),
            f"{q['rejected_rows']:,} source rows rejected at load",
            *[f"quality flag `{k}`: {v:,} organisations" for k, v in q["flags"].items()],
        ]
    )
    sections.append(("Overview", blocks))

    top = data["top"]
    blocks = []
    for metric, label in (("pagerank", "PageRank"), ("betweenness", "Betweenness")):
        if top[metric]:
            blocks.append(f"By {label}:")
            blocks.append(_Table(["#", "organisation", label], [[str(i), _org_cell(r), f"{r['value']:.6f}"] for i, r in enumerate(top[metric], 1)]))
        else:
            blocks.append(f"{label}: not computed (run `stakenet analyze`).")
    if top["money_received"]:
        blocks.append("Money received from EU projects (EU budget of the projects they take part in):")
        blocks.append(_Table(["organisation", "projects", "EU budget"], [[_org_cell(r), _fmt_num(r["projects"]), _fmt_money(r["amount"], r["currency"])] for r in top["money_received"]]))
    if top["money_awarded"]:
        blocks.append("Money awarded through procurement (contract value, as buyer):")
        blocks.append(_Table(["organisation", "procurements", "value"], [[_org_cell(r), _fmt_num(r["procurements"]), _fmt_money(r["amount"], r["currency"])] for r in top["money_awarded"]]))
    if top["awards_won"]:
        blocks.append("Awards won (as supplier):")
        blocks.append(_Table(["organisation", "size", "awards", "procurements"], [[_org_cell(r), r["size"] or "unknown", _fmt_num(r["awards"]), _fmt_num(r["procurements"])] for r in top["awards_won"]]))
    sections.append(("Top organisations", blocks))

    com = data["communities"]
    if com["largest"]:
        blocks = [
            f"{com['count']:,} communities (Louvain, seeded). The largest:",
            _Table(
                ["community", "size", "SME share (known size)", "leading members", "dominant buyers (share of awards)"],
                [
                    [str(c["community"]), _fmt_num(c["size"]), f"{_fmt_share(c['sme_share'])} of {c['size_known']:,}",
                     "; ".join(m["name"] for m in c["leading_members"]),
                     "; ".join(f"{b['name']} ({_fmt_share(b['share'])})" for b in c["dominant_buyers"]) or "none"]
                    for c in com["largest"]
                ],
            ),
        ]
    else:
        blocks = ["Communities are not computed yet (run `stakenet analyze`)."]
    sections.append(("Communities", blocks))

    b = data["buyers"]
    cov = b["coverage"]
    sections.append(("Buyer indicators", [
        b["caveat"],
        f"{b['count']:,} buyers, {b['located_in_county']:,} of them placed in a county. The {len(b['top'])} with the most awards:",
        *_buyer_blocks(b["top"]),
        f"Highest supplier concentration (HHI by awards; buyers with at least {MIN_AWARDS_FOR_SIGNAL} awards):",
        *_buyer_blocks(b["most_concentrated"]),
        f"Lowest SME share (buyers with at least {MIN_AWARDS_FOR_SIGNAL} awards of known supplier size):",
        *_buyer_blocks(b["lowest_sme_share"]),
        "Coverage (buyers with data / missing / not applicable): " + "; ".join(
            f"{k} {c['with_data']:,}/{c['missing']:,}/{c['not_applicable']:,}" for k, c in cov.items()),
    ]))

    br = data["bridges"]
    blocks = [
        f"{br['count']:,} organisations take part in EU projects and in procurement "
        f"({br['as_buyer']:,} as buyers, {br['as_supplier']:,} as suppliers)."
    ]
    if br["top"]:
        blocks.append(_Table(["organisation", "EU projects", "procurements as buyer", "awards as supplier", "PageRank"],
                             [[_org_cell(r), _fmt_num(r["projects"]), _fmt_num(r["procurements_as_buyer"]), _fmt_num(r["awards_as_supplier"]), _fmt_num(r["pagerank"])] for r in br["top"]]))
    sections.append(("Bridges between EU funding and procurement", blocks))

    if data["region"]:
        sections.append((f"Region profile: {data['region']['name']} ({data['region']['nuts_code']})", _region_blocks(data["region"])))
    if data["org"]:
        sections.append((f"Organisation profile: {data['org']['name']}", _org_blocks(data["org"])))
    sections.append(("Interactive views", [
        "Pages to explore beside this report. If one is missing, run its command in the report's folder "
        "(with the same --db or --neo4j-uri as the report):",
        _Table(["view", "file", "command"], [[v["title"], v["file"], v["command"]] for v in data["views"]]),
    ]))
    sections.append(("About this report", [[
        f"stakenet {meta['stakenet_version']}, store: {meta['store']}",
        f"command: {meta['command']}",
        f"generated at {meta['generated_at']}",
        f"metric coverage: {_fmt_counts(meta['metric_coverage'])}",
    ]]))
    return sections


def _buyer_blocks(buyers: Sequence[Mapping[str, Any]], label: str = "buyer") -> list[Any]:
    if not buyers:
        return ["No procurements in the graph."]
    blocks: list[Any] = [
        _Table(
            [label, "awards", "suppliers", "HHI", "top supplier (share)", "SME share (n)", "env. sust. flagged",
             "social flagged", "innovation flagged"],
            [
                [_org_cell(r), _fmt_num(r["awards"]), _fmt_num(r["distinct_suppliers"]), _fmt_num(r["hhi"]),
                 f"{r['top_supplier']['name']} ({_fmt_share(r['top_supplier_share'])})" if r["top_supplier"] else "n/a",
                 f"{_fmt_share(r['sme_share'])} ({r['size_known_awards']:,})",
                 *(_flagged_cell(r, short) for short in ("env", "social", "innovation"))]
                for r in buyers
            ],
        )
    ]
    blocks.append(
        "Flagged columns: procurements flagged environmentally sustainable, socially sustainable or innovation "
        "procurement, of all the buyer's procurements. The Swedish statistics mark only flagged procurements "
        "(an empty flag means not reported, not 'no'), so these shares are lower bounds; the JSON also gives "
        "the share among procurements whose flag was reported either way (`*_share`, `*_known`)."
    )
    signals = [f"{r['name']}: {s}" for r in buyers for s in r["signals"]]
    if signals:
        blocks.append("Indicators worth a closer look:")
        blocks.append(signals)
    return blocks


def _flagged_cell(row: Mapping[str, Any], short: str) -> str:
    """'12.0% (89 of 730)': procurements flagged so, of all the buyer's procurements."""
    flagged, total = row[f"{short}_flagged"], row["procurements"]
    return f"{_fmt_share(_share(flagged, total))} ({flagged:,} of {total:,})"


def _regions_text(regions: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(f"{r['name']} ({r['nuts_code']})" for r in regions)


def _region_blocks(r: Mapping[str, Any]) -> list[Any]:
    blocks: list[Any] = [[
        f"NUTS level {r['level']}; part of: {_regions_text(r['parents']) or 'n/a'}",
        f"sub-regions: {_regions_text(r['children']) or 'none'}",
        f"{r['organisations_located']:,} organisations located here; {r['beneficiaries']:,} beneficiaries of its projects",
        f"{r['projects']:,} EU projects ({_fmt_counts(r['projects_by_fund'])}), EU budget {_fmt_amounts(r['eu_budget'])}",
        f"{r['buyers']:,} buyers in the region's network with {r['awards']:,} awards; SME share "
        f"{_fmt_share(r['sme_share'])} of {r['size_known_awards']:,} awards with known supplier size",
    ]]
    if r["top_beneficiaries"]:
        blocks.append("Beneficiaries of the region's EU projects:")
        blocks.append(_Table(["organisation", "projects", "by fund", "granted"],
                             [[_org_cell(b), _fmt_num(b["projects"]), _fmt_counts(b["projects_by_fund"]), _fmt_amounts(b["granted"])] for b in r["top_beneficiaries"]]))
    if r["county_indicators"]:
        blocks.append("The county's buyers pooled (buyers placed in this county by their own location (procurement buyers: placed by name at load) or by their projects):")
        blocks.extend(_buyer_blocks([r["county_indicators"]], "county"))
    if r["top_buyers"]:
        blocks.append("Buyers in the region's network (located here, or beneficiaries of its projects):")
        blocks.extend(_buyer_blocks(r["top_buyers"]))
    return blocks


def _org_blocks(o: Mapping[str, Any]) -> list[Any]:
    ben, sup = o["beneficiary"], o["supplier"]
    m = o["metrics"]
    blocks: list[Any] = [[
        f"org_id {o['org_id']}; organisation number {o['org_number'] or 'unknown'}"
        + (" (fails its check digit)" if o["org_number_valid"] is False else ""),
        f"sector {o['sector'] or 'unknown'}; legal form {o['legal_form'] or 'unknown'}; size {o['size'] or 'unknown'}; country {o['country'] or 'unknown'}",
        f"also known as: {', '.join(o['aliases']) or 'no other names'}",
        f"located in: {_regions_text(o['regions']) or 'unknown'}",
        f"metrics: PageRank {_fmt_num(m['pagerank'])}, betweenness {_fmt_num(m['betweenness'])}, degree {_fmt_num(m['degree'])}, community {_fmt_num(m['community'])}",
        f"sources: {o['source'] or 'unknown'}" + (f"; quality flags: {o['quality']}" if o["quality"] else ""),
        f"EU projects: {ben['projects']:,} ({_fmt_counts(ben['projects_by_fund'])}), granted {_fmt_amounts(ben['granted'])}",
        f"as supplier: {sup['awards']:,} awards from {sup['buyers']:,} buyers",
    ]]
    if ben["top_projects"]:
        blocks.append(_Table(["project", "title", "role", "EU budget", "period"],
                             [[p["project_id"], p["title"] or "", p["role"] or "", _fmt_money(p["eu_budget"], p["currency"]), f"{p['start_date'] or '?'} – {p['end_date'] or '?'}"] for p in ben["top_projects"]]))
    if ben["partners"]:
        blocks.append("Project partners:")
        blocks.append(_Table(["organisation", "shared projects"], [[_org_cell(p), _fmt_num(p["projects"])] for p in ben["partners"]]))
    if o["buyer"]:
        blocks.append("As buyer:")
        blocks.extend(_buyer_blocks([o["buyer"]]))
        blocks.append(_Table(["supplier", "size", "awards", "share"], [[_org_cell(s), s["size"] or "unknown", _fmt_num(s["awards"]), _fmt_share(s["share"])] for s in o["top_suppliers"]]))
    if sup["top_buyers"]:
        blocks.append("Buyers awarding to it:")
        blocks.append(_Table(["buyer", "awards"], [[_org_cell(b), _fmt_num(b["awards"])] for b in sup["top_buyers"]]))
    return blocks


def _md_code(text: str) -> str:
    return text.replace("`", "'")


def render_markdown(data: Mapping[str, Any], chart_files: Mapping[str, str] | None = None) -> str:
    """The report as Markdown; ``chart_files`` maps chart names to image paths relative to the file."""
    meta = data["meta"]
    lines = [f"# {md_escape(meta['title'])}", ""]
    for note in meta["notes"]:
        lines += [f"> **{md_escape(note)}**", ""]
    lines += [f"stakenet {md_escape(meta['stakenet_version'])} · generated {md_escape(meta['generated_at'])} · `{_md_code(meta['command'])}`", ""]
    for heading, blocks in _sections(data):
        lines += [f"## {md_escape(heading)}", ""]
        for block in blocks:
            if isinstance(block, _Table):
                lines.append("| " + " | ".join(md_escape(h) for h in block.header) + " |")
                lines.append("|" + "---|" * len(block.header))
                lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in block.rows]
            elif isinstance(block, list):
                lines += [f"- {md_escape(item)}" for item in block]
            else:
                lines.append(md_escape(block))
            lines.append("")
        if heading == "Top organisations" and chart_files:
            lines += ["## Charts", ""]
            for name, path in chart_files.items():
                lines += [f"![{CHART_TITLES[name]}]({path})", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# -- HTML ---------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.88rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f4f6}tr:nth-child(even) td{background:#fafafa}
.banner{background:#fff3cd;border:2px solid #d39e00;padding:.6rem 1rem;font-weight:bold}
.meta{color:#555;font-size:.9rem}code{background:#f3f4f6;padding:0 .2rem}
figure{margin:1rem 0}figcaption{color:#555;font-size:.85rem}img{max-width:100%}
nav ul{columns:2}
""".strip()


def _h(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-") or "section"


def render_html(data: Mapping[str, Any], charts: Mapping[str, bytes] | None = None) -> str:
    """The report as one self-contained HTML page: no scripts, charts inlined as base64 PNG."""
    meta = data["meta"]
    sections = _sections(data)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(meta['title'])}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_h(meta['title'])}</h1>",
    ]
    for note in meta["notes"]:
        cls = "banner" if note.startswith("SYNTHETIC") else "meta"
        out.append(f'<p class="{cls}" role="note">{_h(note)}</p>')
    out.append(
        f'<p class="meta">stakenet {_h(meta["stakenet_version"])} · generated {_h(meta["generated_at"])} · '
        f"<code>{_h(meta['command'])}</code></p>"
    )
    headings = [h for h, _ in sections]
    if charts:
        headings.insert(2, "Charts")
    out.append("<nav><ul>" + "".join(f'<li><a href="#{_anchor(h)}">{_h(h)}</a></li>' for h in headings) + "</ul></nav>")
    for heading, blocks in sections:
        out.append(f'<section id="{_anchor(heading)}"><h2>{_h(heading)}</h2>')
        for block in blocks:
            if isinstance(block, _Table):
                out.append("<table><thead><tr>" + "".join(f"<th>{_h(c)}</th>" for c in block.header) + "</tr></thead><tbody>")
                out += ["<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>" for row in block.rows]
                out.append("</tbody></table>")
            elif isinstance(block, list):
                out.append("<ul>" + "".join(f"<li>{_h(item)}</li>" for item in block) + "</ul>")
            else:
                out.append(f"<p>{_h(block)}</p>")
        if heading == "Interactive views":
            out.append("<ul>" + "".join(f'<li><a href="{_h(v["file"])}">{_h(v["title"])}</a></li>' for v in data["views"]) + "</ul>")
        out.append("</section>")
        if heading == "Top organisations" and charts:
            out.append('<section id="charts"><h2>Charts</h2>')
            for name, png in charts.items():
                b64 = base64.b64encode(png).decode("ascii")
                out.append(
                    f'<figure><img alt="{_h(CHART_TITLES[name])}" src="data:image/png;base64,{b64}">'
                    f"<figcaption>{_h(CHART_TITLES[name])}</figcaption></figure>"
                )
            out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# -- writing ------------------------------------------------------------------------------------


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    """Formats from ``"md,html,json"`` (or a sequence), in the canonical order; unknown ones raise.

    >>> parse_formats("json, md")
    ('md', 'json')
    """
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    unknown = sorted(set(items) - set(FORMATS))
    if unknown or not items:
        raise ReportError(f"unknown report format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in items)


def write_report(
    store: Any,
    out_dir: str | Path,
    *,
    formats: Iterable[str] = FORMATS,
    region: str | None = None,
    org: str | None = None,
    top: int = 10,
    synthetic: bool = False,
    command: str | None = None,
    now: datetime | str | None = None,
    version: str | None = None,
    progress: ProgressFn | None = None,
) -> ReportPaths:
    """Collect the report from ``store`` and write ``report.md`` (+ ``charts/*.png``), ``report.html``
    and ``report.json`` into ``out_dir``; returns the paths written.

    The JSON is validated against report.schema.json before anything is written.
    """
    chosen = parse_formats(formats)
    data = collect_report(
        store, region=region, org=org, top=top, synthetic=synthetic, command=command, now=now, version=version,
        progress=progress,
    )
    validate_report(data)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create the report folder {out}: {exc.strerror}") from exc
    paths = ReportPaths(out)
    charts: dict[str, bytes] = {}
    if "md" in chosen or "html" in chosen:
        if progress:
            progress("charts")
        charts = render_charts(data)
    if "json" in chosen:
        paths.json = out / "report.json"
        paths.json.write_text(to_json(data), encoding="utf-8")
    if "md" in chosen:
        chart_dir = out / "charts"
        chart_dir.mkdir(exist_ok=True)
        files = {}
        for stale in set(CHART_TITLES) - set(charts):  # a chart with no data this time must not linger
            (chart_dir / f"{stale}.png").unlink(missing_ok=True)
        for name, png in charts.items():
            path = chart_dir / f"{name}.png"
            path.write_bytes(png)
            paths.charts.append(path)
            files[name] = f"charts/{name}.png"
        paths.markdown = out / "report.md"
        paths.markdown.write_text(render_markdown(data, files), encoding="utf-8")
    if "html" in chosen:
        paths.html = out / "report.html"
        paths.html.write_text(render_html(data, charts), encoding="utf-8")
    return paths
