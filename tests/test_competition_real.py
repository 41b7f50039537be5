"""Competition indicators on the real 2021 exports, checked against figures computed straight from the files."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import openpyxl
import pytest
from fingerprint import first_difference, graph_fingerprint

from graph.competition import compute_competition
from graph.ingest.load import load_files
from graph.queries import run_query
from graph.store.embedded import EmbeddedStore, open_database

GAVLEBORG = "2321000198"
TENDERS = "se_procurement_2021_tenders.xlsx"
FOUR = ("se_procurement_2021_tenders.xlsx", "se_procurement_2021_awards.csv",
        "se_procurement_2021_procurements.xlsx", "se_procurement_2021_contracted_value.csv")


def _oracle(data: Path) -> dict[str, tuple[int, int]]:
    """(single-tender lots, lots) nationally and for Region Gävleborg, and the mean, with openpyxl."""
    ws = openpyxl.load_workbook(data / TENDERS, read_only=True).worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = list(next(rows))
    buyer, tenders = header.index("Organisationsnummer för köpare"), header.index("Antal anbud, Summa")
    counts = [(str(r[buyer]), int(r[tenders])) for r in rows if r[tenders] is not None]
    gav = [t for b, t in counts if b == GAVLEBORG]
    return {"nation": (sum(1 for _, t in counts if t == 1), len(counts)),
            "gavleborg": (sum(1 for t in gav if t == 1), len(gav)),
            "mean": statistics.fmean(t for _, t in counts)}  # type: ignore[dict-item]


@pytest.fixture(scope="module")
def loaded(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    conn = open_database(tmp_path_factory.mktemp("competition") / "a.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    load_files(store, "upphandling", [shared_data / f for f in FOUR])
    yield store
    conn.close()


def test_single_bid_rate_matches_the_file(loaded, shared_data):
    oracle = _oracle(shared_data)
    assert oracle["nation"] == (2311, 11395) and oracle["gavleborg"] == (5, 44)
    comp = compute_competition(loaded)
    sb = comp.national["single_bid_rate"]
    assert (sb.numerator, sb.n) == oracle["nation"]
    assert round(sb.value, 4) == 0.2028
    assert comp.national["tenders_mean"].value == pytest.approx(oracle["mean"]) and round(oracle["mean"], 2) == 5.44
    gav = comp.entities["buyer"]["SE-ON:" + GAVLEBORG].figures["single_bid_rate"]
    assert (gav.numerator, gav.n) == oracle["gavleborg"]
    assert gav.median is not None and 0 <= gav.percentile <= 1
    risk = comp.entities["buyer"]["SE-ON:" + GAVLEBORG].risk
    assert risk["components"] and risk["coverage"].endswith("components")


def test_named_query_gives_the_same_figures(loaded, shared_data):
    oracle = _oracle(shared_data)
    result = run_query(loaded, "single_bid_rate_by_buyer", {"min_lots": 1, "limit": 100000})
    rows = {r[0]: r for r in result.rows}
    row = rows["SE-ON:" + GAVLEBORG]
    assert (row[3], row[2]) == oracle["gavleborg"]
    assert sum(r[3] for r in result.rows) == oracle["nation"][0]
    assert sum(r[2] for r in result.rows) == oracle["nation"][1]


def test_four_exports_in_another_order_give_the_same_graph(loaded, shared_data, tmp_path):
    conn = open_database(tmp_path / "b.db")
    other = EmbeddedStore(conn)
    other.ensure_schema()
    load_files(other, "upphandling", [shared_data / f for f in reversed(FOUR)])
    a, b = graph_fingerprint(loaded), graph_fingerprint(other)
    assert len(a["nodes"]["Lot"]) == 11395
    assert a == b, first_difference(a, b)
    # Loaded twice (another order again): nothing changes.
    load_files(other, "upphandling", [shared_data / f for f in (FOUR[2], FOUR[0], FOUR[3], FOUR[1])])
    c = graph_fingerprint(other)
    conn.close()
    assert a == c, first_difference(a, c)


@pytest.mark.neo4j
def test_embedded_and_neo4j_agree(neo4j_store, embedded_store, shared_data):
    for store in (neo4j_store, embedded_store):
        load_files(store, "upphandling", [shared_data / TENDERS])
    got = []
    for store in (neo4j_store, embedded_store):
        comp = compute_competition(store)
        gav = comp.entities["buyer"]["SE-ON:" + GAVLEBORG].figures["single_bid_rate"]
        got.append((comp.national["single_bid_rate"].numerator, comp.national["single_bid_rate"].n,
                    gav.numerator, gav.n, comp.national["tenders_mean"].value))
    assert got[0] == got[1]
    assert got[0][:4] == (2311, 11395, 5, 44)


def test_report_json_gives_the_same_figures(loaded, shared_data):
    from graph.report.collect import collect_report
    from graph.report.schema import validate_report

    oracle = _oracle(shared_data)
    data = collect_report(loaded, org="Region Gävleborg", now="2026-01-01T00:00:00Z", version="test")
    validate_report(data)
    comp = data["competition"]
    sb = comp["national"]["single_bid_rate"]
    assert (sb["numerator"], sb["n"]) == oracle["nation"]
    assert round(comp["national"]["tenders_mean"]["value"], 2) == 5.44
    [buyer] = [e for e in comp["scope"] if e["kind"] == "buyer"]
    gav = buyer["figures"]["single_bid_rate"]
    assert (gav["numerator"], gav["n"]) == oracle["gavleborg"]
    assert buyer["risk"]["components"] and "components" in buyer["risk"]["coverage"]
    assert {f["code"] for f in comp["flags"]} >= {"SB-LOT", "CAPTIVE", "HETERO"}
    assert next(f for f in comp["flags"] if f["code"] == "SB-LOT")["raised"] == oracle["nation"][0]


def _sheet(path: Path, limit: int) -> tuple[list[str], list[tuple]]:
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    return header, [r for _, r in zip(range(limit), rows)]


def _write(path: Path, header: list[str], rows: list[tuple]) -> Path:
    import csv

    if path.suffix == ".xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(header)
        for r in rows:
            ws.append(list(r))
        wb.save(path)
        return path
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(["" if v is None else str(v) for v in r] for r in rows)
    return path


def test_shuffled_rows_and_csv_or_xlsx_give_the_same_graph(shared_data, tmp_path):
    """Rows shuffled, CSV or XLSX, files in either order: one graph, and the oracle's single-bid count."""
    import random

    th, trows = _sheet(shared_data / TENDERS, 3000)
    ph, prows = _sheet(shared_data / "se_procurement_2021_procurements.xlsx", 3000)
    shuffled_t, shuffled_p = trows[:], prows[:]
    random.Random(15).shuffle(shuffled_t)
    random.Random(16).shuffle(shuffled_p)
    variants = [
        [_write(tmp_path / "t1.csv", th, trows), _write(tmp_path / "p1.csv", ph, prows)],
        [_write(tmp_path / "p2.xlsx", ph, shuffled_p), _write(tmp_path / "t2.xlsx", th, shuffled_t)],
    ]
    prints = []
    for i, files in enumerate(variants):
        conn = open_database(tmp_path / f"v{i}.db")
        store = EmbeddedStore(conn)
        store.ensure_schema()
        report = load_files(store, "upphandling", files)
        assert report.rejected == 0
        prints.append(graph_fingerprint(store))
        sb = compute_competition(store).national["single_bid_rate"]
        col = th.index("Antal anbud, Summa")
        assert (sb.numerator, sb.n) == (sum(1 for r in trows if r[col] == 1), len(trows))
        conn.close()
    assert prints[0] == prints[1], first_difference(prints[0], prints[1])


