"""Subgraphs to look at: an organisation's neighbourhood, a community, a region, a buyer's market.

Each function reads the store with plain Cypher that both stores run (user text only ever in
``$parameters``, ids passed as lists) and returns a networkx graph whose nodes carry what a view
shows (``type``, ``name``, ``org_number``, ``role``, ``size``, ``amount``/``currency``,
``source``, ``pagerank``, ``community``, on procurements ``tenders_received`` (the fewest tenders
any of its lots received, 1 = a single-bid lot) and ``single_bid_lots``, and the filter lists ``funds``, ``cpv``, ``years``) and
whose ``G.graph`` says what it is (``title``, ``subtitle``, ``focus``, ``omitted``, ``total``,
``empty`` (nothing around the centre) with ``empty_message``, and ``slug``, a file-name stem such as ``ego-SE-ON_2321000198``). Nodes are
``(label, key)`` tuples, added in sorted order, so the same data gives the same graph from
either store.

The graph is the store's own shape: organisations joined to the projects they are beneficiaries
of and to the procurements they buy or win; funds, CPV groups and years become node attributes
(filters), not nodes. ``stakeholder_overview`` is the exception: organisations tied directly,
from the stakeholder projection of graph/analysis/projections.py.

A view never grows without bound: ``max_nodes`` keeps the nodes nearest the centre (then the
highest PageRank, then the most money), so what is kept stays connected, and ``G.graph["omitted"]``
says how many were left out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graph.display import display_name
from graph.errors import StakenetError
from graph.lookup import resolve_organisation, resolve_region
from graph.viewattrs import currency_text, filter_names, org_filter_lists, procurement_tenders, role_class

DEFAULT_MAX_NODES = 500
# A frontier is expanded only while the collected neighbourhood stays below this many nodes
# times max_nodes: a hub's depth-3 neighbourhood is most of the graph and is capped anyway.
COLLECT_FACTOR = 20
BATCH = 5_000


Q_BEN_BY_ORG = (
    "MATCH (o:Organisation)-[r:BENEFICIARY_OF]->(p:Project) WHERE o.org_id IN $ids "
    "RETURN o.org_id, p.project_id, r.role"
)
Q_BEN_BY_PROJECT = (
    "MATCH (o:Organisation)-[r:BENEFICIARY_OF]->(p:Project) WHERE p.project_id IN $ids "
    "RETURN o.org_id, p.project_id, r.role"
)
Q_BUY_BY_ORG = (
    "MATCH (o:Organisation)-[:BUYER_OF]->(u:Procurement) WHERE o.org_id IN $ids RETURN o.org_id, u.procurement_id"
)
Q_BUY_BY_PROC = (
    "MATCH (o:Organisation)-[:BUYER_OF]->(u:Procurement) WHERE u.procurement_id IN $ids "
    "RETURN o.org_id, u.procurement_id"
)
Q_AWARD_BY_ORG = (
    "MATCH (u:Procurement)-[a:AWARDED_TO]->(o:Organisation) WHERE o.org_id IN $ids "
    "RETURN o.org_id, u.procurement_id, a.lot_id, a.value"
)
Q_AWARD_BY_PROC = (
    "MATCH (u:Procurement)-[a:AWARDED_TO]->(o:Organisation) WHERE u.procurement_id IN $ids "
    "RETURN o.org_id, u.procurement_id, a.lot_id, a.value"
)
Q_ORG_PROPS = (
    "MATCH (o:Organisation) WHERE o.org_id IN $ids RETURN o.org_id, o.name, o.org_number, o.size, o.sector, "
    "o.source, o.pagerank, o.community, o.aliases"
)
Q_PROJECT_PROPS = (
    "MATCH (p:Project) WHERE p.project_id IN $ids RETURN p.project_id, p.title, p.eu_budget, p.total_budget, "
    "p.currency, p.start_date, p.end_date, p.source"
)
Q_PROJECT_FUNDS = (
    "MATCH (p:Project)-[:FUNDED_BY]->(f:Fund) WHERE p.project_id IN $ids RETURN p.project_id, f.code"
)
Q_PROC_PROPS = (
    "MATCH (u:Procurement) WHERE u.procurement_id IN $ids RETURN u.procurement_id, u.title, u.value, u.currency, "
    "u.published, u.cpv, u.procedure, u.source"
)
Q_COMMUNITY = "MATCH (o:Organisation) WHERE o.community = $id RETURN o.org_id"
Q_COMMUNITY_IDS = "MATCH (o:Organisation) WHERE o.community IS NOT NULL RETURN DISTINCT o.community"
Q_REGION_CHILDREN = "MATCH (c:Region)-[:PART_OF]->(r:Region) WHERE r.nuts_code IN $ids RETURN c.nuts_code"
Q_REGION_PROJECTS = (
    "MATCH (p:Project)-[:LOCATED_IN]->(r:Region) WHERE r.nuts_code IN $ids RETURN DISTINCT p.project_id"
)
Q_REGION_ORGS = (
    "MATCH (o:Organisation)-[:LOCATED_IN]->(r:Region) WHERE r.nuts_code IN $ids RETURN DISTINCT o.org_id"
)
Q_PAGERANK = "MATCH (o:Organisation) WHERE o.pagerank IS NOT NULL RETURN o.org_id, o.pagerank"

Key = tuple[str, str]


@dataclass
class _Collected:
    """Nodes (with their distance from the centre) and typed org-activity links."""

    level: dict[Key, int] = field(default_factory=dict)
    # (org key, activity key) -> (relationship type, properties)
    links: dict[tuple[Key, Key], dict[str, Any]] = field(default_factory=dict)

    def add(self, key: Key, level: int) -> bool:
        if key in self.level:
            return False
        self.level[key] = level
        return True

    def link(self, org: str, activity: Key, type_: str, **props: Any) -> None:
        slot = self.links.setdefault((("Organisation", org), activity), {"type": type_, "lots": 0, "value": 0.0})
        if type_ == "AWARDED_TO":
            slot["lots"] += 1
            if props.get("value") is not None:
                slot["value"] += float(props["value"])
        if props.get("role"):
            slot["role"] = props["role"]


def _batched(store: Any, cypher: str, ids: Iterable[Any], **params: Any) -> Iterable[tuple[Any, ...]]:
    """Rows of ``cypher`` for ``$ids`` in batches (a list parameter, never pasted into the text)."""
    values = sorted(set(ids))
    for start in range(0, len(values), BATCH):
        yield from store.rows(cypher, {**params, "ids": values[start : start + BATCH]})


# -- collecting -----------------------------------------------------------------------------------
def _activities_of(store: Any, orgs: Iterable[str], col: _Collected, level: int, kinds: Sequence[str]) -> set[Key]:
    """Link ``orgs`` to their activities; return the activities that are new at ``level``."""
    new: set[Key] = set()
    orgs = list(orgs)
    if "project" in kinds:
        for org, project, role in _batched(store, Q_BEN_BY_ORG, orgs):
            key = ("Project", str(project))
            col.link(str(org), key, "BENEFICIARY_OF", role=role)
            if col.add(key, level):
                new.add(key)
    if "buy" in kinds:
        for org, proc in _batched(store, Q_BUY_BY_ORG, orgs):
            key = ("Procurement", str(proc))
            col.link(str(org), key, "BUYER_OF")
            if col.add(key, level):
                new.add(key)
    if "award" in kinds:
        for org, proc, lot, value in _batched(store, Q_AWARD_BY_ORG, orgs):
            key = ("Procurement", str(proc))
            col.link(str(org), key, "AWARDED_TO", lot=lot, value=value)
            if col.add(key, level):
                new.add(key)
    return new


def _participants_of(store: Any, activities: Iterable[Key], col: _Collected, level: int) -> set[str]:
    """Link every participant of ``activities``; return the organisations new at ``level``."""
    projects = [k for lab, k in activities if lab == "Project"]
    procs = [k for lab, k in activities if lab == "Procurement"]
    new: set[str] = set()

    def seen(org: str) -> None:
        if col.add(("Organisation", org), level):
            new.add(org)

    for org, project, role in _batched(store, Q_BEN_BY_PROJECT, projects):
        col.link(str(org), ("Project", str(project)), "BENEFICIARY_OF", role=role)
        seen(str(org))
    for org, proc in _batched(store, Q_BUY_BY_PROC, procs):
        col.link(str(org), ("Procurement", str(proc)), "BUYER_OF")
        seen(str(org))
    for org, proc, lot, value in _batched(store, Q_AWARD_BY_PROC, procs):
        col.link(str(org), ("Procurement", str(proc)), "AWARDED_TO", lot=lot, value=value)
        seen(str(org))
    return new


def slug(*parts: Any) -> str:
    """A file-name-safe stem for a view: ``slug("ego", "SE-ON:2321000198")`` -> ``ego-SE-ON_2321000198``.

    >>> slug("region", "SE313")
    'region-SE313'
    """
    return "-".join(re.sub(r"[^A-Za-z0-9_.-]+", "_", str(p)) for p in parts)


def _year(date: Any) -> str | None:
    text = str(date or "")
    return text[:4] if re.match(r"\d{4}", text) else None


def _build(store: Any, col: _Collected, keep: Iterable[Key] | None = None) -> nx.Graph:
    """The attributed graph of the collected nodes (all of them, or ``keep``)."""
    nodes = set(col.level if keep is None else keep)
    G = nx.Graph()
    by_label: dict[str, list[str]] = defaultdict(list)
    for label, ident in nodes:
        by_label[label].append(ident)
    attrs: dict[Key, dict[str, Any]] = {}
    for org_id, name, number, size, sector, source, pagerank, community, aliases in _batched(
            store, Q_ORG_PROPS, by_label["Organisation"]):
        attrs[("Organisation", str(org_id))] = {
            "type": "Organisation",
            "name": display_name(name, aliases or [], org_id),
            "org_number": number,
            "size": size,
            "source": source,
            "pagerank": pagerank,
            "community": community,
            "details": [("Sector", sector)],
        }
    funds: dict[str, set[str]] = defaultdict(set)
    for project, code in _batched(store, Q_PROJECT_FUNDS, by_label["Project"]):
        funds[str(project)].add(str(code))
    for pid, title, eu, total, currency, start, end, source in _batched(store, Q_PROJECT_PROPS, by_label["Project"]):
        attrs[("Project", str(pid))] = {
            "type": "Project",
            "name": title or pid,
            "amount": eu if eu is not None else total,
            "amount_label": "EU budget" if eu is not None else "Total budget",
            "currency": currency,
            "source": source,
            "funds": sorted(funds[str(pid)]),
            "years": [y for y in (_year(start),) if y],
            "details": [("Project id", pid), ("Period", f"{start or '?'} to {end or '?'}")],
        }
    tenders = procurement_tenders(store, by_label["Procurement"])
    for pid, title, value, currency, published, cpv, procedure, source in _batched(store, Q_PROC_PROPS, by_label["Procurement"]):
        t = tenders.get(str(pid), {})
        attrs[("Procurement", str(pid))] = {
            "tenders_received": t.get("tenders_received"),
            "single_bid_lots": t.get("single_bid_lots"),
            "type": "Procurement",
            "name": title or pid,
            "amount": value,
            "amount_label": "Contracted value",
            "currency": currency,
            "source": source,
            "cpv": [str(cpv)[:2]] if cpv else [],
            "years": [y for y in (_year(published),) if y],
            "details": [("Procurement id", pid), ("Published", published), ("CPV", cpv), ("Procedure", procedure),
                        ("Tenders received (fewest in a lot)", t.get("tenders_received")),
                        ("Single-bid lots", f"{t['single_bid_lots']} of {t['lots_known']} with a known count" if t else None)],
        }
    # Organisations: their roles and money in this view, from the links kept.
    roles: dict[Key, set[str]] = defaultdict(set)
    money: dict[Key, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    currencies: dict[Key, set[str]] = defaultdict(set)
    links = sorted((k, v) for k, v in col.links.items() if k[0] in nodes and k[1] in nodes)
    for (org, act), link in links:
        a = attrs.get(act, {})
        if a.get("currency"):
            currencies[org].add(str(a["currency"]))
        if link["type"] == "BENEFICIARY_OF":
            role = str(link.get("role") or "").strip()
            roles[org].add(f"beneficiary ({role})" if role and role.casefold() != "beneficiary" else "beneficiary")
            if a.get("amount") is not None:
                money[org]["EU projects"] += float(a["amount"])
        elif link["type"] == "BUYER_OF":
            roles[org].add("buyer")
            if a.get("amount") is not None:
                money[org]["Bought"] += float(a["amount"])
        else:
            roles[org].add("supplier")
            if link["value"]:
                money[org]["Won"] += link["value"]
    for node in sorted(nodes):
        d: dict[str, Any] = attrs.get(node, {"type": node[0], "name": node[1]})
        if node[0] == "Organisation":
            d["role"] = sorted(roles[node])
            d["role_class"] = role_class(roles[node])
            if money[node]:
                currency = next(iter(currencies[node])) if len(currencies[node]) == 1 else \
                    (" and ".join(sorted(currencies[node])) + ", summed unconverted" if currencies[node] else None)
                unit = f" {currency}" if currency else ""
                d["amount"] = sum(money[node].values())
                d["amount_label"] = "Money in this view"
                d["currency"] = currency
                d["details"] = [
                    *d.get("details", []),
                    *((f"{k} (in view)", f"{v:,.0f}".replace(",", " ") + unit) for k, v in sorted(money[node].items())),
                ]
        G.add_node(node, **d)
    for (org, act), link in links:
        G.add_edge(org, act, type=link["type"], weight=max(1, link["lots"]))
    return G


def _importance(G: nx.Graph, key: Key) -> tuple[float, float]:
    d = G.nodes[key] if key in G else {}
    return (float(d.get("pagerank") or 0.0), float(d.get("amount") or 0.0))


def _cap(
    store: Any, col: _Collected, max_nodes: int, pinned: Iterable[Key] = (), order: dict[Key, tuple[Any, ...]] | None = None
) -> nx.Graph:
    """The graph of the ``max_nodes`` nodes nearest the centre (then most important).

    ``order`` overrides the ranking for the nodes it names (smaller first; the others rank by
    distance, then importance), so a view can say which of its outer nodes matter most.
    """
    if max_nodes < 1:
        raise StakenetError(f"--max-nodes must be at least 1, got {max_nodes}")
    total = len(col.level)
    if total <= max_nodes:
        G = _build(store, col)
    else:
        full = _build(store, col)
        pin = set(pinned)
        ranked = sorted(
            col.level,
            key=lambda k: (k not in pin, col.level[k] if order is None or k not in order else order[k][0],
                           *((order[k][1:], k) if order is not None and k in order else
                             ((*(-x for x in _importance(full, k)), -full.degree(k) if k in full else 0), k))),
        )
        kept = set(ranked[:max_nodes])
        G = full.subgraph(sorted(kept)).copy()
    G.graph.update(total=total, omitted=total - G.number_of_nodes(), filter_names=filter_names(store))
    if G.graph["omitted"]:
        G.graph["more"] = f"Raise the node cap (--max-nodes) to {total} to see them all."
    return G


# -- the views ------------------------------------------------------------------------------------
def ego(store: Any, ref: str, *, depth: int = 1, max_nodes: int = DEFAULT_MAX_NODES) -> nx.Graph:
    """An organisation, its projects and procurements, and the organisations in them, ``depth`` times.

    ``depth`` 1 reaches the organisation's partners, buyers and suppliers; 2 their partners too.
    Raises StakenetError for an unknown organisation (suggesting close names) or a bad depth.
    """
    if depth < 1:
        raise StakenetError(f"--depth must be at least 1, got {depth}")
    org_id, name = resolve_organisation(store, ref)
    col = _Collected()
    centre = ("Organisation", org_id)
    col.add(centre, 0)
    frontier = {org_id}
    limit = COLLECT_FACTOR * max_nodes
    reached = 0
    for d in range(1, depth + 1):
        acts = _activities_of(store, frontier, col, 2 * d - 1, ("project", "buy", "award"))
        frontier = _participants_of(store, acts, col, 2 * d)
        reached = d
        if not frontier or len(col.level) >= limit:
            break
    G = _cap(store, col, max_nodes, pinned=[centre])
    G.graph.update(
        slug=slug("ego", org_id),
        title=f"{name}: its network (depth {depth})",
        subtitle=f"{name} ({org_id}), the EU projects and procurements it takes part in and the organisations in them."
        + (f" Expansion stopped at depth {reached}: the neighbourhood passed {limit:,} nodes." if reached < depth and frontier else ""),
        focus=centre,
        empty_message=f"{name} ({org_id}) takes part in no EU project or procurement in the graph: its neighbourhood is empty.",
        empty=G.number_of_nodes() <= 1,
    )
    return G


def community(store: Any, community_id: int, *, max_nodes: int = DEFAULT_MAX_NODES) -> nx.Graph:
    """The organisations of a Louvain community and the projects/procurements that tie them together.

    Activities are kept when at least two members take part. Raises StakenetError when the store
    has no communities (run the analysis first) or none with this id.
    """
    members = sorted(str(r[0]) for r in store.rows(Q_COMMUNITY, {"id": int(community_id)}))
    if not members:
        known = sorted(int(r[0]) for r in store.rows(Q_COMMUNITY_IDS, {}))
        if not known:
            raise StakenetError("no organisation has a community yet: run `stakenet analyze` first, then view a community")
        raise StakenetError(
            f"no community {community_id}; communities run from {known[0]} to {known[-1]} ({len(known)} in all)"
        )
    col = _Collected()
    for m in members:
        col.add(("Organisation", m), 0)
    probe = _Collected()
    acts = _activities_of(store, members, probe, 1, ("project", "buy", "award"))
    member_set = set(members)
    count: dict[Key, int] = defaultdict(int)
    for (org, act), _ in probe.links.items():
        if org[1] in member_set:
            count[act] += 1
    for act in sorted(acts):
        if count[act] >= 2:
            col.add(act, 1)
    for (org, act), link in probe.links.items():
        if act in col.level:
            col.links[(org, act)] = link
    order = _core_order(store, col) if len(col.level) > max_nodes else None
    G = _cap(store, col, max_nodes, order=order)
    if G.graph["omitted"]:
        isolated = sorted(v for v in G if G.degree(v) == 0)
        G.remove_nodes_from(isolated)
        G.graph["omitted"] += len(isolated)
        G.graph["notice"] = (f"Capped: the community's best-connected core ({G.number_of_nodes():,} of {len(col.level):,} "
                             "organisations, projects and procurements, most ties first); members with no tie in the core "
                             "are left out, not drawn as isolated dots.")
    G.graph.update(
        slug=slug("community", community_id),
        title=f"Community {community_id}",
        subtitle=f"{len(members):,} organisations of Louvain community {community_id} and the projects and procurements that tie them."
        .replace(",", " "),
        empty_message=f"Community {community_id} has no members.",
    )
    return G


def _core_order(store: Any, col: _Collected) -> dict[Key, tuple[Any, ...]]:
    """Rank a community's nodes by their ties in it (most first), so a cap keeps its connected core."""
    degree: dict[Key, int] = defaultdict(int)
    for org, act in col.links:
        if org in col.level and act in col.level:
            degree[org] += 1
            degree[act] += 1
    return {k: (0, -degree.get(k, 0), k) for k in col.level}


