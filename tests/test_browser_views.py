"""Network views in real headless Chromium: what the page draws, and what it does when used.

Every test opens a page written by viz from a file:// URL and checks, through the vis-network
instance in the page and through the DOM, what a user would see: the drawn nodes, the search,
the filters, the tooltips, and that nothing leaves the machine or runs from the data. Screenshots
go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from browser import PageLog, artifact_path
from test_viz import EVIL_NAME, GAVLEBORG, SCRIPT_TITLE, view_records

from graph.ingest.load import load_files
from graph.neighbourhood import ego, region
from graph.store.embedded import EmbeddedStore, open_database
from viz.views import write_view

pytestmark = pytest.mark.browser
READY = "window.stakenet && window.stakenet.ready === true"


def open_view(page, path: Path, timeout_ms: int = 60_000) -> PageLog:
    """Load ``path`` in ``page`` and wait until the network is drawn and still."""
    log = PageLog.attach(page)
    page.goto(path.as_uri())
    page.wait_for_function(READY, timeout=timeout_ms)
    return log


def drawn_nodes(page) -> int:
    """Nodes in the vis-network instance (its DataSet and the nodes its body draws)."""
    in_data, in_body = page.evaluate(
        "[stakenet.network.body.data.nodes.length, stakenet.network.body.nodeIndices.length]"
    )
    assert in_data == in_body, (in_data, in_body)
    return int(in_data)


def node_id(page, name: str) -> int:
    ids = page.evaluate("(name) => stakenet.nodes.getIds().filter(id => stakenet.names([id])[0] === name)", name)
    assert len(ids) == 1, f"{name!r} is {len(ids)} nodes"
    return int(ids[0])


def hover(page, nid: int) -> None:
    """Move the mouse onto node ``nid`` (canvas coordinates to the page's)."""
    x, y = page.evaluate(
        """(id) => { const n = stakenet.network; const p = n.canvasToDOM(n.getPositions([id])[id]);
                     const r = document.getElementById('mynetwork').getBoundingClientRect();
                     return [r.left + p.x, r.top + p.y]; }""",
        nid,
    )
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=4)


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory):
    conn = open_database(tmp_path_factory.mktemp("views") / "views.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load(view_records())
    yield store
    conn.close()


@pytest.fixture(scope="module")
def ego_page(fixture_store, tmp_path_factory) -> tuple[Path, nx.Graph]:
    G = ego(fixture_store, "Region Gävleborg", depth=2)
    path = tmp_path_factory.mktemp("pages") / "ego.html"
    write_view(G, path)
    return path, G


def test_page_loads_offline_without_errors_and_draws_every_node(page, ego_page):
    path, G = ego_page
    log = open_view(page, path)
    assert drawn_nodes(page) == G.number_of_nodes() == 12
    assert page.evaluate("stakenet.network.body.data.edges.length") == G.number_of_edges()
    # Every drawn node sits inside the canvas's view after the layout settled (nothing off-screen).
    assert page.evaluate("stakenet.network.physics.physicsEnabled") is False
    log.assert_offline()
    log.assert_no_errors()
    assert all(u.startswith("file://") for u in log.requests)
    page.screenshot(path=str(artifact_path("view-ego-fixture.png")))


def test_search_selects_region_gavleborg_and_highlights_its_neighbours(page, ego_page):
    path, G = ego_page
    log = open_view(page, path)
    page.evaluate("stakenet.clearSelection()")
    page.fill("#search", "Region Gävleborg")
    page.press("#search", "Enter")
    gid = node_id(page, "Region Gävleborg")
    assert page.evaluate("stakenet.network.getSelectedNodes()") == [gid]
    assert page.evaluate("stakenet.selected()") == gid
    neighbours = G.degree[("Organisation", GAVLEBORG)]
    assert page.inner_text("#status") == f"Selected: Region Gävleborg ({neighbours} neighbours)"
    # The neighbourhood keeps its colour, every other node is dimmed.
    dimmed = page.evaluate("stakenet.nodes.get().filter(n => n.color.background.startsWith('rgba(200')).length")
    assert dimmed == G.number_of_nodes() - 1 - neighbours
    # A partial, differently cased name finds it too.
    page.fill("#search", "gävleb")
    page.click("#search-button")
    assert page.evaluate("stakenet.selected()") == gid
    log.assert_no_errors()


def test_a_name_that_is_html_shows_as_text_and_runs_nothing(page, ego_page):
    path, _ = ego_page
    log = open_view(page, path)
    page.fill("#search", EVIL_NAME)
    page.press("#search", "Enter")
    evil = node_id(page, EVIL_NAME)
    assert page.evaluate("stakenet.selected()") == evil
    assert EVIL_NAME in page.inner_text("#status")
    hover(page, evil)
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert EVIL_NAME in tooltip.inner_text()
    # The project whose title tries to close the script is text too.
    hover(page, node_id(page, SCRIPT_TITLE))
    page.wait_for_function("(t) => document.querySelector('div.vis-tooltip').innerText.includes(t)", arg=SCRIPT_TITLE)
    assert page.locator("img").count() == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3
    page.wait_for_timeout(300)  # give an injected onerror handler time to fire, if there were one
    log.assert_no_errors()  # includes: no alert/confirm/prompt dialog was opened
    page.screenshot(path=str(artifact_path("view-escaped-tooltip.png")))


def test_filters_hide_what_does_not_match(page, ego_page):
    path, G = ego_page
    log = open_view(page, path)
    visible = "stakenet.nodes.get().filter(n => !n.hidden).map(n => stakenet.names([n.id])[0]).sort()"
    page.select_option("#fund-filter", "ERDF")
    # P1 is the ERDF project; its three beneficiaries inherit ERDF (Högskolan i Gävle also ESF).
    assert page.evaluate(visible) == sorted(["Gävle kommun", "Högskolan i Gävle", "Region Gävleborg", SCRIPT_TITLE])
    page.select_option("#fund-filter", "")
    page.select_option("#cpv-filter", "30")
    assert page.evaluate(visible) == sorted(
        ["Atea Sverige AB", "Datorer", "Datorer Dalarna", "Region Dalarna", "Region Gävleborg"]
    )
    page.select_option("#cpv-filter", "")
    page.select_option("#year-filter", "2016")
    assert "Kompetens i Gävle" not in page.evaluate(visible)
    page.select_option("#year-filter", "")
    page.uncheck("#type-filter input[value=Procurement]")
    procurements = sum(1 for _, d in G.nodes(data=True) if d["type"] == "Procurement")
    assert len(page.evaluate(visible)) == G.number_of_nodes() - procurements
    assert page.inner_text("#shown") == f"({G.number_of_nodes() - procurements} shown by the filters)"
    log.assert_no_errors()


def test_colour_size_and_physics_switches(page, ego_page, tmp_path):
    path, G = ego_page
    open_view(page, path)
    # No community in the store yet: the switch offers none.
    assert page.is_disabled("#colour-by option[value=community]")
    G = G.copy()
    for i, v in enumerate(sorted(G)):
        G.nodes[v]["community"] = i % 2 if v[0] == "Organisation" else None
    path = tmp_path / "communities.html"
    write_view(G, path)
    log = open_view(page, path)
    gid = node_id(page, "Region Gävleborg")
    colour = "(id) => stakenet.nodes.get(id).color.background"
    by_type = page.evaluate(colour, gid)
    assert page.inner_text("#legend").startswith("Node type")
    page.select_option("#colour-by", "community")
    by_community = page.evaluate(colour, gid)
    assert by_community != by_type
    members = sum(1 for v in G if v[0] == "Organisation")
    legend = page.inner_text("#legend")
    assert legend.startswith("Community") and f"No community ({G.number_of_nodes() - members})" in legend
    # Organisations of one community share a colour; the two communities differ (nothing selected,
    # so nothing is dimmed).
    page.click("#clear-button")
    colours = page.evaluate(
        "(ids) => ids.map(id => stakenet.nodes.get(id).color.background)",
        [node_id(page, G.nodes[v]["name"]) for v in sorted(G) if v[0] == "Organisation"],
    )
    groups = {G.nodes[v]["community"]: set() for v in G if v[0] == "Organisation"}
    for v, c in zip([v for v in sorted(G) if v[0] == "Organisation"], colours):
        groups[G.nodes[v]["community"]].add(c)
    assert all(len(c) == 1 for c in groups.values()) and groups[0] != groups[1]
    page.select_option("#size-by", "money")
    sizes = page.evaluate("stakenet.nodes.get().map(n => n.size)")
    assert max(sizes) == pytest.approx(35) and min(sizes) >= 7
    page.check("#physics")
    assert page.evaluate("stakenet.network.physics.physicsEnabled") is True
    page.uncheck("#physics")
    assert page.evaluate("stakenet.network.physics.physicsEnabled") is False
    log.assert_no_errors()


def test_empty_neighbourhood_page_says_so(page, fixture_store, tmp_path):
    path = tmp_path / "lonely.html"
    write_view(ego(fixture_store, "Ensam Konsult AB"), path)
    log = open_view(page, path)
    assert page.is_visible("#empty")
    assert "takes part in no EU project or procurement" in page.inner_text("#empty")
    assert page.locator("#mynetwork").count() == 0
    log.assert_offline()
    log.assert_no_errors()


def test_node_cap_notice_on_the_page(page, fixture_store, tmp_path):
    G = ego(fixture_store, GAVLEBORG, depth=2, max_nodes=5)
    G.graph["more"] = "To see them: stakenet view ego 2321000198 --depth 2 --max-nodes 12"
    path = tmp_path / "capped.html"
    write_view(G, path)
    log = open_view(page, path)
    assert drawn_nodes(page) == 5
    assert page.inner_text("#omitted") == (
        "7 more nodes left out by the node cap. To see them: stakenet view ego 2321000198 --depth 2 --max-nodes 12"
    )
    log.assert_no_errors()


def test_big_view_is_drawn_from_precomputed_positions_with_physics_off(page, tmp_path):
    G = nx.barabasi_albert_graph(1500, 1, seed=7)
    for v in G:
        G.nodes[v].update(type="Organisation" if v % 3 else "Procurement", name=f"Org {v}", pagerank=1.0 / (v + 1))
    path = tmp_path / "big.html"
    info = write_view(G, path, seed=1)
    log = open_view(page, path)
    assert info.layout == "precomputed"
    assert drawn_nodes(page) == 1500
    assert page.evaluate("stakenet.network.physics.physicsEnabled") is False
    # The positions drawn are the ones computed in Python (nothing moved them; getPositions
    # truncates to whole pixels).
    moved = page.evaluate(
        """() => { const d = JSON.parse(document.getElementById('stakenet-data').textContent);
                   const pos = stakenet.network.getPositions();
                   return d.nodes.filter(n => Math.abs(pos[n.id].x - n.x) >= 1 || Math.abs(pos[n.id].y - n.y) >= 1).length; }"""
    )
    assert moved == 0
    assert "precomputed" in page.inner_text("#layout-note")
    log.assert_offline()
    log.assert_no_errors()
    page.screenshot(path=str(artifact_path("view-big-precomputed.png")))


# -- the real data ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_store(shared_data, tmp_path_factory):
    conn = open_database(tmp_path_factory.mktemp("real") / "real.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    load_files(store, "nuts", [shared_data / "nuts2013.csv"])
    load_files(store, "upphandling", [shared_data / "se_procurement_2021_awards.csv"],
               value_file=shared_data / "se_procurement_2021_contracted_value.csv")
    load_files(store, "projektbanken", [shared_data / "se_erdf_2014_2020_projektbanken_2016.json"])
    yield store
    conn.close()


@pytest.mark.slow
def test_real_gavleborg_region_view(page, real_store, tmp_path):
    G = region(real_store, "SE313", max_nodes=1500)
    path = tmp_path / "gavleborg.html"
    info = write_view(G, path)
    log = open_view(page, path)
    assert drawn_nodes(page) == info.nodes == G.number_of_nodes() > 100
    page.fill("#search", "Region Gävleborg")
    page.press("#search", "Enter")
    gid = node_id(page, "Region Gävleborg")
    assert page.evaluate("stakenet.network.getSelectedNodes()") == [gid]
    assert page.inner_text("#status").startswith("Selected: Region Gävleborg (")
    log.assert_offline()
    log.assert_no_errors()
    page.screenshot(path=str(artifact_path("view-real-gavleborg.png")))
