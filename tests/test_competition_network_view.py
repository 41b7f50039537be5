"""`view market` coloured by tenders received, in real headless Chromium, against the tenders file read with openpyxl."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
from browser import PageLog, artifact_path

from graph.ingest.load import load_files
from graph.neighbourhood import market
from graph.store.embedded import EmbeddedStore, open_database
from viz.views import TENDER_COLOURS, write_view

pytestmark = pytest.mark.browser
READY = "window.stakenet && window.stakenet.ready === true"
GAVLEBORG = "2321000198"
TENDERS = "se_procurement_2021_tenders.xlsx"


def _gavleborg_procurements(data: Path) -> dict[str, int | None]:
    """Region Gävleborg's procurements in the tenders file: the fewest tenders any of its lots received."""
    ws = openpyxl.load_workbook(data / TENDERS, read_only=True).worksheets[0]
    rows = ws.iter_rows(values_only=True)
    head = list(next(rows))
    b, p, t = (head.index(c) for c in ("Organisationsnummer för köpare", "Upphandlings-ID", "Antal anbud, Summa"))
    counts: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if str(r[b]) == GAVLEBORG:
            counts[str(r[p])] += [int(r[t])] if r[t] is not None else []
    return {pid: min(c) if c else None for pid, c in counts.items()}


@pytest.fixture(scope="module")
def market_graph(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    conn = open_database(tmp_path_factory.mktemp("tenders_view") / "a.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    load_files(store, "upphandling", [shared_data / TENDERS, shared_data / "se_procurement_2021_awards.csv"])
    G = market(store, GAVLEBORG)
    yield G
    conn.close()


def test_market_procurements_carry_tenders_received(market_graph, shared_data):
    oracle = _gavleborg_procurements(shared_data)
    got = {str(d["details"][0][1]).partition("|")[2]: d["tenders_received"] for v, d in market_graph.nodes(data=True)
           if v[0] == "Procurement" and d.get("single_bid_lots") is not None}
    assert got == oracle and sum(1 for t in oracle.values() if t == 1) > 0


def test_page_colours_single_bid_procurements(page, market_graph, shared_data, tmp_path):
    oracle = _gavleborg_procurements(shared_data)
    single = sum(1 for t in oracle.values() if t == 1)
    assert market_graph.graph["omitted"] == 0
    path = tmp_path / "market.html"
    write_view(market_graph, path)
    log = PageLog.attach(page)
    page.goto(path.as_uri())
    page.wait_for_function(READY, timeout=60_000)
    assert not page.is_disabled("#colour-by option[value=tenders]")
    colours = "stakenet.nodes.get().map(n => n.color.background)"
    assert TENDER_COLOURS["1 (single bid)"] not in page.evaluate(colours)
    page.select_option("#colour-by", "tenders")
    drawn = page.evaluate(colours)
    assert drawn.count(TENDER_COLOURS["1 (single bid)"]) == single
    assert drawn.count(TENDER_COLOURS["2-3"]) == sum(1 for t in oracle.values() if t in (2, 3))
    assert drawn.count(TENDER_COLOURS["4 or more"]) == sum(1 for t in oracle.values() if t is not None and t >= 4)
    legend = page.inner_text("#legend")
    assert legend.startswith("Tenders received") and f"1 (single bid) ({single})" in legend
    page.screenshot(path=str(artifact_path("view-market-tenders.png")))
    log.assert_offline()
    log.assert_no_errors()