def region(store: Any, ref: str, *, max_nodes: int = DEFAULT_MAX_NODES) -> nx.Graph:
    """A region's network: its EU projects and organisations, their partners, procurements and suppliers.

    The region includes its NUTS sub-regions. Organisations located in the region (or
    beneficiaries of its projects) come first, then their activities, then the other organisations.
    """
    code, name = resolve_region(store, ref)
    codes = {code}
    frontier = {code}
    while frontier:
        frontier = {str(r[0]) for r in _batched(store, Q_REGION_CHILDREN, frontier)} - codes
        codes |= frontier
    col = _Collected()
    projects = sorted(str(r[0]) for r in _batched(store, Q_REGION_PROJECTS, codes))
    for p in projects:
        col.add(("Project", p), 1)
    local = sorted(str(r[0]) for r in _batched(store, Q_REGION_ORGS, codes))
    for o in local:
        col.add(("Organisation", o), 0)
    beneficiaries = _participants_of(store, [("Project", p) for p in projects], col, 0)
    centre = set(local) | beneficiaries
    for o in centre:
        col.level[("Organisation", o)] = 0
    acts = _activities_of(store, centre, col, 1, ("project", "buy", "award"))
    _participants_of(store, acts, col, 2)
    G = _cap(store, col, max_nodes)
    G.graph.update(
        slug=slug("region", code),
        title=f"{name} ({code}): its network",
        subtitle=f"EU projects located in {name} ({len(projects)}), their beneficiaries and the organisations located there, "
        "with their procurements and the suppliers and buyers in them.",
        empty_message=f"Nothing is located in {name} ({code}): no EU project or organisation in the graph has this region.",
    )
    return G