def test_queries_agree_with_the_indicators(loaded):
    """Captive suppliers, buyer x CPV winner shares and a buyer's flags: the named queries and graph.competition."""
    from graph.competition_flags import flags_of

    comp = compute_competition(loaded)
    captive = run_query(loaded, "captive_suppliers", {"limit": 100000})
    assert {(r[0], r[2]) for r in captive.rows} == {(c["supplier"], c["buyer"]) for c in comp.captive}
    assert len(captive.rows) > 100
    markets = run_query(loaded, "buyer_cpv_concentration", {"min_awards": 5, "limit": 100000})
    for buyer, _name, cpv, awards, _s, top, share in markets.rows:
        f = comp.entities["buyer_cpv"][f"{buyer}|{cpv}"].figures["top_winner_share"]
        assert (f.n, f.numerator) == (awards, top) and math.floor(f.value * 10000 + 0.5) / 10000 == share
    flagged = run_query(loaded, "competition_flags_of_buyer", {"buyer_id": "SE-ON:" + GAVLEBORG}).dicts()
    python = flags_of(comp, buyer="SE-ON:" + GAVLEBORG)
    assert sum(r["single_bid_lots"] for r in flagged) == sum(1 for c, *_ in python if c == "SB-LOT") == 5
    assert {r["procurement_id"] for r in flagged if r["appealed"]} == {i for c, _, i in python if c == "APPEAL"}
    assert {r["procurement_id"] for r in flagged if r["no_award"]} == {i for c, _, i in python if c == "NOAWARD"}


def test_lots_join_the_awards_on_buyer_id_and_lot(loaded, shared_data):
    """The join counts of the report, against the files read with csv and openpyxl."""
    import csv

    from graph.report.competition import collect_competition

    th, trows = _sheet(shared_data / TENDERS, 10**6)
    b, p, lt = (th.index(c) for c in ("Organisationsnummer för köpare", "Upphandlings-ID", "Anbudsområdes-ID"))
    tender_keys = {(str(r[b]), str(r[p]), str(r[lt])) for r in trows}
    with (shared_data / "se_procurement_2021_awards.csv").open(encoding="utf-8", newline="") as fh:
        award_keys = {(r["Organisationsnummer för köpare"], r["Upphandlings-ID"],
                       r["Anbudsområdes-ID"] or r["Upphandlings-ID"]) for r in csv.DictReader(fh)}
    join = collect_competition(loaded)["join"]  # type: ignore[index]
    assert join == {"lots": len(tender_keys), "lots_with_awards": len(tender_keys & award_keys),
                    "awarded_lots": len(award_keys), "awarded_lots_without_tenders": len(award_keys - tender_keys)}
