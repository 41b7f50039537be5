"""The Gävleborg report on the real Swedish data (../shared/data), checked against the files.

The files are loaded with the project's loaders into the real embedded store and analysed; the
report for region SE313 with the Region Gävleborg profile is written in all three formats. Its
figures for Region Gävleborg are then recomputed here straight from the CSV and JSON files with the
csv and json modules, with the rules the data README states:

- Region Gävleborg buys under organisation number 2321000198; Projektbanken still calls it
  "Gävleborgs Läns Landsting" (renamed Region Gävleborg in 2015);
- an award is a (procurement, lot, supplier) row; every ``Personuppgift`` row is a different
  redacted person, never one supplier; other suppliers are told apart by name (case and spacing
  ignored);
- SME = Mikro-, Små or Medelstora företag, among awards whose supplier size is given (empty = unknown);
- HHI = sum of the squared shares of the suppliers in the buyer's awards;
- every Projektbanken record is ERDF; granted = ``beviljat_belopp_sek``.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from graph import report
from graph.analysis.analyze import analyze
from graph.ingest.load import load_files
from graph.store.embedded import EmbeddedStore, open_database

pytestmark = pytest.mark.slow

AWARDS = "se_procurement_2021_awards.csv"
VALUES = "se_procurement_2021_contracted_value.csv"
PROJECTS = "se_erdf_2014_2020_projektbanken_2016.json"
NUTS = "nuts2013.csv"
GAVLEBORG_NUMBER = "2321000198"
GAVLEBORG = "SE-ON:" + GAVLEBORG_NUMBER
GAVLEBORG_NAMES = {"region gävleborg", "gävleborgs läns landsting"}
SME = {"Mikroföretag", "Små företag", "Medelstora företag"}
FIXED = {"now": "2026-01-01T00:00:00Z", "version": "0.0.0-test"}


@pytest.fixture(scope="module")
def real_report(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    conn = open_database(tmp_path_factory.mktemp("real-report") / "real.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    load_files(store, "nuts", [shared_data / NUTS])
    load_files(store, "upphandling", [shared_data / AWARDS], value_file=shared_data / VALUES)
    load_files(store, "projektbanken", [shared_data / PROJECTS])
    analyze(store, seed=42)
    out = tmp_path_factory.mktemp("real-report-out")
    paths = report.write_report(store, out, region="SE313", org="Region Gävleborg", top=10, **FIXED)
    yield paths, json.loads(paths.json.read_text(encoding="utf-8")) if paths.json else {}
    conn.close()


@pytest.fixture(scope="module")
def expected(shared_data: Path) -> dict[str, Any]:
    """Region Gävleborg's figures computed directly from the files."""
    with (shared_data / AWARDS).open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Organisationsnummer för köpare"] == GAVLEBORG_NUMBER]
    awards: dict[tuple[str, ...], str] = {}
    for i, r in enumerate(rows):
        name = r["Namn för leverantör"]
        supplier = f"person #{i}" if name == "Personuppgift" else " ".join(name.casefold().split())
        key = (r["Upphandlings-ID"], r["Anbudsområdes-ID"], supplier)
        if key not in awards or not awards[key]:
            awards[key] = r["Företagsstorlek för leverantör"]
    # redacted persons are left out of suppliers, HHI and SME share, and counted apart (docs/indicators.md)
    redacted = sum(1 for key in awards if key[2].startswith("person #"))
    per_supplier = Counter(key[2] for key in awards if not key[2].startswith("person #"))
    total = sum(per_supplier.values())
    sized = [size for key, size in awards.items() if size and not key[2].startswith("person #")]
    with (shared_data / PROJECTS).open(encoding="utf-8") as fh:
        projects = [p for p in json.load(fh) if " ".join(p["stödmottagare"].casefold().split()) in GAVLEBORG_NAMES]
    pooled = [*per_supplier.values(), redacted]
    return {
        "awards": total + redacted,
        "redacted_awards": redacted,
        "hhi_pooled": sum((n / (total + redacted)) ** 2 for n in pooled),
        "distinct_suppliers": len(per_supplier),
        "sme_share": sum(s in SME for s in sized) / len(sized),
        "size_known_awards": len(sized),
        "hhi": sum((n / total) ** 2 for n in per_supplier.values()),
        "procurements": len({r["Upphandlings-ID"] for r in rows}),
        "erdf_projects": len(projects),
        "granted_sek": float(sum(p["beviljat_belopp_sek"] for p in projects)),
        "projects_in_gavleborg": sum("Gävleborg" in p["län"] for p in projects),
    }