def market(store: Any, buyer: str, *, depth: int = 1, max_nodes: int = DEFAULT_MAX_NODES) -> nx.Graph:
    """A buyer's market: the buyer, its procurements and their suppliers.

    With ``depth=2`` also the suppliers' other contracts and who bought them (the competing
    buyers). Raises StakenetError for an unknown organisation (suggesting close names).
    """
    if depth not in (1, 2):
        raise StakenetError(f"--depth must be 1 or 2 for a market view, got {depth}")
    org_id, name = resolve_organisation(store, buyer)
    col = _Collected()
    centre = ("Organisation", org_id)
    col.add(centre, 0)
    procs = _activities_of(store, [org_id], col, 1, ("buy",))
    suppliers = _participants_of(store, procs, col, 2)
    if depth == 1:
        suppliers = set()
    other = _Collected()
    # The suppliers' other contracts, to show who else buys from them (kept only when capped in).
    more = _activities_of(store, suppliers, other, 3, ("award",))
    for key in sorted(more):
        if key not in col.level:
            col.add(key, 3)
    for (org, act), link in other.links.items():
        if act in col.level:
            col.links.setdefault((org, act), link)
    for o, proc in _batched(store, Q_BUY_BY_PROC, [k for _, k in more]):
        if ("Procurement", str(proc)) in col.level:
            col.link(str(o), ("Procurement", str(proc)), "BUYER_OF")
            col.add(("Organisation", str(o)), 4)
    order = _outer_market_order(col) if depth == 2 else None
    G = _cap(store, col, max_nodes, pinned=[centre], order=order)
    if depth == 2 and G.graph["omitted"]:
        buyers = sum(1 for k in G if col.level.get(k) == 4)
        G.graph["more"] = (f"The cap keeps the other buyers first ({buyers} of {sum(1 for v in col.level.values() if v == 4)}), "
                           "each with its procurement sharing most of these suppliers. " + G.graph.get("more", ""))
    G.graph.update(
        slug=slug("market", org_id),
        title=f"{name}: its supplier market",
        subtitle=f"{name} ({org_id}) as a buyer: its procurements and the suppliers that won them"
        + (", with the suppliers' other contracts and their buyers." if depth == 2 else "."),
        focus=centre,
        empty_message=f"{name} ({org_id}) buys nothing in the graph: no procurement names it as the buyer.",
        empty=G.number_of_nodes() <= 1,
    )
    return G


