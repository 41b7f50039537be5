"""A 5,000-node network view in headless Chromium: seconds until it is drawn and still.

The graph is a region view of the synthetic network (``stakenet view region SE110``, Stockholm,
capped at 5,000 nodes: organisations, projects and procurements). Two pages of the same graph:

- stakenet's page (viz.write_view): positions precomputed in Python (igraph's seeded
  Fruchterman-Reingold), physics off, straight edges; "drawn and still" = the first
  ``afterDrawing`` event (``window.stakenet.ready``).
- the baseline: pyvis 0.3.2's default page for the same nodes and edges (its own template, vis
  inlined, default options: physics on, barnesHut, improvedLayout); "still" = vis-network's
  physics reports ``stabilized`` (the simulation stopped moving). Its template links Bootstrap
  from a CDN; those requests are aborted (no network), so they cost nothing. The baseline is
  given at most ``cap`` seconds.

Each side's timed interval runs from the graph in memory to a drawn, still page: writing its page
(for stakenet that includes its own layout step, igraph's Fruchterman-Reingold in
``viz.write_view``) plus the browser's time from ``page.goto`` to the condition, in the same
browser, one fresh page each. Goal: stakenet under 3 s. Baseline cap 30 s for the browser part
(``--quick``: 300 nodes, cap 10 s).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx

from graph.neighbourhood import region
from graph.sources.synthetic import iter_records
from graph.store.embedded import EmbeddedStore, open_database
from viz.views import write_view

GOAL_SECONDS = 3.0


def _graph(nodes: int, workdir: Path) -> tuple[nx.Graph, float, float]:
    conn = open_database(workdir / "bench.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    t0 = time.perf_counter()
    store.load(iter_records(scale=max(600, nodes // 2), seed=42))
    t1 = time.perf_counter()
    G = region(store, "SE110", max_nodes=nodes)
    t2 = time.perf_counter()
    conn.close()
    return G, t1 - t0, t2 - t1


def _baseline_page(G: nx.Graph, path: Path) -> None:
    """pyvis's own page for G: default template and options (node/edge dicts appended directly,
    since pyvis's add_edge scans every edge per call and would take minutes here)."""
    from pyvis.network import Network

    net = Network(cdn_resources="in_line")
    ids = {v: i for i, v in enumerate(G)}
    for v, d in G.nodes(data=True):
        net.nodes.append({"id": ids[v], "label": str(d.get("name") or v)[:40], "shape": "dot", "title": str(d.get("type"))})
        net.node_ids.append(ids[v])
    for u, v in G.edges():
        net.edges.append({"from": ids[u], "to": ids[v]})
    path.write_text(net.generate_html(), encoding="utf-8")


def _time_page(browser: Any, path: Path, condition: str, network: str, cap: float) -> tuple[float | None, int, list[str]]:
    """Seconds from goto until ``condition`` holds (None past ``cap``), drawn nodes, console errors."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    start = time.perf_counter()
    try:
        page.goto(path.as_uri(), wait_until="commit")
        page.wait_for_function(condition, polling="raf", timeout=cap * 1000)
        seconds: float | None = time.perf_counter() - start
        drawn = int(page.evaluate(f"{network}.body.data.nodes.length"))
    except Exception as exc:  # playwright's TimeoutError: the page did not settle within the cap
        if "Timeout" not in type(exc).__name__:
            raise
        # Do not ask the page anything more: its main thread may still be busy for minutes.
        seconds, drawn = None, 0
    finally:
        t = time.perf_counter()
        page.close()
        if time.perf_counter() - t > 1:
            print(f"  (closing the page took {time.perf_counter() - t:.1f} s)")
    return seconds, drawn, errors


def run(quick: bool) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium, missing_chromium_message

    problem = missing_chromium_message()
    if problem:
        raise SystemExit(problem)
    nodes, cap = (300, 10.0) if quick else (5_000, 30.0)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        G, load_s, extract_s = _graph(nodes, work)
        t = time.perf_counter()
        info = write_view(G, work / "stakenet.html", seed=42)
        write_s = time.perf_counter() - t
        t = time.perf_counter()
        _baseline_page(G, work / "baseline.html")
        baseline_write_s = time.perf_counter() - t
        print(f"graph: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} links "
              f"(synthetic load {load_s:.1f} s, region extraction {extract_s:.1f} s)")
        print(f"page write: stakenet {write_s:.2f} s ({info.layout} layout, "
              f"{info.path.stat().st_size / 1e6:.1f} MB), baseline {baseline_write_s:.2f} s")
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            try:
                ours, ours_drawn, ours_err = _time_page(browser, info.path, "window.stakenet && window.stakenet.ready",
                                                     "stakenet.network", cap)
                base, base_drawn, base_err = _time_page(
                    browser, work / "baseline.html",
                    "typeof network !== 'undefined' && network.physics && network.physics.stabilized === true",
                    "network", cap,
                )
            finally:
                browser.close()
    assert ours is not None, f"stakenet's page did not settle within {cap} s"
    assert ours_drawn == G.number_of_nodes(), (ours_drawn, G.number_of_nodes())
    ours_total = write_s + ours
    print(f"stakenet: layout + page {write_s:.2f} s, browser until drawn and still {ours:.2f} s: {ours_total:.2f} s "
          f"({ours_drawn:,} nodes drawn); goal < {GOAL_SECONDS:.0f} s: {'met' if ours_total < GOAL_SECONDS else 'MISSED'}; "
          f"console errors: {len(ours_err)}")
    base_total = None if base is None else baseline_write_s + base
    if base_total is None:
        print(f"baseline (pyvis default, physics on): page {baseline_write_s:.2f} s, not still after {cap:.0f} s; "
              f"ratio > {(baseline_write_s + cap) / ours_total:.1f}x")
    else:
        print(f"baseline (pyvis default, physics on): page {baseline_write_s:.2f} s, still after {base:.2f} s "
              f"({base_drawn:,} nodes): {base_total:.2f} s; ratio {base_total / ours_total:.1f}x")
    return {
        "nodes": G.number_of_nodes(),
        "stakenet": {"layout_and_page_s": round(write_s, 2), "browser_s": round(ours, 2), "total_s": round(ours_total, 2)},
        "baseline": {"name": "pyvis 0.3.2 default page", "page_s": round(baseline_write_s, 2),
                     "browser_s": None if base is None else round(base, 2),
                     "total_s": None if base_total is None else round(base_total, 2), "browser_cap_s": cap},
        "ratio": None if base_total is None else round(base_total / ours_total, 2),
        "goal_s": GOAL_SECONDS,
    }
