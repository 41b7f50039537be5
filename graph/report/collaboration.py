"""The report's "Who works with whom" section: partnerships of multi-partner EU projects, collected and drawn.

A partnership is a BENEFICIARY_OF with a partner role (Interreg lead / partner / associated, CORDIS
coordinator / participant / ...): single-beneficiary sources (Projektbanken, the EU Knowledge
Graph) name no roles and are not partnerships. Two organisations work together when they are
partners of the same project; a pair's ``budget_eur`` is what both put into their shared projects
(the sum of their two ``budget_eur`` shares). Brokers and clusters are read from the metrics that
``stakenet analyze`` writes back (``betweenness``, ``community``), with the network they were
computed on, never computed here. With a region the section keeps the projects with a partner
located in that region (or below it).

``collect_collaboration`` returns None when the graph holds no partnerships, so reports of graphs
without them do not change. ``collaboration_sections`` draws the data with the renderer's table type.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from itertools import combinations
from typing import Any

from graph.report.names import org_label

PARTNER_ROLES = ("lead", "partner", "associated", "coordinator", "participant", "third_party")

Q_PARTNERSHIPS = (
    "MATCH (o:Organisation)-[e:BENEFICIARY_OF]->(p:Project) WHERE e.role IN $roles "
    "RETURN o.org_id, o.name, p.project_id, e.role, e.budget_eur, e.source"
)
Q_PROGRAMMES = (
    "MATCH (p:Project)-[:IN_PROGRAMME]->(g:Programme) WHERE p.project_id IN $ids RETURN p.project_id, g.cci, g.name"
)
Q_METRICS = (
    "MATCH (o:Organisation) WHERE o.org_id IN $ids "
    "RETURN o.org_id, o.betweenness, o.community, o.metrics_network"
)
Q_PROCUREMENT = (
    "MATCH (o:Organisation) WHERE o.org_id IN $ids AND (EXISTS { MATCH (o)-[:BUYER_OF]->(:Procurement) } "
    "OR EXISTS { MATCH (:Procurement)-[:AWARDED_TO]->(o) }) RETURN o.org_id"
)
Q_SUPPLIERS = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(:Procurement)-[:AWARDED_TO]->(s:Organisation) WHERE b.org_id IN $ids "
    "RETURN DISTINCT b.org_id, s.org_id"
)
Q_LOCATED = (
    "MATCH (o:Organisation)-[:LOCATED_IN]->(r:Region) WHERE o.org_id IN $ids AND r.nuts_code STARTS WITH $region "
    "RETURN o.org_id"
)


def _add(total: float | None, value: float | None) -> float | None:
    """A sum where unknown stays unknown only while nothing is known."""
    if value is None:
        return total
    return float(value) + (total or 0.0)


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def collect_collaboration(store: Any, *, region: str | None = None, top: int = 10) -> dict[str, Any] | None:
    """Partnership counts, programmes, strongest pairs, brokers and clusters (see the module docstring)."""
    rows = sorted(store.rows(Q_PARTNERSHIPS, {"roles": list(PARTNER_ROLES)}),
                  key=lambda r: (str(r[2]), str(r[0])))
    if not rows:
        return None
    names = {str(r[0]): r[1] for r in rows}
    if region:
        located = {str(o) for (o,) in store.rows(Q_LOCATED, {"ids": sorted(names), "region": region})}
        keep = {r[2] for r in rows if str(r[0]) in located}
        rows = [r for r in rows if r[2] in keep]
    members: dict[str, dict[str, float | None]] = defaultdict(dict)
    sources: dict[str, str] = {}
    roles: Counter[str] = Counter()
    for org, _name, project, role, budget, source in rows:
        members[project][org] = _add(members[project].get(org), budget)
        sources[project] = (source or "").split(";")[0]
        roles[role] += 1
    pairs: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, None])
    for project in sorted(members):
        shares = members[project]
        for a, b in combinations(sorted(shares), 2):
            pair = pairs[(a, b)]
            pair[0] += 1
            pair[1] = _add(_add(pair[1], shares[a]), shares[b])
    orgs = sorted({o for m in members.values() for o in m})
    return {
        "scope": region,
        "projects": len(members),
        "multi_partner_projects": sum(len(m) >= 2 for m in members.values()),
        "projects_by_source": dict(sorted(Counter(sources.values()).items())),
        "organisations": len(orgs),
        "in_procurement": len(list(store.rows(Q_PROCUREMENT, {"ids": orgs}))) if orgs else 0,
        "roles": dict(sorted(roles.items())),
        "pairs": len(pairs),
        "programmes": _programmes(store, members, top),
        "top_pairs": [
            {"a": a, "a_name": names.get(a), "b": b, "b_name": names.get(b), "projects": int(v[0]), "budget_eur": _r(v[1])}
            for (a, b), v in sorted(pairs.items(), key=lambda kv: (-kv[1][0], -(kv[1][1] or 0.0), kv[0]))[:top]
        ],
        "shared_market": _shared_market(store, pairs, names, top),
        **_metrics(store, orgs, names, members, top),
    }


def _shared_market(store: Any, pairs: Mapping[tuple[str, str], list[Any]], names: Mapping[str, Any],
                   top: int) -> dict[str, Any]:
    """Partner pairs that are both buyers, and those that also buy from the same suppliers."""
    partners = sorted({o for pair in pairs for o in pair})
    suppliers: dict[str, set[str]] = defaultdict(set)
    for buyer, supplier in store.rows(Q_SUPPLIERS, {"ids": partners}) if partners else ():
        suppliers[str(buyer)].add(str(supplier))
    both = [(a, b) for a, b in pairs if a in suppliers and b in suppliers]
    shared = sorted(((a, b, len(suppliers[a] & suppliers[b])) for a, b in both), key=lambda t: (-t[2], t[0], t[1]))
    shared = [t for t in shared if t[2] > 0]
    return {
        "buyer_pairs": len(both),
        "pairs_sharing_suppliers": len(shared),
        "top": [{"a": a, "a_name": names.get(a), "b": b, "b_name": names.get(b), "projects": int(pairs[(a, b)][0]),
                 "shared_suppliers": n} for a, b, n in shared[:top]],
    }


def _programmes(store: Any, members: Mapping[str, Mapping[str, float | None]], top: int) -> list[dict[str, Any]]:
    by: dict[tuple[str, str], list[str]] = defaultdict(list)
    for project, cci, name in store.rows(Q_PROGRAMMES, {"ids": sorted(members)}):
        by[(str(cci), str(name))].append(str(project))
    out: list[dict[str, Any]] = []
    for (cci, name), projects in by.items():
        partners = {o for p in projects for o in members[p]}
        budget: float | None = None
        for p in sorted(set(projects)):
            for v in members[p].values():
                budget = _add(budget, v)
        out.append({"programme": name, "cci": cci, "projects": len(set(projects)), "partners": len(partners),
                    "budget_eur": _r(budget)})
    return sorted(out, key=lambda r: (-int(r["projects"]), str(r["cci"])))[:top]


def _metrics(store: Any, orgs: list[str], names: Mapping[str, Any], members: Mapping[str, Mapping[str, float | None]],
             top: int) -> dict[str, Any]:
    metrics = {str(o): (b, c, n) for o, b, c, n in store.rows(Q_METRICS, {"ids": orgs})}
    network = sorted({n for _, _, n in metrics.values() if n})
    brokers = sorted(((o, float(b)) for o, (b, _, _) in metrics.items() if b is not None), key=lambda kv: (-kv[1], kv[0]))
    budget: dict[str, float] = defaultdict(float)
    for shares in members.values():
        for o, v in shares.items():
            budget[o] += v or 0.0
    clusters: dict[int, list[str]] = defaultdict(list)
    for o, (_, c, _) in metrics.items():
        if c is not None:
            clusters[int(c)].append(o)
    largest = sorted(clusters.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]
    return {
        "metrics_network": ", ".join(network) or None,
        "brokers": [{"org_id": o, "name": names.get(o), "betweenness": round(b, 6)} for o, b in brokers[:top]],
        "clusters": [
            {"community": c, "partners": len(os),
             "leading": [names.get(o) or o for o in sorted(os, key=lambda o: (-budget[o], o))[:3]]}
            for c, os in largest
        ],
    }


def collaboration_sections(data: Mapping[str, Any] | None, table: Callable[[list[str], list[list[str]]], Any],
                           ) -> list[tuple[str, list[Any]]]:
    """The "Who works with whom" section as (heading, blocks); ``table`` is the renderer's table type."""
    if not data:
        return []
    scope = f" with a partner in {data['scope']}" if data["scope"] else ""
    blocks: list[Any] = [
        f"{data['projects']:,} partnership projects{scope} "
        f"({', '.join(f'{k} {v:,}' for k, v in data['projects_by_source'].items())}), "
        f"{data['multi_partner_projects']:,} of them with two or more partners in the graph; "
        f"{data['organisations']:,} partner organisations, {data['in_procurement']:,} of them also in procurement "
        f"(buyers or suppliers); {data['pairs']:,} pairs of organisations that share a project.",
        "Roles: " + ", ".join(f"{k} {v:,}" for k, v in data["roles"].items()) + ".",
    ]
    if data["programmes"]:
        blocks.append(table(["programme", "projects", "partners", "partner budgets (EUR)"],
                            [[r["programme"], f"{r['projects']:,}", f"{r['partners']:,}", _money(r["budget_eur"])]
                             for r in data["programmes"]]))
    if data["top_pairs"]:
        blocks.append(table(["organisation", "works with", "shared projects", "budget of both (EUR)"],
                            [[str(r["a_name"] or r["a"]), str(r["b_name"] or r["b"]), f"{r['projects']:,}",
                              _money(r["budget_eur"])] for r in data["top_pairs"]]))
    market = data["shared_market"]
    blocks.append(f"Partners in the procurement market too: {market['buyer_pairs']:,} pairs of partners are both buyers; "
                  f"{market['pairs_sharing_suppliers']:,} of them also buy from at least one same supplier.")
    if market["top"]:
        blocks.append(table(["organisation", "partner in EU projects with", "shared projects", "shared suppliers"],
                            [[str(r["a_name"] or r["a"]), str(r["b_name"] or r["b"]), f"{r['projects']:,}",
                              f"{r['shared_suppliers']:,}"] for r in market["top"]]))
    if data["brokers"]:
        blocks.append(f"Brokers: betweenness in the {data['metrics_network']} network (from `stakenet analyze`).")
        blocks.append(table(["organisation", "betweenness"],
                            [[org_label(r['name'], r['org_id']), f"{r['betweenness']:.4g}"] for r in data["brokers"]]))
    else:
        blocks.append("No brokers yet: run `stakenet analyze` (e.g. `--network collaboration`) for betweenness and communities.")
    if data["clusters"]:
        blocks.append(table(["community", "partners", "leading partners (by budget)"],
                            [[str(r["community"]), f"{r['partners']:,}", "; ".join(r["leading"])] for r in data["clusters"]]))
    return [("Who works with whom", blocks)]


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"