def _outer_market_order(col: _Collected) -> dict[Key, tuple[Any, ...]]:
    """Cap order of a depth-2 market's outer layer: the other buyers first, heaviest first, each
    right after the procurement that ties it most to the suppliers; then the remaining procurements.

    A procurement's weight is the number of lots the buyer's suppliers won in it; a buyer's, the
    sum over its procurements. Under the cap the lightest outer nodes go, never a whole layer.
    """
    weight: dict[Key, int] = defaultdict(int)
    bought: dict[Key, list[Key]] = defaultdict(list)
    for (org, act), link in col.links.items():
        if col.level.get(act) != 3:
            continue
        if link["type"] == "AWARDED_TO" and col.level.get(org) == 2:
            weight[act] += int(link["lots"])
        elif link["type"] == "BUYER_OF" and col.level.get(org) == 4:
            bought[org].append(act)
    buyers = sorted(bought, key=lambda b: (-sum(weight[p] for p in bought[b]), b))
    order: dict[Key, tuple[Any, ...]] = {}
    for i, b in enumerate(buyers):
        best = min(bought[b], key=lambda p: (-weight[p], p))
        order.setdefault(best, (3, 2 * i))
        order[b] = (3, 2 * i + 1)
    for act in col.level:
        if col.level[act] == 3 and act not in order:
            order[act] = (4, -weight[act])
    return order


