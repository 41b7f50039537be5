"""Competition networks on the real 2021 exports, against oracles counted straight from the files (csv, openpyxl)."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import openpyxl
import pytest

from graph.analysis.competition_network import (
    DEPENDENCE_MIN_AWARDS,
    DEPENDENCE_SHARE,
    SINGLE_BID_MIN_LOTS,
    SINGLE_BID_SHARE,
    dependence_graph,
    single_bid_buyer_graph,
    single_bid_suppliers,
    wins_from,
)
from graph.competition import compute_competition
from graph.export import export_network
from graph.ingest.load import load_files
from graph.report.competition import collect_competition, competition_sections
from graph.report.findings import findings_sections
from graph.store.embedded import EmbeddedStore, open_database

GAVLEBORG = "2321000198"
TENDERS = "se_procurement_2021_tenders.xlsx"
AWARDS = "se_procurement_2021_awards.csv"
FOUR = (TENDERS, AWARDS, "se_procurement_2021_procurements.xlsx", "se_procurement_2021_contracted_value.csv")
B, P, L, S = "Organisationsnummer för köpare", "Upphandlings-ID", "Anbudsområdes-ID", "Namn för leverantör"


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(int(c) for c in reversed(digits)):
        total += d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
    return total % 10 == 0


def _fold(rows: list[dict[str, str]]) -> dict[str, str]:
    """Invalid buyer number -> the one valid number whose rows carry the same buyer name."""
    names: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        names[r[B]].add(" ".join(r["Namn för köpare"].casefold().split()))
    valid = {n: ns for n, ns in names.items() if n.isdigit() and len(n) == 10 and _luhn(n)}
    out = {}
    for number, ns in names.items():
        twins = [v for v, vns in valid.items() if vns & ns]
        if number.isdigit() and len(number) == 10 and not _luhn(number) and len(twins) == 1:
            out[number] = twins[0]
    return out


@pytest.fixture(scope="module")
def oracle(shared_data: Path) -> dict:
    """Lots' tenders (openpyxl) joined to the awards (csv) on (buyer, Upphandlings-ID, Anbudsområdes-ID)."""
    ws = openpyxl.load_workbook(shared_data / TENDERS, read_only=True).worksheets[0]
    rows = ws.iter_rows(values_only=True)
    head = list(next(rows))
    b, p, lt, t = (head.index(c) for c in (B, P, L, "Antal anbud, Summa"))
    tenders = {(str(r[b]), str(r[p]), str(r[lt])): (None if r[t] is None else int(r[t])) for r in rows}
    with (shared_data / AWARDS).open(encoding="utf-8", newline="") as fh:
        awards = list(csv.DictReader(fh))
    fold = _fold(awards)
    wins = {(r[B], r[P], r[L] or r[P], " ".join(r[S].casefold().split())) for r in awards
            if "personuppgift" not in r[S].casefold()}
    lots: dict[str, set] = defaultdict(set)
    single: dict[str, set] = defaultdict(set)
    buyers: dict[str, set] = defaultdict(set)
    for buyer, pid, lot, sup in wins:
        if (buyer, pid, lot) in tenders:
            buyers[sup].add(fold.get(buyer, buyer))
            if tenders[(buyer, pid, lot)] is not None:
                lots[sup].add((buyer, pid, lot))
                if tenders[(buyer, pid, lot)] == 1:
                    single[sup].add((buyer, pid, lot))
    flagged = {s for s in lots if len(lots[s]) >= SINGLE_BID_MIN_LOTS and len(single[s]) / len(lots[s]) >= SINGLE_BID_SHARE}
    pairs: Counter = Counter(pair for s in flagged for pair in combinations(sorted(buyers[s]), 2))
    per_buyer: dict[str, Counter] = defaultdict(Counter)
    for buyer, _pid, _lot, sup in {(fold.get(w[0], w[0]), *w[1:]) for w in wins}:
        per_buyer[buyer][sup] += 1
    deps: Counter = Counter()
    for buyer, counts in per_buyer.items():
        total = sum(counts.values())
        if total >= DEPENDENCE_MIN_AWARDS:
            deps.update((buyer, n) for n in counts.values() if n / total >= DEPENDENCE_SHARE)
    return {"flagged": sorted((len(lots[s]), len(single[s])) for s in flagged),
            "flagged_buyers": {b for s in flagged for b in buyers[s]},
            "pairs": pairs, "deps_by_count": deps}


