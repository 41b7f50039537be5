"""Collects a report's data from a store: one JSON-ready dict that follows report.schema.json.

Every query (graph/report/queries.py) is plain Cypher that LadybugDB and Neo4j both run. Metrics
(``pagerank``, ``community``, ...) are read from the properties that ``stakenet analyze`` writes
back; the report never computes them itself. Rows are sorted with ties broken by id, floats are
rounded, and the time, version and command line are parameters, so the same graph gives the same dict.
"""

from __future__ import annotations

import heapq
import re
import shlex
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from graph import __version__
from graph.analysis.analyze import NetworkResult
from graph.analysis.betweenness import rank_bands
from graph.errors import ReportError
from graph.indicators import (
    FLAGS,
    Award,
    Coverage,
    Indicators,
    community_indicators,
    compute_indicators,
    read_awards,
    supplier_awards,
)
from graph.ingest.summaries import identity_summary
from graph.neighbourhood import slug
from graph.report.collaboration import collect_collaboration
from graph.report.competition import collect_competition
from graph.report.findings import collect_findings
from graph.report.names import apply_display_names
from graph.report.profiles import find_region, org_profile, region_profile, resolve_org
from graph.report.queries import (
    Q_COMMUNITY_BUYERS,
    Q_CPV_GROUP_NAMES,
    Q_DEGREES,
    Q_INVALID_NUMBERS,
    Q_METRIC_COVERAGE,
    Q_METRIC_VALUES,
    Q_MONEY_BY_CPV,
    Q_MONEY_BY_FUND,
    Q_ORG_COMMUNITIES,
    Q_ORG_NAMES,
    Q_ORG_QUALITY,
    Q_PROCUREMENT_CURRENCIES,
    Q_PROJECT_CURRENCIES,
    Q_QUALITY_FLAGS,
    Q_SOURCES,
    Q_TOP_AWARDED,
    Q_TOP_METRIC,
    Q_TOP_RECEIVED,
    Q_TOP_SUPPLIERS,
)
from graph.report.rows import (
    HHI_HIGH,
    MIN_AWARDS_FOR_SIGNAL,
    SME_SHARE_LOW,
    TOP_SUPPLIER_HIGH,
    org_ref,
    py_value,
    query_rows,
    rank_buyers,
    round6,
    share,
    to_int,
    to_money,
)

REPORT_FORMAT = "stakenet-report/3"  # 3: key findings, display names, views with what makes them; 2: redacted awards, HHI range
SME_SIZES = ("micro", "small", "medium")
METRICS = ("pagerank", "betweenness")

INDICATOR_CAVEAT = (
    "These are risk indicators, not verdicts: a high concentration or a low SME share can have "
    "good reasons (a narrow market, a framework agreement, a specialised need). Each figure states "
    "how many awards or procurements it rests on; read small counts with care."
)

ProgressFn = Callable[[str], None]


def _overview(store: Any) -> dict[str, Any]:
    counts = store.counts()
    sources = query_rows(store, Q_SOURCES)
    quality = query_rows(store, Q_ORG_QUALITY)[0]
    flags: dict[str, int] = defaultdict(int)
    for row in query_rows(store, Q_QUALITY_FLAGS):
        for flag in str(row["quality"]).split(";"):
            if flag.strip():
                flags[flag.strip()] += to_int(row["n"])
    organisations = to_int(quality["organisations"])
    with_number = to_int(quality["with_number"])
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
            "invalid_org_numbers": to_int(quality["invalid_numbers"]),
            "invalid_examples": [
                {"org_id": r["org_id"], "name": r["name"] or r["org_id"], "org_number": r["org_number"]}
                for r in query_rows(store, Q_INVALID_NUMBERS, {"n": 5})
            ],
            "rejected_rows": sum(to_int(s["rejected"]) for s in sources),
            "flags": dict(sorted(flags.items())),
        },
    }


def _metric_coverage(store: Any) -> dict[str, int]:
    row = query_rows(store, Q_METRIC_COVERAGE)[0]
    return {k: to_int(row[k]) for k in ("pagerank", "betweenness", "community", "degree")}


def _currencies(store: Any, cypher: str) -> list[str]:
    return [r["currency"] for r in query_rows(store, cypher)]


