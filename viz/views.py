"""Write interactive network pages (pyvis / vis-network) from an attributed networkx graph.

The page works offline: vis-network's script and style (the copy shipped inside the pyvis
package) are inlined, nothing is fetched from a CDN. Every string from the data reaches the page
either through the JSON data block (``<``, ``>`` and ``&`` escaped, so a name cannot close the
``<script>``), through Jinja with autoescaping, or through ``textContent`` in the page's script;
tooltips are DOM elements built from text, never HTML strings.

Node attributes read (all optional except ``type`` and ``name``):

- ``type``: the node label (``Organisation``, ``Project``, ``Procurement``, ...);
- ``name``: what the node is called (a title for projects and procurements);
- ``org_number``, ``role`` (a string or a list), ``size`` (size class), ``source``;
- ``amount`` with ``currency`` and ``amount_label`` (money: size by money uses it);
- ``pagerank``, ``community`` (metrics written by graph/analysis/analyze.py);
- ``role_class``: buyer, supplier, beneficiary, partner or several roles (colour by role);
- ``tenders_received`` on procurements: the fewest tenders a lot received (colour by tenders; 1 = single bid);
- ``funds``, ``cpv``, ``years``: lists the page filters on. Nodes without them (organisations)
  inherit the union of their neighbours' values, so "fund ERDF" keeps the organisations in
  ERDF projects;
- ``details``: extra ``(label, value)`` rows for the tooltip.

Edge attributes read: ``weight`` (edge width), ``type`` (shown in the edge tooltip).
Graph attributes read (``G.graph``): ``title``, ``subtitle``, ``focus`` (a node selected on load),
``omitted`` (nodes left out by a cap) with ``more`` (how to see them), ``notice`` (what a cap kept),
``filter_names`` (``{"cpv": {code: name}, "funds": {code: name}}``), and ``empty`` (nothing
around the centre: the page says ``empty_message`` instead of drawing).

>>> import networkx as nx, tempfile, os
>>> G = nx.Graph(title="Two organisations")
>>> G.add_node("a", type="Organisation", name="Region Gävleborg", pagerank=0.6)
>>> G.add_node("b", type="Organisation", name="Ljusdals kommun", pagerank=0.4)
>>> G.add_edge("a", "b", weight=2)
>>> info = write_view(G, os.path.join(tempfile.mkdtemp(), "two.html"))
>>> (info.nodes, info.edges, info.layout)
(2, 1, 'physics')
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from graph.errors import StakenetError

TEMPLATES = Path(__file__).resolve().parent / "templates"
PHYSICS_MAX_NODES = 1000
LABEL_MAX = 42
TYPE_COLOURS = {
    "Organisation": "#2b6cb0",
    "Project": "#2f9e44",
    "Procurement": "#e8590c",
    "Fund": "#7048e8",
    "Programme": "#868e96",
    "Theme": "#d6336c",
    "Region": "#8d6e63",
    "Country": "#5c940d",
}
OTHER_COLOUR = "#adb5bd"
# Colour-blind-friendly qualitative palette (Okabe-Ito, then Tableau 10 extras) for communities.
PALETTE = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1",
)
FILTER_LISTS = ("funds", "cpv", "years")
ROLE_COLOURS = {
    "buyer": "#e8590c",
    "supplier": "#2b6cb0",
    "beneficiary": "#2f9e44",
    "partner": "#9c36b5",
    "several roles": "#f08c00",
}
# Tenders received per procurement (the fewest over its lots): a single bid stands out in red.
TENDER_COLOURS = {
    "1 (single bid)": "#d62728",
    "2-3": "#f0a202",
    "4 or more": "#2f9e44",
}
COLOUR_MODES = ("type", "community", "role", "tenders")


def tender_class(tenders: Any) -> str | None:
    """The tenders-received class a view colours a procurement by.

    >>> tender_class(1), tender_class(3), tender_class(12), tender_class(None)
    ('1 (single bid)', '2-3', '4 or more', None)
    """
    n = _number(tenders)
    if n is None or n < 1:
        return None
    return "1 (single bid)" if n == 1 else "2-3" if n <= 3 else "4 or more"


@dataclass(frozen=True)
class PageInfo:
    """What a written page shows: its path, drawn nodes and edges, nodes left out, and the layout.

    ``layout`` is ``"physics"`` (vis-network settles a seeded start layout, then stops) or
    ``"precomputed"`` (positions computed here, physics off: views above PHYSICS_MAX_NODES).
    """

    path: Path
    nodes: int
    edges: int
    omitted: int
    layout: str


def safe_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element (no ``</script>``, no ``<!--``).

    >>> safe_json({"name": "</script><img src=x onerror=alert(1)>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x onerror=alert(1)\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _text_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str | int | float):
        return [str(value)]
    return sorted({str(v) for v in value if v is not None and v != ""})


def _money(amount: float, currency: str | None) -> str:
    """``1234567.8, "SEK"`` -> ``"1 234 568 SEK"`` (thin spaces would not survive every font).

    >>> _money(1234567.8, "SEK")
    '1 234 568 SEK'
    """
    text = f"{amount:,.0f}".replace(",", " ")
    return f"{text} {currency}" if currency else text


def _count(n: int) -> str:
    """``12345`` -> ``"12 345"`` (a space groups thousands, as in Swedish and SI usage).

    >>> _count(12345)
    '12 345'
    """
    return f"{n:,}".replace(",", " ")


def _option(code: str, names: Mapping[str, str]) -> str:
    """A filter value as people read it: ``45 Anläggningsarbete``, ``ERDF (European Regional Development Fund)``."""
    name = names.get(code)
    if not name or name == code:
        return code
    return f"{code} {name}" if code[:1].isdigit() else f"{code} ({name})"


def _label(name: str) -> str:
    return name if len(name) <= LABEL_MAX else name[: LABEL_MAX - 1] + "…"


def _component_layout(g: Any, seed: int, spacing: float) -> np.ndarray:
    """Fruchterman-Reingold coordinates of one connected igraph graph, from (0, 0).

    Scaled by area, about ``spacing`` x ``spacing`` pixels per node: a dense component gets as
    much room per node as a sparse one (scaling by edge length would crush a hairball).
    """
    n = g.vcount()
    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[0.0, 0.0], [spacing, 0.0]])
    rng = np.random.default_rng(seed)
    # Start spread like igraph's own random start: the grid variant crawls when nodes start crowded.
    start = rng.uniform(-1.0, 1.0, size=(n, 2)) * math.sqrt(n)
    coords = np.array(
        g.layout_fruchterman_reingold(
            seed=start.tolist(), niter=300 if n > 1000 else 500, grid="auto" if n > 1000 else "nogrid"
        ).coords
    )
    coords -= coords.min(axis=0)
    long_side, short_side = sorted(map(float, coords.max(axis=0)), reverse=True)
    if long_side <= 0:
        return coords
    # A nearly straight component (a path, a pair plus one) has almost no area: count its short
    # side as at least long/sqrt(n) so it is not blown up to the width of the screen.
    area = long_side * max(short_side, long_side / math.sqrt(n))
    return coords * (math.sqrt(n) * spacing / math.sqrt(area))


def layout_positions(G: nx.Graph, seed: int = 0, spacing: float = 45.0) -> dict[Hashable, tuple[float, float]]:
    """Seeded Fruchterman-Reingold positions (igraph's grid variant: near-linear on big graphs).

    Each connected component is laid out on its own (about ``spacing`` pixels square per node)
    and the components are packed in rows, biggest first, so that a few isolated nodes do not
    push the main component into a corner of the screen. Same graph (same node and edge order)
    and seed, same positions.

    >>> import networkx as nx
    >>> pos = layout_positions(nx.path_graph(3), seed=1)
    >>> pos == layout_positions(nx.path_graph(3), seed=1), len(pos)
    (True, 3)
    """
    import igraph as ig

    nodes = list(G)
    n = len(nodes)
    if n == 0:
        return {}
    index = {v: i for i, v in enumerate(nodes)}
    g = ig.Graph(n=n, edges=[(index[u], index[v]) for u, v in G.edges() if u != v])
    members = sorted((sorted(c) for c in g.connected_components()), key=lambda c: (-len(c), c[0]))
    boxes: list[tuple[list[int], np.ndarray]] = []
    # igraph's layouts draw from a process-wide generator (Python's ``random`` by default): seed a
    # private one for this call and put the default back.
    ig.set_random_number_generator(random.Random(seed))
    try:
        for i, comp in enumerate(members):
            boxes.append((comp, _component_layout(g.subgraph(comp), seed + i, spacing)))
    finally:
        ig.set_random_number_generator(random)
    # Shelf packing: rows as wide as the biggest component (or the square root of the total area).
    gap = spacing
    sizes = [box.max(axis=0) + gap for _, box in boxes]
    width = max(float(sizes[0][0]), math.sqrt(sum(float(w * h) for w, h in sizes)))
    coords = np.zeros((n, 2))
    x = y = row_height = 0.0
    for (comp, box), (w, h) in zip(boxes, sizes):
        if x > 0 and x + w > width:
            x, y, row_height = 0.0, y + row_height, 0.0
        coords[comp] = box + (x, y)
        x += float(w)
        row_height = max(row_height, float(h))
    coords -= coords.mean(axis=0)
    return {v: (round(float(cx), 1), round(float(cy), 1)) for v, (cx, cy) in zip(nodes, coords)}


def _inherit_filters(G: nx.Graph) -> dict[Hashable, dict[str, list[str]]]:
    """Filter lists per node; nodes without a list (no attribute at all) take the union of their neighbours' lists."""
    own = {v: {k: _text_list(d.get(k)) for k in FILTER_LISTS} for v, d in G.nodes(data=True)}
    out: dict[Hashable, dict[str, list[str]]] = {}
    for v, lists in own.items():
        out[v] = {}
        for k in FILTER_LISTS:
            if lists[k] or k in G.nodes[v]:  # a list of its own, even empty, is not inherited
                out[v][k] = lists[k]
            else:
                out[v][k] = sorted({x for u in G.neighbors(v) for x in own[u][k]})
    return out


def _info_rows(d: Mapping[str, Any], pagerank: float | None) -> list[list[str]]:
    rows: list[list[str]] = [["Type", str(d.get("type") or "")]]
    if d.get("org_number"):
        rows.append(["Org. number", str(d["org_number"])])
    roles = _text_list(d.get("role"))
    if roles:
        rows.append(["Role", ", ".join(roles)])
    if d.get("size"):
        rows.append(["Size class", str(d["size"])])
    for label, value in d.get("details") or ():
        if value not in (None, ""):
            rows.append([str(label), str(value)])
    amount = _number(d.get("amount"))
    if amount is not None:  # money always says its currency, or that none was recorded
        rows.append([str(d.get("amount_label") or "Amount"), _money(amount, d.get("currency") or "(currency not recorded)")])
    if pagerank is not None:
        rows.append(["PageRank", f"{pagerank:.4g}"])
    if d.get("community") is not None:
        rows.append(["Community", str(d["community"])])
    if d.get("source"):
        rows.append(["Source", str(d["source"])])
    return rows


def _options(physics: bool, big: bool, directed: bool, seed: int, medium: bool = False) -> dict[str, Any]:
    # Physics starts from the seeded precomputed layout, so a short stabilisation is enough.
    return {
        "autoResize": True,
        "nodes": {"shape": "dot", "borderWidth": 1, "font": {"size": 13, "face": "sans-serif", "color": "#212529"}},
        "edges": {
            "smooth": False if big or medium else {"enabled": True, "type": "continuous", "roundness": 0.3},
            "color": {"color": "#9aa5b1", "highlight": "#343a40", "hover": "#343a40", "opacity": 0.7},
            "arrows": {"to": {"enabled": directed, "scaleFactor": 0.5}},
        },
        "interaction": {
            "hover": not big,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "keyboard": False,
        },
        "layout": {"improvedLayout": False, "randomSeed": seed},
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -5000,
                "springLength": 90,
                "springConstant": 0.03,
                "damping": 0.4,
                "avoidOverlap": 0.1,
            },
            "minVelocity": 1.0,
            "stabilization": {"enabled": physics, "iterations": 60 if medium else 150, "updateInterval": 50, "fit": True},
        },
    }


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """vis-network's minified script and its style, from the copy inside the pyvis package."""
    import pyvis

    lib = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    try:
        return (lib / "vis-network.min.js").read_text(encoding="utf-8"), (lib / "vis-network.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise StakenetError(f"vis-network is missing from the pyvis package at {lib}: reinstall pyvis==0.3.2") from exc


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]), keep_trailing_newline=True)