def test_the_direct_computation_is_about_the_known_body(expected: dict[str, Any]) -> None:
    # The data README: "Gävleborgs Läns Landsting" has 6 ERDF projects; 163 award rows in 2021.
    assert expected["erdf_projects"] == 6 and expected["awards"] == 163


def test_region_gavleborg_figures_equal_the_files(real_report: Any, expected: dict[str, Any]) -> None:
    _, data = real_report
    org = data["org"]
    assert org["org_id"] == GAVLEBORG and org["name"] == "Region Gävleborg"
    buyer = org["buyer"]
    assert buyer["awards"] == expected["awards"]
    assert buyer["procurements"] == expected["procurements"]
    assert buyer["distinct_suppliers"] == expected["distinct_suppliers"]
    assert buyer["size_known_awards"] == expected["size_known_awards"]
    assert buyer["sme_share"] == pytest.approx(expected["sme_share"], abs=1e-6)
    assert buyer["hhi"] == pytest.approx(expected["hhi"], abs=1e-6)
    assert buyer["redacted_awards"] == expected["redacted_awards"]
    assert buyer["hhi_pooled"] == pytest.approx(expected["hhi_pooled"], abs=1e-6)
    ben = org["beneficiary"]
    assert ben["projects_by_fund"] == {"ERDF": expected["erdf_projects"]}
    assert ben["granted"] == {"SEK": pytest.approx(expected["granted_sek"])}

    region = data["region"]
    assert (region["nuts_code"], region["name"]) == ("SE313", "Gävleborgs län")
    in_region = {b["org_id"]: b for b in region["top_buyers"]}
    assert in_region[GAVLEBORG] == buyer, "the region profile shows the same buyer figures"
    benef = {b["org_id"]: b for b in region["top_beneficiaries"]}
    assert benef[GAVLEBORG]["projects"] == expected["projects_in_gavleborg"]
    assert benef[GAVLEBORG]["granted"] == {"SEK": pytest.approx(expected["granted_sek"])}


def test_people_read_the_same_figures(real_report: Any, expected: dict[str, Any]) -> None:
    paths, _ = real_report
    md = paths.markdown.read_text(encoding="utf-8")
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in md.splitlines()
            if line.startswith("| Region Gävleborg (232100-0198) | ")]
    buyer_rows = [cells for cells in rows if len(cells) == 9]  # the buyer-indicator tables
    assert len(buyer_rows) == 2, "in the region profile and in the organisation profile"
    assert buyer_rows[0] == buyer_rows[1]
    cells = buyer_rows[0]
    assert cells[1] == f"{expected['awards']:,} ({expected['redacted_awards']:,})"
    assert cells[2] == f"{expected['distinct_suppliers']:,}"
    assert cells[3].startswith(f"{expected['hhi']:.4g} (range ")
    assert cells[5] == f"{100 * expected['sme_share']:.1f}% ({expected['size_known_awards']:,})"
    granted = f"{expected['granted_sek']:,.0f} SEK"
    assert f"EU projects: {expected['erdf_projects']} (ERDF {expected['erdf_projects']}), granted {granted}" in md
    html = paths.html.read_text(encoding="utf-8")
    assert granted in html and f"<td>{expected['hhi']:.4g} (range " in html