def _top(store: Any, top: int) -> dict[str, Any]:
    result: dict[str, Any] = {"ranking_notes": {}}
    stored = query_rows(store, Q_METRIC_VALUES)
    bands = rank_bands({r["org_id"]: float(r["betweenness"]) for r in stored},
                       {r["org_id"]: float(r["stderr"] or 0.0) for r in stored})
    stderr = {r["org_id"]: r["stderr"] for r in stored}
    for metric in METRICS:
        distinct = {r[metric] for r in stored if r[metric] is not None}
        if len(distinct) <= 1:
            result[metric] = []
            if stored:
                result["ranking_notes"][metric] = f"no {metric} ranking: all {len(stored):,} organisations tie (a network without edges)"
            continue
        rows = query_rows(store, Q_TOP_METRIC.format(metric=metric), {"n": top})
        result[metric] = [{**org_ref(r), "value": round(float(r["value"]), 6)} for r in rows]
    for row in result["betweenness"]:
        row["stderr"] = round6(stderr.get(row["org_id"]))
        row["rank_band"] = list(bands[row["org_id"]])
    result["money_received"] = [
        {**org_ref(r), "currency": cur, "amount": to_money(r["amount"]), "projects": to_int(r["projects"])}
        for cur in _currencies(store, Q_PROJECT_CURRENCIES)
        for r in query_rows(store, Q_TOP_RECEIVED, {"currency": cur, "n": top})
    ]
    result["money_awarded"] = [
        {**org_ref(r), "currency": cur, "amount": to_money(r["amount"]), "procurements": to_int(r["procurements"])}
        for cur in _currencies(store, Q_PROCUREMENT_CURRENCIES)
        for r in query_rows(store, Q_TOP_AWARDED, {"currency": cur, "n": top})
    ]
    result["awards_won"] = [
        {**org_ref(r), "size": r["size"], "awards": to_int(r["awards"]), "procurements": to_int(r["procurements"])}
        for r in query_rows(store, Q_TOP_SUPPLIERS, {"n": top})
    ]
    return result


def _top_by(items: Iterable[tuple[Any, dict[str, Any]]], n: int, key: Callable[[dict[str, Any]], Any]) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for group, item in items:
        grouped[group].append(item)
    return {g: heapq.nsmallest(n, rows, key=key) for g, rows in grouped.items()}


def _communities(store: Any, top: int, per_buyer: Mapping[str, Sequence[Award]], members: int = 5) -> dict[str, Any]:
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
    won = supplier_awards(per_buyer)
    summary = community_indicators(stored, names, sizes, public, top_members=members, won=won)[:top]
    ids = [order[c.community] for c in summary]
    buyers: dict[Any, list[dict[str, Any]]] = {}
    awards_total: dict[Any, int] = defaultdict(int)
    if ids:
        buyer_rows = query_rows(store, Q_COMMUNITY_BUYERS, {"ids": ids})
        for r in buyer_rows:
            awards_total[r["community"]] += to_int(r["awards"])
        buyers = _top_by(((r["community"], r) for r in buyer_rows), 3, lambda r: (-to_int(r["awards"]), r["org_id"]))
    listed = []
    for cid, c in zip(ids, summary):
        listed.append(
            {
                "community": cid,
                "size": c.size,
                "sme_share": round6(c.sme_share),
                "size_known": c.sized_awards,
                "redacted_awards": c.redacted_awards,
                "public_members": c.public_members,
                "leading_members": [
                    {"org_id": org_id, "name": name or org_id, "pagerank": round6(pr) if org_id in pagerank else None}
                    for org_id, name, pr in c.dominant
                ],
                "dominant_buyers": [
                    {**org_ref(b), "awards": to_int(b["awards"]), "share": share(to_int(b["awards"]), awards_total[cid])}
                    for b in buyers.get(cid, [])
                ],
                "awards_received": awards_total[cid],
            }
        )
    return {"count": len(order), "sizes": [len(by_community[c]) for c in order], "largest": listed}


def _coverage_dict(coverage: Mapping[str, Coverage]) -> dict[str, dict[str, int]]:
    return {k: {"with_data": c.with_data, "missing": c.missing, "not_applicable": c.not_applicable} for k, c in sorted(coverage.items())}


def _flag_coverage(ind: Indicators) -> list[dict[str, Any]]:
    """Per notice database: procurements, and per flag how many it flagged and filled at all."""
    short = {"env_sustainable": "env", "social_sustainable": "social", "innovation": "innovation", "coordinated": "coordinated"}
    return [
        {"notice_db": r.notice_db, "procurements": r.procurements,
         **{f"{short[f]}_flagged": r.flagged[f] for f in FLAGS}, **{f"{short[f]}_filled": r.filled[f] for f in FLAGS}}
        for r in ind.flag_coverage
    ]


def _bridges(store: Any, ind: Indicators, top: int) -> dict[str, Any]:
    chosen = ind.bridges[:top]
    details = {r["org_id"]: r for r in query_rows(store, Q_ORG_NAMES, {"ids": [b.org_id for b in chosen]})} if chosen else {}
    rows = [
        {
            "org_id": b.org_id,
            "name": b.name or b.org_id,
            "projects": b.projects,
            "procurements_as_buyer": b.procurements_as_buyer,
            "awards_as_supplier": b.awards_as_supplier,
            "pagerank": round6(details[b.org_id]["pagerank"]),
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
         "size_known": m.sized_awards, "sme_share": round6(m.sme_share_count)}
        for m in ind.counties
    ]
    degrees = [{"degree": to_int(r["degree"]), "organisations": to_int(r["n"])} for r in query_rows(store, Q_DEGREES)]
    by_fund = [
        {"fund": r["fund"], "currency": r["currency"], "projects": to_int(r["projects"]), "amount": to_money(r["amount"]) or 0.0}
        for r in query_rows(store, Q_MONEY_BY_FUND)
    ]
    group_names = {r["code"]: r["name"] for r in query_rows(store, Q_CPV_GROUP_NAMES)}
    cpv: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: {"procurements": 0, "amount": 0.0})
    for r in query_rows(store, Q_MONEY_BY_CPV):
        digits = re.sub(r"\D", "", str(r["cpv"]))[:2]
        if len(digits) < 2:
            continue
        cslot = cpv[(digits, r["currency"])]
        cslot["procurements"] += to_int(r["procurements"])
        cslot["amount"] += float(py_value(r["amount"]) or 0.0)
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