def _pyvis_network(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], options: dict[str, Any], directed: bool) -> Any:
    """The page's nodes, edges and options as a pyvis Network.

    pyvis's ``add_node``/``add_edge`` check duplicates with list scans (quadratic: minutes at 5,000
    nodes), so the node and edge option dicts are built with pyvis's own Node/Edge classes and
    appended directly; a networkx graph has no duplicates to check.
    """
    from pyvis.edge import Edge
    from pyvis.network import Network
    from pyvis.node import Node

    net = Network(directed=directed, cdn_resources="in_line")
    for n in nodes:
        opts = dict(n)
        node = Node(opts.pop("id"), "dot", label=opts.pop("label"), **opts)
        net.nodes.append(node.options)
        net.node_ids.append(node.options["id"])
        net.node_map[node.options["id"]] = node.options
    for e in edges:
        opts = dict(e)
        net.edges.append(Edge(opts.pop("from"), opts.pop("to"), directed, **opts).options)
    net.set_options(json.dumps(options))
    return net


def _communities(values: Iterable[Any]) -> list[dict[str, Any]]:
    counts = Counter(v for v in values if v is not None)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return [
        {"id": str(c), "count": n, "colour": PALETTE[i] if i < len(PALETTE) else OTHER_COLOUR}
        for i, (c, n) in enumerate(ranked)
    ]