def stakeholder_overview(store: Any, *, max_nodes: int = 1_500) -> nx.Graph:
    """The stakeholder network (organisations tied by shared projects and awards), capped by PageRank.

    Keeps the ``max_nodes`` organisations with the highest stored PageRank (weighted degree when
    the analysis has not been run), and the ties among them.
    """
    from graph.analysis.projections import build_network

    full = build_network(store, "stakeholder")
    stored = {str(o): float(p) for o, p in store.rows(Q_PAGERANK, {})}
    strength = dict(full.degree(weight="weight"))
    ranked = sorted(full, key=lambda v: (-stored.get(v, 0.0), -strength.get(v, 0.0), v))
    kept = sorted(ranked[:max_nodes])
    sub = full.subgraph(kept)
    col = _Collected()
    for o in kept:
        col.add(("Organisation", o), 0)
    G0 = _build(store, col)
    G = nx.Graph()
    for key, d in G0.nodes(data=True):
        G.add_node(key, **d)
    for u, v, d in sorted(sub.edges(data=True), key=lambda e: (min(e[0], e[1]), max(e[0], e[1]))):
        money = float(d.get("money") or 0.0) + float(d.get("value") or 0.0)
        G.add_edge(("Organisation", u), ("Organisation", v), type="shared projects / awards", weight=float(d.get("weight") or 1.0))
        for end in (u, v):
            node = G.nodes[("Organisation", end)]
            node["amount"] = float(node.get("amount") or 0.0) + money
            node["amount_label"] = "Money on its ties"
    lists = org_filter_lists(store, kept)
    currency = currency_text(store)
    for (_, org), node in G.nodes(data=True):
        mine = lists.get(org, {})
        node.update({k: mine.get(k, []) for k in ("funds", "cpv", "years")})
        node["role"] = mine.get("roles", [])
        node["role_class"] = role_class(node["role"])
        if node.get("amount_label") == "Money on its ties":
            node["currency"] = currency
    G.graph.update(
        filter_names=filter_names(store),
        slug="network",
        title="The stakeholder network",
        subtitle="Organisations tied by shared EU projects and by procurement awards (buyer and supplier).",
        total=full.number_of_nodes(),
        omitted=full.number_of_nodes() - G.number_of_nodes(),
        more=f"Raise the node cap (--max-nodes) to {full.number_of_nodes()} to see them all.",
        empty_message="The graph has no organisations tied to each other yet: load data first.",
    )
    return G

