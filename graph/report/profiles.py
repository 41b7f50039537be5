"""Collects the region and organisation profiles of a report (``--region`` and ``--org``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from graph.errors import AmbiguousReference, ReportError, StakenetError
from graph.indicators import Indicators
from graph.lookup import resolve_organisation
from graph.report.queries import (
    Q_BUYER_SUPPLIERS,
    Q_ORG,
    Q_ORG_CUSTOMERS,
    Q_ORG_PARTNERS,
    Q_ORG_PROJECT_FUNDS,
    Q_ORG_PROJECTS,
    Q_ORG_REGIONS,
    Q_PROJECT_PLACES,
    Q_REGION,
    Q_REGION_BENEFICIARIES,
    Q_REGION_BY_NAME,
    Q_REGION_CHILDREN,
    Q_REGION_ORGS,
    Q_REGION_PARENTS,
    Q_REGION_PROJECT_FUNDS,
    Q_REGION_PROJECTS,
)
from graph.report.rows import org_ref, query_rows, rank_buyers, share, to_int, to_money


def find_region(store: Any, code: str) -> dict[str, Any]:
    """The Region node named by a NUTS code, or else by its name in any letter case."""
    found = query_rows(store, Q_REGION, {"code": code.strip()}) or query_rows(store, Q_REGION_BY_NAME, {"name": code.strip()})
    if len(found) > 1:
        raise ReportError(f"region {code!r} names {len(found)} regions ({', '.join(r['nuts_code'] for r in found)}); give the NUTS code")
    if not found:
        raise ReportError(
            f"region {code!r} is not in the graph. Give a NUTS code that was loaded (e.g. SE313 for "
            "Gävleborgs län); `stakenet load nuts` loads the classification."
        )
    return found[0]


def region_profile(store: Any, code: str, ind: Indicators, top: int) -> dict[str, Any]:
    region = find_region(store, code)
    org_ids = {r["org_id"] for r in query_rows(store, Q_REGION_ORGS, {"code": code})}
    projects = query_rows(store, Q_REGION_PROJECTS, {"code": code})
    project_ids = sorted({p["project_id"] for p in projects})
    funds: dict[str, set[str]] = defaultdict(set)
    if project_ids:
        for r in query_rows(store, Q_REGION_PROJECT_FUNDS, {"code": code}):
            funds[r["project_id"]].add(r["fund"])
    project_info = {p["project_id"]: p for p in sorted(projects, key=lambda p: p["project_id"])}
    money, multi = _eu_money(store, code, project_info)
    by_fund: dict[str, int] = defaultdict(int)
    for pid in project_ids:
        for f in sorted(funds.get(pid, ())) or ["unknown"]:
            by_fund[f] += 1
    # Beneficiaries of the region's projects belong to the region's network even when their own
    # address is elsewhere or unknown (procurement data carries no buyer address).
    beneficiaries: dict[str, dict[str, Any]] = {}
    if project_ids:
        for r in query_rows(store, Q_REGION_BENEFICIARIES, {"code": code}):
            b = beneficiaries.setdefault(
                r["org_id"], {**org_ref(r), "projects": 0, "by_fund": defaultdict(int), "granted": defaultdict(float)}
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
    # The region's buyer figures pool the buyers placed in its counties (as graph.indicators places
    # them) and nobody else: a beneficiary of one of its projects may buy elsewhere.
    in_region = [m for m in ind.buyers if ind.county_of.get(m.key, "").startswith(code)]
    county = next((m for m in ind.counties if m.key == code), None)
    total_awards = sum(m.awards for m in in_region)
    known = sum(m.sized_awards for m in in_region)
    sme = sum(m.sme_awards for m in in_region)
    return {
        "nuts_code": region["nuts_code"],
        "name": region["name"],
        "level": region["level"],
        "parents": [_region_ref(r) for r in query_rows(store, Q_REGION_PARENTS, {"code": code})],
        "children": [_region_ref(r) for r in query_rows(store, Q_REGION_CHILDREN, {"code": code})],
        "organisations_located": len(org_ids),
        "projects": len(project_ids),
        "projects_by_fund": dict(sorted(by_fund.items())),
        "single_county_projects": len(project_ids) - len(multi),
        "eu_budget": {c: round(v, 2) for c, v in sorted(money.items())},
        "multi_county_projects": multi,
        "multi_county_eu_budget": _sum_by_currency(multi),
        "beneficiaries": len(ben_rows),
        "top_beneficiaries": ben_rows[:top],
        "buyers": len(in_region),
        "awards": total_awards,
        "sme_share": share(sme, known),
        "size_known_awards": known,
        "top_buyers": rank_buyers(store, in_region, top),
        "county_indicators": rank_buyers(store, [county])[0] if county else None,
    }


def _eu_money(store: Any, code: str, projects: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """EU budget of the projects located in region ``code`` alone (in full, per currency), and the
    projects also located outside it (several counties), listed apart and not added in."""
    places: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, Any] = {}
    for r in query_rows(store, Q_PROJECT_PLACES, {"ids": sorted(projects)}) if projects else []:
        places[r["project_id"]].add(r["nuts_code"])
        titles[r["project_id"]] = r["title"]
    money: dict[str, float] = defaultdict(float)
    multi = []
    for pid, p in projects.items():
        counties = places.get(pid, set())
        if all(c.startswith(code) for c in counties):
            if p["eu_budget"] is not None:
                money[p["currency"]] += float(p["eu_budget"])
        else:
            multi.append({"project_id": pid, "title": titles.get(pid), "counties": len(counties),
                          "currency": p["currency"], "eu_budget": to_money(p["eu_budget"])})
    multi.sort(key=lambda m: (-(m["eu_budget"] or 0.0), m["project_id"]))
    return dict(money), multi


def _sum_by_currency(projects: list[dict[str, Any]]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for p in projects:
        if p["eu_budget"] is not None:
            total[p["currency"]] += p["eu_budget"]
    return {c: round(v, 2) for c, v in sorted(total.items())}


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
    except AmbiguousReference as exc:
        raise AmbiguousReference(f"--org: {exc}") from exc
    except StakenetError as exc:
        raise ReportError(f"--org: {exc}") from exc


def org_profile(store: Any, org_id: str, ind: Indicators, top: int) -> dict[str, Any]:
    o = query_rows(store, Q_ORG, {"id": org_id})[0]
    metrics = {k: o[k] for k in ("degree", "strength", "pagerank", "betweenness", "eigenvector", "core", "community")}
    metrics = {k: (round(float(v), 6) if isinstance(v, float) else v) for k, v in metrics.items()}
    projects = sorted(query_rows(store, Q_ORG_PROJECTS, {"id": org_id}), key=lambda p: (-(p["eu_budget"] or 0.0), p["project_id"]))
    funds: dict[str, set[str]] = defaultdict(set)
    if projects:
        for r in query_rows(store, Q_ORG_PROJECT_FUNDS, {"id": org_id}):
            funds[r["project_id"]].add(r["fund"])
    by_fund: dict[str, int] = defaultdict(int)
    granted: dict[str, float] = defaultdict(float)
    for p in projects:
        for f in sorted(funds.get(p["project_id"], ())) or ["unknown"]:
            by_fund[f] += 1
        if p["eu_budget"] is not None:
            granted[p["currency"]] += float(p["eu_budget"])
    bought = [m for m in ind.buyers if m.key == org_id]
    as_buyer = rank_buyers(store, bought, 1)
    suppliers = query_rows(store, Q_BUYER_SUPPLIERS, {"id": org_id, "n": top}) if bought else []
    customers = query_rows(store, Q_ORG_CUSTOMERS, {"id": org_id})
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
        "regions": [_region_ref(r) for r in query_rows(store, Q_ORG_REGIONS, {"id": org_id})],
        "beneficiary": {
            "projects": len(projects),
            "projects_by_fund": dict(sorted(by_fund.items())),
            "granted": {c: round(v, 2) for c, v in sorted(granted.items())},
            "top_projects": [
                {"project_id": p["project_id"], "title": p["title"], "role": p["role"], "currency": p["currency"],
                 "eu_budget": to_money(p["eu_budget"]), "start_date": p["start_date"], "end_date": p["end_date"]}
                for p in projects[:top]
            ],
            "partners": [
                {**org_ref(r), "projects": to_int(r["projects"])}
                for r in query_rows(store, Q_ORG_PARTNERS, {"id": org_id, "n": top})
            ],
        },
        "buyer": as_buyer[0] if as_buyer else None,
        "top_suppliers": [
            {**org_ref(r), "size": r["size"], "awards": to_int(r["awards"]), "share": share(to_int(r["awards"]), bought[0].awards)}
            for r in suppliers
        ],
        "supplier": {
            "awards": sum(to_int(c["awards"]) for c in customers),
            "buyers": len(customers),
            "top_buyers": [{**org_ref(c), "awards": to_int(c["awards"])} for c in customers[:top]],
        },
    }
