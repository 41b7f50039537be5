"""NUTS regions and Swedish county names."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph.errors import SourceError
from graph.ingest.load import load_files
from graph.io.reports import FileReport
from graph.records import Node, Rel
from graph.sources import nuts

FIXTURE = Path(__file__).parent / "fixtures" / "nuts_se.csv"


@pytest.mark.parametrize("name", ["Gävleborg", "Gävleborgs län", "GÄVLEBORGS LÄN", "Gävleborgs", " gävleborg "])
def test_county_forms(name: str) -> None:
    assert nuts.county_nuts3(name) == "SE313"


def test_every_county_round_trips_and_unknown_is_none() -> None:
    assert len(nuts.SE_COUNTIES) == 21
    for code in nuts.SE_COUNTIES.values():
        assert nuts.county_nuts3(nuts.county_name(code)) == code
    assert nuts.county_nuts3("Sörmland") == "SE122"
    assert nuts.county_nuts3("Lappland") is None


def test_fixture_levels_and_hierarchy() -> None:
    report = FileReport(str(FIXTURE), "nuts")
    records = list(nuts.iter_records(FIXTURE, report=report))
    regions = {r.key: r.props for r in records if isinstance(r, Node) and r.label == "Region"}
    assert {k: v["level"] for k, v in regions.items()} == {
        "SE1": 1, "SE3": 1, "SE11": 2, "SE31": 2, "SE110": 3, "SE311": 3, "SE312": 3, "SE313": 3}
    assert regions["SE313"]["name"] == "Gävleborgs län"
    parts = {r.src[1]: r.dst for r in records if isinstance(r, Rel)}
    assert parts["SE313"] == ("Region", "SE31") and parts["SE31"] == ("Region", "SE3")
    assert parts["SE3"] == ("Country", "SE")
    assert [r.key for r in records if isinstance(r, Node) and r.label == "Country"] == ["SE"]  # listed 3 times
    assert report.notes["heading rows (no NUTS code) skipped"] == 1


def test_wrong_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceError, match="x.csv: missing NUTS columns"):
        list(nuts.iter_records(bad))


def test_real_files(shared_data: Path, embedded_store) -> None:
    report = load_files(embedded_store, "nuts", [shared_data / "nuts2013.csv"])
    assert report.rows == 1887 and report.rejected == 0
    levels = embedded_store.query(
        "MATCH (r:Region) WHERE r.nuts_code STARTS WITH 'SE' RETURN r.level AS level, count(*) AS n ORDER BY level")
    # 3 + SEZ, 8 + SEZZ, 21 counties + SEZZZ
    assert levels == [{"level": 1, "n": 4}, {"level": 2, "n": 9}, {"level": 3, "n": 22}]
    for code in nuts.SE_COUNTIES.values():
        row = embedded_store.query("MATCH (r:Region)-[:PART_OF]->(p:Region) WHERE r.nuts_code = $c RETURN r.name AS n, p.nuts_code AS p",
                                   {"c": code})
        assert row == [{"n": nuts.county_name(code), "p": code[:4]}]
    before = {r["c"] for r in embedded_store.query("MATCH (r:Region) RETURN r.nuts_code AS c")}
    with (shared_data / "kohesio_nuts_regions.csv").open(encoding="utf-8", newline="") as fh:
        kohesio_codes = {row["NUTS CODE"] for row in csv.DictReader(fh, delimiter=";")}
    kohesio = load_files(embedded_store, "nuts", [shared_data / "kohesio_nuts_regions.csv"])
    assert kohesio.rows == 83 and kohesio.rejected == 0
    assert embedded_store.query("MATCH (r:Region) WHERE r.nuts_code = 'CZ010' RETURN r.name AS n") == [{"n": "Hlavní město Praha"}]
    # Kohesio uses later NUTS versions too: its codes unknown to NUTS 2013 are added, the rest merge.
    assert embedded_store.counts().nodes["Region"] == len(before | kohesio_codes)
    assert 0 < len(kohesio_codes - before) < len(kohesio_codes)
