"""Network views: the subgraphs graph.neighbourhood reads, the pages viz writes, and `stakenet view`.

The store holds a small hand-built network (:func:`view_records`) around Region Gävleborg whose
every neighbourhood is worked out by hand below. One supplier is called
``<img src=x onerror=alert(1)>`` and one project title tries to close the page's ``<script>``.
What the pages do in a real browser is tested in tests/test_browser_views.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.cli import cli
from graph.errors import StakenetError
from graph.lookup import resolve_organisation
from graph.neighbourhood import community, ego, market, region, stakeholder_overview
from graph.records import Node, Record, Rel
from viz.views import layout_positions, safe_json, write_view

S = "view-fixture"
GAVLEBORG = "SE-ON:2321000198"
GAVLE = "SE-ON:2120002338"
HIG = "SE-ON:2021002890"
DALARNA = "SE-ON:2321000180"
EVIL = "NAME:upphandling:evil"
EVIL_NAME = "<img src=x onerror=alert(1)>"
STAD = "NAME:upphandling:hälsinge städ ab"
ATEA = "NAME:upphandling:atea sverige ab"
LONELY = "SE-ON:5560000001"
SCRIPT_TITLE = "Innovation </script><script>alert(2)</script>"


def view_records() -> list[Record]:
    """Region Gävleborg buys U1 (won by Hälsinge Städ and the <img> supplier, two lots) and U2
    (Atea, which also wins Region Dalarna's U3); it runs project P1 (ERDF, 2016) with Högskolan i
    Gävle and Gävle kommun, and HiG runs P2 (ESF, 2018) with Region Dalarna. P1 and P2 are located
    in SE313 (Gävleborgs län, part of SE31). One organisation takes part in nothing."""
    org = lambda key, name, **kw: Node("Organisation", {"org_id": key, "name": name, "source": S, **kw})  # noqa: E731
    recs: list[Record] = [
        Node("Country", {"code": "SE", "name": "Sverige", "source": S}),
        Node("Region", {"nuts_code": "SE31", "name": "Norra Mellansverige", "level": 2, "source": S}),
        Node("Region", {"nuts_code": "SE313", "name": "Gävleborgs län", "level": 3, "source": S}),
        Node("Region", {"nuts_code": "SE312", "name": "Dalarnas län", "level": 3, "source": S}),
        Rel("PART_OF", ("Region", "SE313"), ("Region", "SE31"), {"source": S}),
        Rel("PART_OF", ("Region", "SE312"), ("Region", "SE31"), {"source": S}),
        Rel("PART_OF", ("Region", "SE31"), ("Country", "SE"), {"source": S}),
        Node("Fund", {"code": "ERDF", "source": S}),
        Node("Fund", {"code": "ESF", "source": S}),
        org(GAVLEBORG, "Region Gävleborg", org_number="2321000198", aliases=["REGION GÄVLEBORG", "Gävleborgs Läns Landsting"]),
        org(GAVLE, "Gävle kommun", org_number="2120002338"),
        org(HIG, "Högskolan i Gävle", org_number="2021002890"),
        org(DALARNA, "Region Dalarna", org_number="2321000180"),
        org(EVIL, EVIL_NAME, size="micro"),
        org(STAD, "Hälsinge Städ AB", size="small"),
        org(ATEA, "Atea Sverige AB", size="large"),
        org(LONELY, "Ensam Konsult AB", org_number="5560000001"),
        Node("Procurement", {"procurement_id": "U1", "title": "Städtjänster", "published": "2021-03-01", "cpv": "90910000",
                             "value": 1_000_000.0, "currency": "SEK", "source": S}),
        Node("Procurement", {"procurement_id": "U2", "title": "Datorer", "published": "2021-05-01", "cpv": "30200000",
                             "value": 500_000.0, "currency": "SEK", "source": S}),
        Node("Procurement", {"procurement_id": "U3", "title": "Datorer Dalarna", "published": "2020-01-01", "cpv": "30200000",
                             "value": 250_000.0, "currency": "SEK", "source": S}),
        Rel("BUYER_OF", ("Organisation", GAVLEBORG), ("Procurement", "U1"), {"source": S}),
        Rel("BUYER_OF", ("Organisation", GAVLEBORG), ("Procurement", "U2"), {"source": S}),
        Rel("BUYER_OF", ("Organisation", DALARNA), ("Procurement", "U3"), {"source": S}),
        Rel("AWARDED_TO", ("Procurement", "U1"), ("Organisation", STAD), {"lot_id": "1", "value": 600_000.0, "source": S}),
        Rel("AWARDED_TO", ("Procurement", "U1"), ("Organisation", EVIL), {"lot_id": "1", "source": S}),
        Rel("AWARDED_TO", ("Procurement", "U1"), ("Organisation", EVIL), {"lot_id": "2", "source": S}),
        Rel("AWARDED_TO", ("Procurement", "U2"), ("Organisation", ATEA), {"lot_id": "1", "source": S}),
        Rel("AWARDED_TO", ("Procurement", "U3"), ("Organisation", ATEA), {"lot_id": "1", "source": S}),
        Node("Project", {"project_id": "P1", "title": SCRIPT_TITLE, "start_date": "2016-01-01", "eu_budget": 2_000_000.0,
                         "currency": "SEK", "source": S}),
        Node("Project", {"project_id": "P2", "title": "Kompetens i Gävle", "start_date": "2018-06-01", "eu_budget": 800_000.0,
                         "currency": "SEK", "source": S}),
        Rel("BENEFICIARY_OF", ("Organisation", GAVLEBORG), ("Project", "P1"), {"role": "lead", "source": S}),
        Rel("BENEFICIARY_OF", ("Organisation", HIG), ("Project", "P1"), {"role": "partner", "source": S}),
        Rel("BENEFICIARY_OF", ("Organisation", GAVLE), ("Project", "P1"), {"role": "partner", "source": S}),
        Rel("BENEFICIARY_OF", ("Organisation", HIG), ("Project", "P2"), {"role": "lead", "source": S}),
        Rel("BENEFICIARY_OF", ("Organisation", DALARNA), ("Project", "P2"), {"role": "partner", "source": S}),
        Rel("FUNDED_BY", ("Project", "P1"), ("Fund", "ERDF"), {"source": S}),
        Rel("FUNDED_BY", ("Project", "P2"), ("Fund", "ESF"), {"source": S}),
        Rel("LOCATED_IN", ("Project", "P1"), ("Region", "SE313"), {"source": S}),
        Rel("LOCATED_IN", ("Project", "P2"), ("Region", "SE313"), {"source": S}),
    ]
    return recs


def org_key(key: str) -> tuple[str, str]:
    return ("Organisation", key)


@pytest.fixture
def store(embedded_store):
    embedded_store.load(view_records())
    return embedded_store


# -- finding what the user named ------------------------------------------------------------------
@pytest.mark.parametrize("ref", ["Region Gävleborg", "2321000198", "232100-0198", GAVLEBORG, "REGION GÄVLEBORG",
                                 "gävleborgs läns landsting"])
def test_resolve_organisation_by_id_number_name_and_alias(store, ref):
    assert resolve_organisation(store, ref) == (GAVLEBORG, "Region Gävleborg")


def test_unknown_organisation_says_so_and_suggests_close_names(store):
    with pytest.raises(StakenetError) as err:
        resolve_organisation(store, "Region Gävlebrg")
    msg = str(err.value)
    assert "no organisation 'Region Gävlebrg'" in msg
    assert "Did you mean: Region Gävleborg" in msg


# -- the subgraphs, worked out by hand ------------------------------------------------------------
def test_ego_depth_one_is_the_organisation_its_activities_and_their_participants(store):
    G = ego(store, "Region Gävleborg")
    assert set(G) == {
        org_key(GAVLEBORG), ("Procurement", "U1"), ("Procurement", "U2"), ("Project", "P1"),
        org_key(STAD), org_key(EVIL), org_key(ATEA), org_key(HIG), org_key(GAVLE),
    }
    assert G.graph["omitted"] == 0 and G.graph["focus"] == org_key(GAVLEBORG) and not G.graph["empty"]
    # Two lots won: an edge of weight 2; roles and money are what the organisation does in the view.
    assert G.edges[("Procurement", "U1"), org_key(EVIL)] == {"type": "AWARDED_TO", "weight": 2}
    centre = G.nodes[org_key(GAVLEBORG)]
    assert centre["role"] == ["beneficiary (lead)", "buyer"]
    assert centre["amount"] == pytest.approx(2_000_000 + 1_000_000 + 500_000)
    assert G.nodes[("Project", "P1")]["funds"] == ["ERDF"] and G.nodes[("Project", "P1")]["years"] == ["2016"]
    assert G.nodes[("Procurement", "U2")]["cpv"] == ["30"]
    assert G.nodes[org_key(STAD)]["amount"] == pytest.approx(600_000)


def test_ego_depth_two_reaches_partners_of_partners(store):
    G = ego(store, GAVLEBORG, depth=2)
    assert {("Procurement", "U3"), ("Project", "P2"), org_key(DALARNA)} <= set(G)
    assert org_key(LONELY) not in G


def test_ego_cap_keeps_the_nearest_nodes_connected_and_counts_the_rest(store):
    full = ego(store, GAVLEBORG, depth=2)
    G = ego(store, GAVLEBORG, depth=2, max_nodes=4)
    assert G.number_of_nodes() == 4
    assert G.graph["omitted"] == full.number_of_nodes() - 4 and G.graph["total"] == full.number_of_nodes()
    assert org_key(GAVLEBORG) in G and nx.is_connected(G)
    assert G.graph["more"] == f"Raise the node cap (--max-nodes) to {full.number_of_nodes()} to see them all."
    # Level 1 (the three activities) comes before anything further out.
    assert {("Procurement", "U1"), ("Procurement", "U2"), ("Project", "P1")} <= set(G)


def test_ego_of_an_organisation_in_nothing_is_marked_empty_and_the_page_says_so(store, tmp_path):
    G = ego(store, "Ensam Konsult AB")
    assert G.graph["empty"] and "neighbourhood is empty" in G.graph["empty_message"]
    info = write_view(G, tmp_path / "lonely.html")
    html = info.path.read_text(encoding="utf-8")
    assert info.nodes == 0
    assert 'id="empty"' in html and "takes part in no EU project or procurement" in html
    assert 'id="mynetwork"' not in html


def test_market_is_the_buyer_its_procurements_and_their_suppliers(store):
    G = market(store, "Region Gävleborg")
    assert set(G) == {org_key(GAVLEBORG), ("Procurement", "U1"), ("Procurement", "U2"), org_key(STAD), org_key(EVIL), org_key(ATEA)}
    G2 = market(store, "Region Gävleborg", depth=2)
    assert {("Procurement", "U3"), org_key(DALARNA)} <= set(G2)
    assert G2.has_edge(org_key(DALARNA), ("Procurement", "U3"))


def test_market_of_a_non_buyer_is_empty(store):
    assert market(store, "Högskolan i Gävle").graph["empty"]


def test_region_includes_sub_regions_and_reaches_markets(store):
    G = region(store, "SE31")
    assert {("Project", "P1"), ("Project", "P2"), org_key(GAVLEBORG), org_key(HIG), org_key(GAVLE), org_key(DALARNA)} <= set(G)
    assert {("Procurement", "U1"), ("Procurement", "U3"), org_key(ATEA)} <= set(G)
    assert G.graph["slug"] == "region-SE31"
    assert set(region(store, "Gävleborgs län")) == set(region(store, "SE313"))


def test_unknown_region_suggests_close_ones(store):
    with pytest.raises(StakenetError, match="Did you mean: SE313 Gävleborgs län"):
        region(store, "Gävleborgs lan")


def test_community_keeps_activities_that_tie_two_members(store):
    with pytest.raises(StakenetError, match="run `stakenet analyze` first"):
        community(store, 1)
    store.write_properties("Organisation", [{"org_id": k, "community": 1} for k in (GAVLEBORG, HIG, GAVLE, STAD)])
    G = community(store, 1)
    # P1 ties three members, U1 ties two (buyer + supplier); U2 and P2 have one member each.
    assert set(G) == {org_key(GAVLEBORG), org_key(HIG), org_key(GAVLE), org_key(STAD), ("Project", "P1"), ("Procurement", "U1")}
    with pytest.raises(StakenetError, match="no community 7; communities run from 1 to 1"):
        community(store, 7)


def test_stakeholder_overview_ties_organisations_directly(store):
    G = stakeholder_overview(store, max_nodes=3)
    assert G.number_of_nodes() == 3 and all(k[0] == "Organisation" for k in G)
    assert G.graph["omitted"] == G.graph["total"] - 3 > 0
    assert G.graph["more"] == f"Raise the node cap (--max-nodes) to {G.graph['total']} to see them all."


# -- the page -------------------------------------------------------------------------------------
def _script_elements(html: str) -> list[str]:
    """The text of every <script> element, as a browser's tokenizer splits them."""
    from html.parser import HTMLParser

    found: list[list[str]] = []

    class Scripts(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "script":
                found.append([])

        def handle_data(self, data):
            if found and self.lasttag == "script" and self.cdata_elem == "script":
                found[-1].append(data)

    Scripts().feed(html)
    return ["".join(parts) for parts in found]


def _data_block(html: str) -> dict:
    m = re.search(r'<script id="stakenet-data" type="application/json">(.*?)</script>', html, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


def test_page_is_self_contained_and_escapes_every_name(store, tmp_path):
    G = ego(store, "Region Gävleborg")
    info = write_view(G, tmp_path / "ego.html")
    html = info.path.read_text(encoding="utf-8")
    assert (info.nodes, info.edges, info.omitted, info.layout) == (9, G.number_of_edges(), 0, "physics")
    # Offline: no external script, style, font or image reference anywhere in the markup.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for cdn in ("cdnjs.cloudflare.com", "cdn.jsdelivr.net", "unpkg.com", "fonts.googleapis.com"):
        assert cdn not in html
    # The names never appear as markup: only escaped inside the JSON data block.
    assert EVIL_NAME not in html and "</script><script>alert(2)" not in html
    scripts = _script_elements(html)
    assert len(scripts) == 3  # vis-network, the data block, the page's script: nothing else
    assert scripts[1].startswith("{") and json.loads(scripts[1])["nodes"]
    data = _data_block(html)
    names = {n["name"] for n in data["nodes"]}
    assert EVIL_NAME in names and SCRIPT_TITLE in names
    assert len(data["nodes"]) == 9 and len(data["edges"]) == G.number_of_edges()


def test_title_is_escaped_in_markup(tmp_path):
    G = nx.Graph(title=EVIL_NAME)
    G.add_node(1, type="Organisation", name="a")
    html = write_view(G, tmp_path / "t.html").path.read_text(encoding="utf-8")
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in html


def test_safe_json_cannot_close_a_script():
    text = safe_json({"a": "</script><!-- \u2028 & >"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- \u2028 & >"}


def test_filters_inherit_to_organisations_and_options_list_the_values(store, tmp_path):
    html = write_view(ego(store, GAVLEBORG, depth=2), tmp_path / "e.html").path.read_text(encoding="utf-8")
    data = _data_block(html)
    hig = next(n for n in data["nodes"] if n["name"] == "Högskolan i Gävle")
    assert hig["funds"] == ["ERDF", "ESF"] and hig["years"] == ["2016", "2018"]
    for value in ("ERDF", "ESF", "30", "90", "2016", "2021"):
        assert f'<option value="{value}">' in html


def test_big_views_get_a_precomputed_seeded_layout_with_physics_off(tmp_path):
    G = nx.barabasi_albert_graph(1200, 1, seed=3)
    nx.set_node_attributes(G, "Organisation", "type")
    a = write_view(G, tmp_path / "a.html", seed=5)
    b = write_view(G, tmp_path / "b.html", seed=5)
    assert a.layout == "precomputed" and a.nodes == 1200
    da, db = _data_block(a.path.read_text()), _data_block(b.path.read_text())
    assert da["options"]["physics"]["enabled"] is False and da["physics"] is False
    assert [(n["x"], n["y"]) for n in da["nodes"]] == [(n["x"], n["y"]) for n in db["nodes"]]
    assert write_view(nx.path_graph(5), tmp_path / "s.html").layout == "physics"


def test_layout_is_seeded_and_spreads_nodes():
    G = nx.barabasi_albert_graph(300, 2, seed=1)
    pos = layout_positions(G, seed=2)
    assert pos == layout_positions(G, seed=2) and pos != layout_positions(G, seed=3)
    assert len({p for p in pos.values()}) == 300


def test_bad_options_are_refused(tmp_path):
    with pytest.raises(StakenetError, match="colour_by"):
        write_view(nx.path_graph(2), tmp_path / "x.html", colour_by="rainbow")


# -- the command line -----------------------------------------------------------------------------
@pytest.fixture
def db(tmp_path: Path) -> Path:
    from graph.store.embedded import EmbeddedStore, open_database

    path = tmp_path / "v.db"
    conn = open_database(path)
    st = EmbeddedStore(conn)
    st.ensure_schema()
    st.load(view_records())
    conn.close()
    return path


def test_cli_view_ego_writes_the_page_into_a_folder(db, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--db", str(db), "view", "ego", "Region Gävleborg", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out / "ego-SE-ON_2321000198.html"
    assert page.is_file() and f"wrote {page}: 9 nodes" in result.output


def test_cli_view_cap_says_how_to_see_the_rest(db, tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(db), "view", "market", "--buyer", "2321000198", "--max-nodes", "3",
                                      "--out", str(tmp_path / "m.html")])
    assert result.exit_code == 0, result.output
    assert "3 more nodes left out by --max-nodes" in result.output
    assert "stakenet view market --buyer 2321000198 --depth 1 --max-nodes 6" in result.output
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert 'id="omitted"' in html and "--max-nodes 6" in html


def test_cli_unknown_organisation_is_a_one_line_error(db, tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(db), "view", "ego", "Region Gävlebrg", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no organisation 'Region Gävlebrg'") and "Traceback" not in result.output
    assert "Did you mean: Region Gävleborg" in result.output


def test_cli_region_community_and_network(db, tmp_path):
    run = lambda *args: CliRunner().invoke(cli, ["--db", str(db), "view", *args, "--out", str(tmp_path)])  # noqa: E731
    r = run("region", "SE313")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "region-SE313.html").is_file()
    r = run("community", "3")
    assert r.exit_code == 1 and "run `stakenet analyze` first" in r.output
    r = run("network")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "network.html").is_file()


@pytest.mark.parametrize("command", ["ego", "community", "region", "market", "network"])
def test_every_view_command_has_an_example(command):
    result = CliRunner().invoke(cli, ["view", command, "--help"])
    assert result.exit_code == 0
    before_options = result.output.split("Options:")[0]
    assert "Example:" in before_options and f"stakenet view {command}" in before_options.split("Example:")[1]


# -- both stores ----------------------------------------------------------------------------------
def _snapshot(G: nx.Graph) -> tuple:
    return (sorted(G.nodes(data=True)), sorted((tuple(sorted((u, v))), d) for u, v, d in G.edges(data=True)), G.graph)


@pytest.mark.neo4j
def test_views_are_the_same_from_neo4j_and_the_embedded_store(embedded_store, neo4j_store):
    for st in (embedded_store, neo4j_store):
        st.load(view_records())
        st.write_properties("Organisation", [{"org_id": k, "community": 1} for k in (GAVLEBORG, HIG, GAVLE, STAD)])
    for make in (
        lambda st: ego(st, "REGION GÄVLEBORG", depth=2),
        lambda st: ego(st, GAVLEBORG, depth=2, max_nodes=5),
        lambda st: market(st, "2321000198", depth=2),
        lambda st: region(st, "SE31"),
        lambda st: community(st, 1),
    ):
        assert _snapshot(make(embedded_store)) == _snapshot(make(neo4j_store))
