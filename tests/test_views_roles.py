"""Views: colour by role, named filters that work on the network page, money with its currency, and a
capped community drawn as its connected core (real embedded store, real headless Chromium).

Expected values come from the records the store was loaded with, not from the code under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser_views import open_view
from test_viz import view_records

from graph.analysis.analyze import analyze
from graph.neighbourhood import community, stakeholder_overview
from graph.records import Node, Rel
from graph.sources import synthetic
from graph.store.embedded import EmbeddedStore, open_database
from viz.views import ROLE_COLOURS, write_view

FUND_NAME = "European Regional Development Fund"
CPV_NAME = "Avlopps- och avfallshantering"


def _records() -> list:
    return [*view_records(), Node("Fund", {"code": "ERDF", "name": FUND_NAME, "source": "t"}),
            Node("Theme", {"theme_id": "cpv_group:90", "kind": "cpv_group", "code": "90000000", "name": CPV_NAME, "source": "t"})]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    conn = open_database(tmp_path_factory.mktemp("roles") / "roles.db")
    s = EmbeddedStore(conn)
    s.ensure_schema()
    s.load(_records())
    analyze(s, seed=1)
    yield s
    conn.close()


def _oracle() -> tuple[set[str], dict[str, str]]:
    """Organisations in ERDF projects, and each organisation's one role class, from the records."""
    rels = [r for r in _records() if isinstance(r, Rel)]
    erdf_projects = {r.src[1] for r in rels if r.type == "FUNDED_BY" and r.dst[1] == "ERDF"}
    in_erdf = {r.src[1] for r in rels if r.type == "BENEFICIARY_OF" and r.dst[1] in erdf_projects}
    classes: dict[str, set[str]] = {}
    for r in rels:
        if r.type == "BUYER_OF":
            classes.setdefault(r.src[1], set()).add("buyer")
        elif r.type == "AWARDED_TO":
            classes.setdefault(r.dst[1], set()).add("supplier")
        elif r.type == "BENEFICIARY_OF":
            classes.setdefault(r.src[1], set()).add("partner" if r.props.get("role") == "partner" else "beneficiary")
    return in_erdf, {o: (c.pop() if len(c) == 1 else "several roles") for o, c in classes.items()}


@pytest.mark.browser
def test_network_page_filters_are_named_and_work_and_colour_by_role(store, page, tmp_path: Path) -> None:
    G = stakeholder_overview(store)
    path = tmp_path / "network.html"
    write_view(G, path)
    log = open_view(page, path)
    log.assert_no_errors()
    options = page.eval_on_selector_all("#fund-filter option", "os => os.map(o => [o.value, o.textContent])")
    assert ["ERDF", f"ERDF ({FUND_NAME})"] in options
    cpv = page.eval_on_selector_all("#cpv-filter option", "os => os.map(o => [o.value, o.textContent])")
    assert ["90", f"90 {CPV_NAME}"] in cpv
    in_erdf, classes = _oracle()
    page.select_option("#fund-filter", "ERDF")
    shown = page.evaluate("stakenet.nodes.get().filter(n => !n.hidden).map(n => stakenet.names([n.id])[0])")
    names = {G.nodes[k]["name"]: k[1] for k in G}
    assert {names[n] for n in shown} == in_erdf & {k[1] for k in G}
    page.select_option("#fund-filter", "")
    page.select_option("#colour-by", "role")
    colours = page.evaluate("stakenet.nodes.get().map(n => [stakenet.names([n.id])[0], n.color.background])")
    for name, colour in colours:
        expected = classes.get(names[name])
        if expected:
            assert colour == ROLE_COLOURS[expected], (name, expected, colour)
    legend = page.inner_text("#legend")
    assert "partner" in legend and "supplier" in legend
    data = page.evaluate("JSON.parse(document.getElementById('stakenet-data').textContent)")
    money_rows = [row for n in data["nodes"] if n["money"] is not None for row in n["info"] if row[0] == n_label(row)]
    assert money_rows and all(row[1].endswith(("SEK", "EUR", "not converted", "(currency not recorded)")) for row in money_rows)


def n_label(row: list[str]) -> str:
    return row[0] if row[0] in ("Money on its ties", "Money in this view", "EU budget", "Total budget", "Contracted value") else ""


def test_a_capped_community_is_its_connected_core(tmp_path: Path) -> None:
    conn = open_database(tmp_path / "s.db")
    s = EmbeddedStore(conn)
    s.ensure_schema()
    s.load(synthetic.iter_records(scale=300, seed=7))
    analyze(s, seed=42)
    largest = max(((int(c), int(n)) for c, n in s.rows(
        "MATCH (o:Organisation) WHERE o.community IS NOT NULL RETURN o.community, count(*)", {})), key=lambda x: (x[1], -x[0]))
    G = community(s, largest[0], max_nodes=25)
    assert G.graph["omitted"] > 0 and 0 < G.number_of_nodes() <= 25
    assert G.number_of_edges() > 0 and all(G.degree(v) > 0 for v in G), "no isolated dots"
    assert "best-connected core" in G.graph["notice"]
    page = write_view(G, tmp_path / "c.html")
    assert "best-connected core" in page.path.read_text(encoding="utf-8")
    conn.close()