def test_real_report_follows_the_schema_and_states_provenance(real_report: Any, shared_data: Path) -> None:
    paths, data = real_report
    schema = json.loads((Path(report.__file__).parents[1] / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    kinds = {s["kind"]: s for s in data["overview"]["sources"]}
    assert set(kinds) >= {"nuts", "upphandling", "upphandling-value", "projektbanken"}
    assert kinds["upphandling"]["rows"] == 23_187 and kinds["projektbanken"]["rows"] == 374
    assert all(re.match(r"\d{4}-\d\d-\d\dT", s["loaded_at"] or "") for s in kinds.values())
    quality = data["overview"]["quality"]
    with (shared_data / AWARDS).open(encoding="utf-8", newline="") as fh:
        persons = sum(1 for r in csv.DictReader(fh) if r["Namn för leverantör"] == "Personuppgift")
    assert quality["anonymous"] == quality["flags"]["redacted_person"] == persons, "one node per redacted person, never a hub"
    assert data["meta"]["metric_coverage"]["pagerank"] > 0
    assert {c.name for c in paths.charts} >= {"sme_share_by_county.png", "degree_distribution.png", "money_by_fund.png"}


def _awards_by_buyer(shared_data: Path) -> dict[str, dict[str, Any]]:
    """Per buyer: its sector and legal form, and its awards as (supplier key, size), straight from the CSV.

    A buyer number failing its check digit (REGION DALARNA's 2331000180, data README) is the buyer of
    the same name with a valid number."""
    buyers: dict[str, dict[str, Any]] = {}
    with (shared_data / AWARDS).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    valid = {r["Namn för köpare"]: r["Organisationsnummer för köpare"] for r in rows if _luhn(r["Organisationsnummer för köpare"])}
    for i, r in enumerate(rows):
        number = r["Organisationsnummer för köpare"]
        number = number if _luhn(number) else valid.get(r["Namn för köpare"], number)
        b = buyers.setdefault(number, {
            "kind": (r["Sektor för köpare"], r["Juridisk form för köpare"]), "awards": {}})
        name = r["Namn för leverantör"]
        supplier = f"person #{i}" if name == "Personuppgift" else " ".join(name.casefold().split())
        key = (r["Upphandlings-ID"], r["Anbudsområdes-ID"], supplier)
        if key not in b["awards"] or not b["awards"][key]:
            b["awards"][key] = r["Företagsstorlek för leverantör"]
    return buyers


def _luhn(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) != 10:
        return False
    total = sum(d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def _sme_share(awards: dict[tuple[str, ...], str]) -> float | None:
    sized = [size for key, size in awards.items() if size and not key[2].startswith("person #")]
    return sum(s in SME for s in sized) / len(sized) if sized else None


def test_key_findings_open_the_report_with_the_national_comparison(real_report: Any, expected: dict[str, Any],
                                                                     shared_data: Path) -> None:
    """Must show (issue 17): Key findings first; 163 awards; SME share 78.3% = 119 of 152 sized awards with
    the 8 redacted excluded, and by value with its coverage; the median and percentile among regions."""
    paths, data = real_report
    md = paths.markdown.read_text(encoding="utf-8")
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Key findings" and headings[-1] == "## About this report"
    kf = data["key_findings"]
    table = kf["tables"][0]
    assert table["scope"] == "Region Gävleborg (232100-0198)" and table["peers"] == "regions"
    rows = {r["key"]: r for r in table["rows"]}
    assert rows["awards"]["value"] == expected["awards"] == 163
    assert (expected["size_known_awards"], expected["redacted_awards"]) == (152, 8)
    sme = rows["sme_share"]
    assert sme["value"] == pytest.approx(expected["sme_share"], abs=1e-6)
    assert sme["text"] == f"{100 * expected['sme_share']:.1f}% (119 of 152)" == "78.3% (119 of 152)"
    assert "8 redacted awards excluded" in sme["coverage"]
    assert rows["sme_share_value"]["value"] is not None and "of 152 awards with a reported size" in rows["sme_share_value"]["coverage"]
    # the comparison: SME share of every region (sector Region, legal form Regioner) straight from the CSV
    buyers = _awards_by_buyer(shared_data)
    peers = [x for x in (_sme_share(b["awards"]) for b in buyers.values() if b["kind"] == ("Region", "Regioner")) if x is not None]
    peers.sort()
    median = peers[len(peers) // 2] if len(peers) % 2 else (peers[len(peers) // 2 - 1] + peers[len(peers) // 2]) / 2
    assert sme["peers"] == len(peers) and sme["median"] == pytest.approx(median, abs=1e-6)
    own = expected["sme_share"]
    rank = 100 * (sum(p < own - 1e-12 for p in peers) + sum(abs(p - own) <= 1e-12 for p in peers) / 2) / len(peers)
    assert sme["percentile"] == pytest.approx(rank, abs=0.05)
    key_findings = md.split("## Key findings", 1)[1].split("\n## ", 1)[0]
    assert "78.3% (119 of 152)" in key_findings and f"median of the {len(peers)} regions" in key_findings


def test_no_internal_key_in_the_visible_text(real_report: Any) -> None:
    import html as html_module

    paths, _ = real_report
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", paths.html.read_text(encoding="utf-8")))
    assert not re.findall(r"\b(?:NAME|SE-ON|ANON):\S+", text)
    page = paths.html.read_text(encoding="utf-8")
    assert "<td>Personuppgift" not in page, "redacted suppliers are one summary row, not listed one by one"
    assert "8 awards to natural persons, redacted" in text


@pytest.mark.browser
def test_real_report_fits_1024_px_in_chromium(real_report: Any, page: Any) -> None:
    paths, _ = real_report
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(paths.html.as_uri())
    page.wait_for_load_state("load")
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner == 1024, f"the page is {scroll}px wide in a 1024px window"
    assert page.locator("h2").first.inner_text() == "Key findings"
