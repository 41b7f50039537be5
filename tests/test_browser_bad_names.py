"""Organisation names holding markup, quotes, right-to-left text and emoji, in real headless Chromium.

A view page and the report are written from a store whose buyer and suppliers carry such names; the
pages must show each name as text (the page's visible text holds it verbatim), inject no element and
run nothing (no console error, no flag set by an injected handler). And the view pages hold no links
of their own: nothing to resolve, and clicking a node navigates nowhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser import PageLog
from click.testing import CliRunner
from test_queries_parity import REGION_GAVLEBORG, parity_records

from graph import report
from graph.cli import cli
from graph.neighbourhood import ego
from graph.records import Node, Record, Rel
from graph.store.embedded import EmbeddedStore, open_database
from viz.views import write_view_page

pytestmark = pytest.mark.browser
READY = "window.stakenet && window.stakenet.ready === true"
FIXED = {"now": "2026-01-01T00:00:00Z", "version": "0.0.0-test"}
S = "bad-names"

BUYER = "SE-ON:2120009991"
BUYER_NAME = "<svg onload=\"window.__pwned=1\"></svg><u>Bygg</u> & Co \"Citat\" 's kommun"
SUPPLIERS = {
    "NAME:upphandling:rtl": "شركة البناء \u202eBA dätS\u202c Städ AB",
    "NAME:upphandling:emoji": "Emoji 🏗️👷‍♀️ Konsult \"AB\" </script><script>window.__pwned=2</script>",
    "NAME:upphandling:math": "$x^2$ Konsult {{ 7*7 }} <marquee>AB</marquee>",
}
NAMES = [BUYER_NAME, *SUPPLIERS.values()]
INJECTED = "svg, u, marquee, iframe, object, embed"


def bad_name_records() -> list[Record]:
    """The parity dataset plus a buyer in Gävleborgs län and three suppliers with hostile names, who also
    sell to Region Gävleborg (so they reach the region's tables too)."""
    recs = parity_records()
    recs += [Node("Organisation", {"org_id": BUYER, "name": BUYER_NAME, "is_public": True, "source": S}),
             Rel("LOCATED_IN", ("Organisation", BUYER), ("Region", "SE313"), {"source": S})]
    recs += [Node("Organisation", {"org_id": k, "name": v, "source": S}) for k, v in SUPPLIERS.items()]
    for i, (buyer, supplier) in enumerate([(BUYER, s) for s in SUPPLIERS] + [(REGION_GAVLEBORG, s) for s in SUPPLIERS]):
        pid = f"BAD-{i}"
        recs += [Node("Procurement", {"procurement_id": pid, "title": f"Upphandling {pid}", "value": 100000.0 * (i + 1),
                                      "currency": "SEK", "published": "2021-05-01", "source": S}),
                 Rel("BUYER_OF", ("Organisation", buyer), ("Procurement", pid), {"source": S}),
                 Rel("AWARDED_TO", ("Procurement", pid), ("Organisation", supplier),
                     {"lot_id": "1", "contracted_bids": 2, "supplier_size": "small", "source": S})]
    return recs


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    conn = open_database(tmp_path_factory.mktemp("bad-names") / "bad.db")
    st = EmbeddedStore(conn)
    st.ensure_schema()
    st.load(bad_name_records())
    yield st
    conn.close()


def _clean(page: Any, log: PageLog) -> None:
    assert page.evaluate(f"document.querySelectorAll({INJECTED!r}).length") == 0, "an element was injected"
    assert page.evaluate("window.__pwned === undefined"), "an injected handler ran"
    page.wait_for_timeout(300)  # time for an injected onload/onerror to fire, were there one
    log.assert_no_errors()


def test_view_page_shows_hostile_names_as_text(page: Any, store: Any, tmp_path: Path) -> None:
    G = ego(store, BUYER, depth=1)
    write_view_page(G, tmp_path / "ego.html", f"stakenet view ego {BUYER}")
    log = PageLog.attach(page)
    page.goto((tmp_path / "ego.html").as_uri())
    page.wait_for_function(READY, timeout=60_000)
    assert BUYER_NAME in page.inner_text("#title")
    for name in NAMES:
        ids = page.evaluate("(name) => stakenet.nodes.getIds().filter(id => stakenet.names([id])[0] === name)", name)
        assert len(ids) == 1, f"{name!r}: {len(ids)} nodes carry it verbatim"
        page.fill("#search", name)
        page.press("#search", "Enter")
        assert page.evaluate("stakenet.selected()") == ids[0]
        assert name in page.inner_text("#status"), page.inner_text("#status")
        assert name in page.inner_text("body")
    _clean(page, log)
    log.assert_offline()


def test_report_shows_hostile_names_as_text(page: Any, store: Any, tmp_path: Path) -> None:
    paths = report.write_report(store, tmp_path / "r", region="SE313", org=BUYER, top=10, **FIXED)
    assert paths.html is not None
    log = PageLog.attach(page)
    page.goto(paths.html.as_uri())
    page.wait_for_load_state("load")
    text = page.inner_text("body")
    for name in NAMES:
        assert name in text, f"{name!r} is not in the report's visible text"
    assert page.evaluate("document.querySelectorAll('script').length") == 0, "the report runs no script"
    _clean(page, log)
    log.assert_offline()
    # the Markdown keeps the names too (escaped for Markdown, never dropped)
    assert paths.markdown is not None and "Konsult" in paths.markdown.read_text(encoding="utf-8")


def test_view_pages_hold_no_links_and_a_click_navigates_nowhere(page: Any, store: Any, tmp_path: Path) -> None:
    """Issue 17: the links inside the view pages resolve, or there are none. There are none: every page the
    report writes has no <a href>, no form, no frame; clicking a node selects it and the page stays."""
    db = tmp_path / "bad.db"
    conn = open_database(db)
    st = EmbeddedStore(conn)
    st.ensure_schema()
    st.load(bad_name_records())
    conn.close()
    out = tmp_path / "r"
    result = CliRunner().invoke(cli, ["--db", str(db), "report", "--region", "SE313", "--org", BUYER, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    views = sorted(v for v in out.glob("*.html") if v.name != "report.html")
    assert len(views) >= 2, "the report writes the views it links (ego, region, ...)"
    for view in views:
        log = PageLog.attach(page)
        page.goto(view.as_uri())
        page.wait_for_function(READY, timeout=60_000)
        assert page.evaluate("document.querySelectorAll('a[href], area[href], form, iframe, frame').length") == 0, view.name
        ids = page.evaluate("stakenet.nodes.getIds()")
        if ids:
            x, y = page.evaluate(
                """(id) => { const n = stakenet.network; const p = n.canvasToDOM(n.getPositions([id])[id]);
                             const r = document.getElementById('mynetwork').getBoundingClientRect();
                             return [r.left + p.x, r.top + p.y]; }""", ids[0])
            page.mouse.click(x, y)
            page.wait_for_timeout(200)
        assert page.url == view.as_uri(), f"{view.name}: a click navigated to {page.url}"
        log.assert_offline()
        log.assert_no_errors()