@pytest.fixture(scope="module")
def loaded(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    conn = open_database(tmp_path_factory.mktemp("competition_network") / "a.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    load_files(store, "upphandling", [shared_data / f for f in FOUR])
    yield store, compute_competition(store)
    conn.close()


def test_single_bid_suppliers_match_the_files(loaded, oracle):
    _store, comp = loaded
    found = single_bid_suppliers(wins_from(comp.lots, comp.winners))
    assert sorted((f["lots"], f["single"]) for f in found.values()) == oracle["flagged"]
    assert len(found) > 10  # a real network, not an empty one
    # the same as the supplier's single-bid rate of graph/competition.py (one definition)
    for sup, f in found.items():
        fig = comp.entities["supplier"][sup].figures["single_bid_rate"]
        assert (fig.n, fig.numerator) == (f["lots"], f["single"])


def test_buyers_tied_by_single_bid_suppliers_match_the_files(loaded, oracle):
    _store, comp = loaded
    G = single_bid_buyer_graph(wins_from(comp.lots, comp.winners))
    assert {b.removeprefix("SE-ON:") for b in G} == oracle["flagged_buyers"]
    got = Counter({tuple(sorted(b.removeprefix("SE-ON:") for b in e)): d["weight"] for *e, d in G.edges(data=True)})
    assert got == oracle["pairs"] and G.number_of_edges() > 0
    assert all(len(d["suppliers"].split(";")) == d["weight"] for *_, d in G.edges(data=True))


def test_dependence_edges_match_the_files(loaded, oracle):
    _store, comp = loaded
    G = dependence_graph(comp.winner_shares)
    by_count = Counter((b.removeprefix("SE-ON:"), d["awards"]) for b, _s, d in G.edges(data=True) if d["share"] >= DEPENDENCE_SHARE)
    assert by_count == oracle["deps_by_count"] and by_count
    # the other edges cross the threshold by value only
    assert all(d["value_share"] >= DEPENDENCE_SHARE for *_, d in G.edges(data=True) if d["share"] < DEPENDENCE_SHARE)


def test_report_section_and_key_findings(loaded, oracle):
    store, _comp = loaded
    data = collect_competition(store)
    assert data is not None
    net = data["network"]
    assert net["single_bid_suppliers"] == len(oracle["flagged"])
    assert net["buyer_ties"] == len(oracle["pairs"])
    sb, mean = data["key_rows"]
    assert sb["key"] == "single_bid_rate" and sb["value"] == round(2311 / 11395, 6) and "2,311 of 11,395 lots" in sb["text"]
    assert sb["percentile"] is None and sb["median"] is not None and sb["peers"] > 0
    assert mean["key"] == "tenders_mean" and mean["text"] == "5.44"
    gav = collect_competition(store, org="SE-ON:" + GAVLEBORG)
    assert gav is not None
    row = gav["key_rows"][0]
    assert row["text"].endswith("(5 of 44 lots)") and 0 <= row["percentile"] <= 100
    assert row["coverage"] == "44 of 44 lots with a known tender count"

    def table(head, rows):
        return [head, *rows]

    blocks = competition_sections(data, table)[0][1]
    assert any(isinstance(b, str) and f"{len(oracle['flagged']):,} suppliers won mostly single-bid lots" in b for b in blocks)
    drawn = findings_sections({"sentences": [], "tables": [], "dependencies": [], "competition": gav["key_rows"]},
                              table, lambda d: str(d))[0][1]
    tables = [b for b in drawn if isinstance(b, list)]
    assert tables and tables[0][1][:2] == ["single-bid rate (all lots)", row["text"]] and tables[0][1][3].endswith("%" + f" (of {row['peers']:,})")


def test_export_single_bid_network(loaded, oracle, tmp_path):
    store, _comp = loaded
    info = export_network(store, "csv", network="single_bid", out=tmp_path / "sb")
    with (tmp_path / "sb" / "edges.csv").open(encoding="utf-8", newline="") as fh:
        edges = list(csv.DictReader(fh))
    assert info.edges == len(edges) == len(oracle["pairs"])
    assert sum(int(e["weight"]) for e in edges) == sum(oracle["pairs"].values())
    export_network(store, "graphml", network="dependence", out=tmp_path / "dep.graphml")
    assert (tmp_path / "dep.graphml").read_text(encoding="utf-8").count("<edge ") == sum(oracle["deps_by_count"].values()) + sum(
        1 for *_, d in dependence_graph(_comp.winner_shares).edges(data=True) if d["share"] < DEPENDENCE_SHARE)


def test_full_report_draws_the_competition_key_findings_and_network(loaded, oracle):
    from graph.report.collect import collect_report
    from graph.report.render import render_markdown
    from graph.report.schema import validate_report

    store, _comp = loaded
    data = collect_report(store, org="SE-ON:" + GAVLEBORG, now="2026-01-01T00:00:00Z")
    validate_report(data)
    rows = data["key_findings"]["competition"]
    assert [r["key"] for r in rows] == ["single_bid_rate", "tenders_mean"] and rows[0]["text"].endswith("(5 of 44 lots)")
    text = render_markdown(data)
    assert "Competition (from the competition section):" in text and "11.36% (5 of 44 lots)" in text
    assert f"{len(oracle['flagged']):,} suppliers won mostly single-bid lots" in text
