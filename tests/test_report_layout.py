"""The report as a reader gets it from `stakenet report`: its links resolve, names read as text, pages fit.

A small store (the hand-made graph of test_report.py plus a supplier whose name holds markup, quotes,
right-to-left characters and emoji) is written to a file, analysed, and reported through the real
command line; the HTML is opened in real headless Chromium at 1024 and 1400 px.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from click.testing import CliRunner
from test_report import XSS, small_records

from graph.analysis.analyze import analyze
from graph.cli import cli
from graph.records import Node, Rel
from graph.store.embedded import EmbeddedStore, open_database

ODD = '"Quote\'s" <b>bold</b> \u202eevil\u202c شركة 🐍 & Co'
ODD_ID = "NAME:upphandling:odd"
INTERNAL_KEY = re.compile(r"\b(?:NAME|SE-ON|ANON):\S")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("layout") / "small.db"
    conn = open_database(db)
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load([
        *small_records(),
        Node("Organisation", {"org_id": ODD_ID, "name": ODD, "size": "medium", "source": "report-test"}),
        Rel("AWARDED_TO", ("Procurement", "P1"), ("Organisation", ODD_ID), {"source": "report-test", "lot_id": "3"}),
    ])
    analyze(store, seed=1)
    conn.close()
    out = tmp_path_factory.mktemp("layout-out") / "report"
    result = CliRunner().invoke(cli, ["--db", str(db), "report", "--region", "SE313", "--org", "2321000198", "--out", str(out),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def _links(page_html: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page_html) if not h.startswith("#")]


def test_every_link_in_the_report_resolves_to_a_file_in_its_folder(report_dir: Path) -> None:
    text = (report_dir / "report.html").read_text(encoding="utf-8")
    links = _links(text)
    assert {"network.html", "region-SE313.html"} <= set(links) and any(h.startswith("ego-") for h in links)
    for href in links:
        assert "/" not in href and (report_dir / href).is_file(), f"{href} is linked but not written"
    md = (report_dir / "report.md").read_text(encoding="utf-8")
    assert re.search(r"stakenet --db \S+small\.db view ego 2321000198 --out", md), "the commands carry the report's --db"


def test_no_internal_key_and_odd_names_read_as_text(report_dir: Path) -> None:
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    visible = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert not INTERNAL_KEY.findall(visible), INTERNAL_KEY.findall(visible)[:5]
    assert "<b>bold" not in page and "<img src=x" not in page
    assert html.escape(ODD, quote=True) in page
    assert "Region Gävleborg (232100-0198)" in visible
    for view in report_dir.glob("*.html"):
        assert "<b>bold</b>" not in view.read_text(encoding="utf-8").replace("\\u003cb\\u003e", ""), view.name


@pytest.mark.browser
@pytest.mark.parametrize("width", [1024, 1400])
def test_report_fits_the_window_and_its_links_work_in_chromium(report_dir: Path, page: Any, width: int) -> None:
    from browser import PageLog

    page.set_viewport_size({"width": width, "height": 900})
    log = PageLog.attach(page)
    page.goto((report_dir / "report.html").as_uri())
    page.wait_for_load_state("load")
    log.assert_offline()
    log.assert_no_errors()
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner == width, f"the page is {scroll}px wide in a {width}px window"
    body = page.inner_text("body")
    assert ODD.replace("\u202e", "").replace("\u202c", "")[:10] in body.replace("\u202e", "").replace("\u202c", "")
    assert XSS in body, "a name with markup shows as text"
    assert page.locator("td b, td img").count() == 0, "no markup from data becomes an element"
    first = page.locator("h2").first.inner_text()
    assert first == "Key findings"
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    files = [h for h in hrefs if "#" not in h]
    assert files, "the report links its views"
    for href in files:
        target = Path(unquote(urlparse(href).path))
        assert target.parent == report_dir and target.is_file(), f"{href} does not resolve to a file in the report's folder"


@pytest.mark.browser
def test_the_report_prints_without_the_navigation(report_dir: Path, page: Any) -> None:
    page.goto((report_dir / "report.html").as_uri())
    page.emulate_media(media="print")
    assert page.locator("nav").evaluate("e => getComputedStyle(e).display") == "none"
    page.emulate_media(media="screen")
    assert page.locator("nav").evaluate("e => getComputedStyle(e).display") != "none"