def write_view(
    G: nx.Graph,
    path: str | Path,
    *,
    title: str | None = None,
    colour_by: str = "type",
    size_by: str | None = None,
    physics_max_nodes: int = PHYSICS_MAX_NODES,
    seed: int = 0,
) -> PageInfo:
    """Write ``G`` as an interactive, self-contained HTML page at ``path``.

    Parameters
    ----------
    G : networkx.Graph or DiGraph
        Nodes carry the attributes listed in the module docstring; ``G.graph`` may carry
        ``title``, ``subtitle``, ``focus``, ``omitted``, ``more`` and ``empty_message``.
    path : path
        The HTML file to write (its folder is created).
    title : str, optional
        Overrides ``G.graph["title"]``.
    colour_by : {"type", "community", "role", "tenders"}
        The initial colouring; the page can switch.
    size_by : {"pagerank", "money"}, optional
        The initial sizing; default PageRank when any node has one, else money.
    physics_max_nodes : int
        Above this many nodes the layout is precomputed and physics is off.
    seed : int
        Seeds the layout.

    Returns
    -------
    PageInfo
    """
    if colour_by not in COLOUR_MODES:
        raise StakenetError(f"colour_by must be one of {', '.join(COLOUR_MODES)}, not {colour_by!r}")
    if size_by not in (None, "pagerank", "money"):
        raise StakenetError(f"size_by must be 'pagerank' or 'money', not {size_by!r}")
    out = Path(path)
    if G.graph.get("empty") and G.number_of_nodes():
        # Only the centre is left: say so instead of drawing one lonely dot.
        empty_graph = nx.Graph()
        empty_graph.graph.update(G.graph)
        G = empty_graph
    ids = {v: i for i, v in enumerate(G)}
    n = len(ids)
    big = n > physics_max_nodes
    physics = not big and n > 0
    positions = layout_positions(G, seed=seed)
    filters = _inherit_filters(G)

    nodes: list[dict[str, Any]] = []
    for v, d in G.nodes(data=True):
        name = str(d.get("name") or v)
        ntype = str(d.get("type") or "Other")
        pagerank = _number(d.get("pagerank"))
        x, y = positions[v]
        nodes.append(
            {
                "id": ids[v],
                "label": _label(name),
                "name": name,
                "ntype": ntype,
                "community": None if d.get("community") is None else str(d["community"]),
                "role": d.get("role_class") if d.get("role_class") in ROLE_COLOURS else None,
                "tenders": tender_class(d.get("tenders_received")),
                "pagerank": pagerank,
                "money": _number(d.get("amount")),
                "info": _info_rows(d, pagerank),
                "x": x,
                "y": y,
                **filters[v],
            }
        )
    edges: list[dict[str, Any]] = []
    for u, v, d in G.edges(data=True):
        weight = _number(d.get("weight")) or 1.0
        edges.append(
            {
                "from": ids[u],
                "to": ids[v],
                "width": round(1.0 + 1.5 * math.log2(max(weight, 1.0)), 2),
                "etype": str(d.get("type") or ""),
                "weight": weight,
            }
        )
    directed = G.is_directed()
    net = _pyvis_network(nodes, edges, _options(physics, big, directed, seed, medium=n > 300), directed)
    graph_nodes, graph_edges, _, _, _, options_json = net.get_network_data()

    types = Counter(nd["ntype"] for nd in nodes)
    type_list = [
        {"type": t, "count": types[t], "colour": TYPE_COLOURS.get(t, OTHER_COLOUR)}
        for t in sorted(types, key=lambda t: (list(TYPE_COLOURS).index(t) if t in TYPE_COLOURS else 99, t))
    ]
    has_pagerank = any(nd["pagerank"] is not None for nd in nodes)
    has_money = any(nd["money"] is not None for nd in nodes)
    size = size_by or ("pagerank" if has_pagerank else "money")
    currencies = sorted({str(d["currency"]) for _, d in G.nodes(data=True) if d.get("currency")})
    roles = Counter(nd["role"] for nd in nodes if nd["role"])
    tenders = Counter(nd["tenders"] for nd in nodes if nd["tenders"])
    names = {k: {str(c): str(n) for c, n in (G.graph.get("filter_names") or {}).get(k, {}).items()} for k in ("funds", "cpv")}
    focus = G.graph.get("focus")
    data = {
        "nodes": graph_nodes,
        "edges": graph_edges,
        "options": json.loads(options_json),
        "types": type_list,
        "communities": _communities(nd["community"] for nd in nodes),
        "colourBy": colour_by,
        "sizeBy": size,
        "physics": physics,
        "focus": ids.get(focus) if focus is not None else None,
        "currency": ", ".join(currencies),
        "roles": [{"role": r, "count": roles[r], "colour": c} for r, c in ROLE_COLOURS.items() if roles[r]],
        "tenders": [{"tenders": t, "count": tenders[t], "colour": c} for t, c in TENDER_COLOURS.items() if tenders[t]],
        "filterNames": names,
        "otherColour": OTHER_COLOUR,
    }
    omitted = int(G.graph.get("omitted") or 0)
    page_title = str(title or G.graph.get("title") or "stakenet network view")
    vis_js, vis_css = _vis_assets()
    html = _environment().get_template("view.html").render(
        title=page_title,
        subtitle=str(G.graph.get("subtitle") or ""),
        summary=f"{_count(n)} nodes, {_count(len(edges))} links.",
        layout_note=f"More than {_count(physics_max_nodes)} nodes: positions precomputed, physics off." if big else "",
        omitted=omitted,
        more=str(G.graph.get("more") or ""),
        empty=n == 0,
        empty_message=str(G.graph.get("empty_message") or "Nothing to show: this view has no nodes."),
        types=type_list,
        funds=[(f, _option(f, names["funds"])) for f in sorted({f for nd in nodes for f in nd["funds"]})],
        cpv=[(f, _option(f, names["cpv"])) for f in sorted({f for nd in nodes for f in nd["cpv"]})],
        notice=str(G.graph.get("notice") or ""),
        has_role=bool(roles),
        has_tenders=bool(tenders),
        years=sorted({f for nd in nodes for f in nd["years"]}),
        has_pagerank=has_pagerank,
        has_money=has_money,
        has_community=bool(data["communities"]),
        colour_by=colour_by,
        size_by=size,
        physics=physics,
        vis_js=Markup(vis_js),
        vis_css=Markup(vis_css),
        app_js=Markup((TEMPLATES / "view.js").read_text(encoding="utf-8")),
        data_json=Markup(safe_json(data)),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return PageInfo(out, n, len(edges), omitted, "precomputed" if big else "physics")


def view_target(out: Path, slug: str) -> Path:
    """``--out`` is a .html file, or a folder that gets ``<slug>.html``."""
    return out if out.suffix.lower() in (".html", ".htm") else out / f"{slug}.html"


def write_view_page(G: nx.Graph, out: Path, rerun: str, *, seed: int = 0, colour_by: str = "type") -> list[str]:
    """Write a view command's page for ``G`` at ``out`` (file or folder); the lines to tell the user.

    ``rerun`` is the command that drew ``G``: when nodes were left out, the page and the lines say
    how to draw them all (``rerun --max-nodes <total>``).
    """
    omitted = int(G.graph.get("omitted") or 0)
    if omitted:
        G.graph["more"] = f"To see them: {rerun} --max-nodes {int(G.graph.get('total') or 0)}"
    target = view_target(out, str(G.graph.get("slug") or "view"))
    try:
        info = write_view(G, target, seed=seed, colour_by=colour_by)
    except OSError as exc:
        raise StakenetError(f"cannot write the view to {target}: {exc.strerror or exc}. Choose another --out.") from exc
    lines = [f"wrote {info.path}: {info.nodes:,} nodes, {info.edges:,} links ({info.layout} layout)"]
    if omitted:
        lines.append(f"  {omitted:,} more nodes left out by --max-nodes. {G.graph['more']}")
    if info.nodes == 0:
        lines.append(f"  the view is empty: {G.graph.get('empty_message')}")
    return lines