def _views(region: str | None, org: Mapping[str, Any] | None, communities: Sequence[Mapping[str, Any]],
           prefix: str = "stakenet") -> list[dict[str, Any]]:
    """The interactive pages that match this report: file names relative to the report, what makes
    each (``view``, ``arg``: `stakenet report` writes them beside the report) and the exact command,
    with the report's own ``--db`` or ``--neo4j-uri`` in ``prefix``."""
    def entry(title: str, kind: str, arg: str | None, stem: str, option: str = "") -> dict[str, Any]:
        file = f"{stem}.html"
        shown = "" if arg is None else " " + (option + " " if option else "") + shlex.quote(arg)
        return {"title": title, "file": file, "view": kind, "arg": arg,
                "command": f"{prefix} view {kind}{shown} --out {shlex.quote(file)}"}

    views = [entry("Stakeholder network", "network", None, "network")]
    if region:
        views.append(entry(f"Region {region}", "region", region, slug("region", region)))
    if org:
        org_id = str(org["org_id"])
        ref = org_id.split(":", 1)[1] if org_id.startswith("SE-ON:") else str(org["name"])
        views.append(entry(f"Ego network of {org['name']}", "ego", ref, slug("ego", org_id)))
        if org["buyer"]:
            views.append(entry(f"Supplier market of {org['name']}", "market", ref, slug("market", org_id), "--buyer"))
    for c in communities[:3]:
        views.append(entry(f"Community {c['community']} ({c['size']:,} organisations)", "community",
                           str(c["community"]), slug("community", c["community"])))
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
    view_prefix: str = "stakenet",
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
        region = str(find_region(store, region)["nuts_code"])
    org_id = resolve_org(store, org) if org else None
    step("overview")
    overview = _overview(store)
    coverage = _metric_coverage(store)
    step("top organisations")
    top_orgs = _top(store, top)
    step("indicators")
    ind = compute_indicators(store)
    step("communities")
    per_buyer, _ = read_awards(store)
    communities = _communities(store, top, per_buyer)
    buyers = rank_buyers(store, ind.buyers, top)
    bridges = _bridges(store, ind, top)
    step("chart data")
    charts = _chart_data(store, ind, communities)
    region_part = None
    if region:
        step(f"region {region}")
        region_part = region_profile(store, region, ind, top)
    org_part = None
    if org_id:
        step(f"organisation {org_id}")
        org_part = org_profile(store, org_id, ind, top)
        apply_display_names(store, org_part)  # before the title and the views name it
    collaboration = collect_collaboration(store, region=region, top=top)
    competition = collect_competition(store, region=region, org=org_id, top=top)
    step("key findings")
    findings = collect_findings(store, ind, per_buyer, region=region_part, org=org_part)
    findings["competition"] = competition["key_rows"] if competition else None
    notes = []
    if not coverage["pagerank"]:
        notes.append("Network metrics are not in the graph yet: run `stakenet analyze` for PageRank, betweenness and communities.")
    if synthetic:
        notes.insert(0, "SYNTHETIC DATA: every name and figure in this report is generated; nothing here is real.")
    data = {
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
            "redacted_awards": sum(m.redacted_awards for m in ind.buyers),
            "award_sizes": ind.award_sizes,
            "flag_coverage": _flag_coverage(ind),
            "top": buyers,
            "most_concentrated": rank_buyers(
                store, (m for m in ind.buyers if m.awards >= MIN_AWARDS_FOR_SIGNAL and m.hhi_count is not None), top,
                key=lambda m: (-(m.hhi_count or 0.0), m.key)),
            "lowest_sme_share": rank_buyers(
                store, (m for m in ind.buyers if m.sized_awards >= MIN_AWARDS_FOR_SIGNAL and m.sme_share_count is not None),
                top, key=lambda m: (m.sme_share_count or 0.0, m.key)),
        },
        "bridges": bridges,
        "region": region_part,
        "org": org_part,
        "charts": charts,
        "views": _views(region, org_part, communities["largest"], view_prefix),
        "key_findings": findings,
        **({"collaboration": collaboration} if collaboration else {}),
        **({"competition": competition} if competition else {}),
    }
    apply_display_names(store, data)
    return data


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
