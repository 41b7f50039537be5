"""Exports a network projection (or the whole graph) with its metrics for Gephi, Cytoscape and spreadsheets.

``stakenet export graphml|gexf|csv [--network NAME]``: with a network (collaboration, market,
buyers, stakeholder) the file holds that projection's nodes and weighted edges, each node with its
display name, organisation number and the metrics computed on that projection (degree, strength,
PageRank, betweenness, eigenvector, core, community); without one, every node and relationship of
the graph with their stored properties (organisations carry the metrics `stakenet analyze` wrote).
``--network single_bid`` holds the buyers tied by suppliers that mostly win single-bid lots, and
``--network dependence`` the buyer -> supplier dependence edges (graph/analysis/competition_network.py).
CSV is a folder with ``nodes.csv`` and ``edges.csv``. An existing target is kept unless ``force``.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from graph.analysis.analyze import analyze_projection
from graph.analysis.competition_network import dependence_graph, single_bid_buyer_graph, wins_from
from graph.analysis.projections import NETWORKS, projection
from graph.competition import compute_competition
from graph.display import display_name, org_number_text
from graph.errors import ExportError
from graph.model import NODE_TYPES, REL_TYPES

FORMATS = ("graphml", "gexf", "csv")
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0 (GraphML, GEXF)
_CAST = {"INT64": int, "DOUBLE": float, "BOOLEAN": bool, "STRING": str}


@dataclass
class ExportInfo:
    """What an export wrote."""

    path: Path
    nodes: int
    edges: int
    network: str | None


def default_target(fmt: str, network: str | None) -> Path:
    """``stakenet-market.graphml``, ``stakenet-graph.gexf``, ``stakenet-market-csv`` (a folder)."""
    stem = f"stakenet-{network or 'graph'}"
    return Path(f"{stem}-csv" if fmt == "csv" else f"{stem}.{fmt}")


def _clean(value: Any, type_: str = "") -> Any:
    """A value a GraphML/GEXF attribute can hold: lists joined by ';', NaN and None dropped (returns None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value) if value else None
    cast = _CAST.get(type_)
    try:
        value = cast(value) if cast else value
    except (TypeError, ValueError):
        value = str(value)
    return _XML_UNSAFE.sub(" ", value) if isinstance(value, str) else value


def _name_nodes(store: Any, G: nx.Graph) -> None:
    """Give every organisation node its display name (``label``) and, where known, its organisation number."""
    names = {r[0]: (r[1], r[2] or []) for r in store.rows(
        "MATCH (o:Organisation) WHERE o.org_id IN $ids RETURN o.org_id, o.name, o.aliases", {"ids": list(G.nodes)})}
    for node, attrs in G.nodes(data=True):
        name, aliases = names.get(node, (None, []))
        attrs["label"] = display_name(name, aliases, node)
        number = org_number_text(node)
        if number:
            attrs["org_number"] = number


COMPETITION_NETWORKS = ("single_bid", "dependence")


def competition_graph(store: Any, network: str) -> nx.Graph:
    """The competition network ``network`` (single_bid, dependence) with each organisation's display name."""
    comp = compute_competition(store)
    G: nx.Graph = (single_bid_buyer_graph(wins_from(comp.lots, comp.winners)) if network == "single_bid"
                   else dependence_graph(comp.winner_shares))
    _name_nodes(store, G)
    for _, _, attrs in G.edges(data=True):
        for key in [k for k, v in attrs.items() if v is None]:
            del attrs[key]  # an unknown value share is left out, not written as 0
    G.graph = {"network": network, "weight_attribute": str(G.graph.get("weight", "weight")),
               **{k: v for k, v in G.graph.items() if k.startswith("min_")}}
    return G


def projection_graph(store: Any, network: str, *, seed: int = 42) -> nx.Graph:
    """The projection ``network`` with its metrics and each organisation's names as node attributes."""
    if network not in NETWORKS:
        raise ExportError(f"unknown network {network!r}; choose from {', '.join(NETWORKS + COMPETITION_NETWORKS)}")
    proj = projection(store, network)
    G = proj.to_networkx()
    result = analyze_projection(proj, seed=seed)
    for metric, values in result.metrics.items():
        for node, value in values.items():
            cleaned = _clean(value)
            if cleaned is not None and node in G:
                G.nodes[node][metric] = cleaned
    _name_nodes(store, G)
    for _, _, attrs in G.edges(data=True):
        for key, value in attrs.items():
            attrs[key] = float(value)  # one type per attribute: GraphML keys are typed
    G.graph = {"network": network, "weight_attribute": proj.weight}
    return G


def whole_graph(store: Any) -> nx.MultiDiGraph:
    """Every node (id ``Label:key``) and relationship of the graph with its stored properties."""
    G = nx.MultiDiGraph(network="graph")
    for label, nt in NODE_TYPES.items():
        if label == "Meta":  # the store's own bookkeeping (schema version), not part of the graph
            continue
        cols = list(nt.props)
        cypher = f"MATCH (n:{label}) RETURN " + ", ".join(f"n.{p.name}" for p in cols)
        for row in store.rows(cypher, {}):
            values = dict(zip((p.name for p in cols), row))
            if values[nt.key] is None:
                continue
            attrs = {p.name: v for p in cols if (v := _clean(values[p.name], p.type)) is not None}
            attrs["type"] = label
            if label == "Organisation":
                attrs["label"] = display_name(values.get("name"), values.get("aliases") or [], values[nt.key])
            else:
                attrs["label"] = str(values.get("name") or values.get("title") or values.get("code") or values[nt.key])
            G.add_node(f"{label}:{values[nt.key]}", **attrs)
    for type_, rt in REL_TYPES.items():
        for src, dst in rt.pairs:
            sk, dk = NODE_TYPES[src].key, NODE_TYPES[dst].key
            cypher = (f"MATCH (a:{src})-[r:{type_}]->(b:{dst}) RETURN a.{sk}, b.{dk}"
                      + "".join(f", r.{p.name}" for p in rt.props))
            for row in sorted(store.rows(cypher, {}), key=lambda r: tuple(str(x) for x in r)):
                attrs = {p.name: v for p, raw in zip(rt.props, row[2:]) if (v := _clean(raw, p.type)) is not None}
                G.add_edge(f"{src}:{row[0]}", f"{dst}:{row[1]}", type=type_, **attrs)
    return G


def _write_csv(G: nx.Graph, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    node_keys = sorted({k for _, a in G.nodes(data=True) for k in a})
    with (folder / "nodes.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", *node_keys])
        for node, a in G.nodes(data=True):
            w.writerow([node, *(a.get(k, "") for k in node_keys)])
    edge_keys = sorted({k for *_, a in G.edges(data=True) for k in a})
    with (folder / "edges.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["source", "target", *edge_keys])
        for u, v, a in G.edges(data=True):
            w.writerow([u, v, *(a.get(k, "") for k in edge_keys)])


def export_network(store: Any, fmt: str, *, network: str | None = None, out: str | Path | None = None,
                   force: bool = False, seed: int = 42) -> ExportInfo:
    """Write the projection ``network`` (or the whole graph) as ``fmt`` to ``out``; refuse an existing
    target unless ``force``. Returns what was written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    target = Path(out) if out else default_target(fmt, network)
    written = [target / "nodes.csv", target / "edges.csv"] if fmt == "csv" else [target]
    if fmt != "csv" and target.is_dir():
        raise ExportError(f"{target} is a folder; give a file name for {fmt} with --out")
    if fmt == "csv" and target.exists() and not target.is_dir():
        raise ExportError(f"{target} is a file; csv writes a folder (nodes.csv, edges.csv): choose another --out")
    existing = [p for p in written if p.exists()]
    if existing and not force:
        raise ExportError(f"{existing[0]} exists; pass --force to overwrite it or choose another --out")
    if network in COMPETITION_NETWORKS:
        G = competition_graph(store, network)
    else:
        G = projection_graph(store, network, seed=seed) if network else whole_graph(store)
    try:
        if fmt == "csv":
            _write_csv(G, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "graphml":
                nx.write_graphml(G, target, named_key_ids=True)
            else:
                nx.write_gexf(G, target)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}; choose another --out") from exc
    return ExportInfo(target, G.number_of_nodes(), G.number_of_edges(), network)
