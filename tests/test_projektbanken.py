"""The Projektbanken source: fields read as documented, identity via the renames table, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.errors import SourceError
from graph.identity import OrgResolver
from graph.ingest.load import load_files
from graph.io.reports import FileReport
from graph.records import Node, Rel
from graph.sources import projektbanken

FIXTURE = Path(__file__).parent / "fixtures" / "projektbanken.json"


def _records(path: Path, resolver: OrgResolver | None = None):
    report = FileReport(str(path), "projektbanken")
    return list(projektbanken.iter_records(path, report=report, resolver=resolver or OrgResolver())), report


def test_projects_amounts_dates_and_missing_eur() -> None:
    records, report = _records(FIXTURE)
    projects = {r.key: r.props for r in records if isinstance(r, Node) and r.label == "Project"}
    assert sorted(projects) == ["20200083", "20200085", "20200251", "20200535"]
    p = projects["20200535"]
    assert p["title"] == "Upphandlingsdriven Innovation för Regional Tillväxt"
    assert (p["eu_budget"], p["currency"], p["start_date"]) == (4952165.0, "SEK", "2016-02-01")
    assert p["eu_budget_eur"] is None and "total_budget" not in p  # 0 EUR in the file = missing
    assert "Gävle" in p["municipalities"] and len(p["municipalities"]) == 10
    assert report.notes["beviljat_belopp_eur 0 read as unknown"] == 4
    assert all(r.dst == ("Fund", "ERDF") for r in records if isinstance(r, Rel) and r.type == "FUNDED_BY")


def test_several_counties_and_themes() -> None:
    records, _ = _records(FIXTURE)
    located = sorted(r.dst[1] for r in records if isinstance(r, Rel) and r.type == "LOCATED_IN" and r.src[1] == "20200251")
    assert located == ["SE312", "SE313"]  # "Dalarna, Gävleborg"
    themes = {r.dst[1] for r in records if isinstance(r, Rel) and r.type == "HAS_THEME" and r.src[1] == "20200535"}
    assert "TO01" in themes and any(t.startswith("PA:") for t in themes)
    kinds = {r.props["kind"] for r in records if isinstance(r, Node) and r.label == "Theme"}
    assert kinds == {"thematic_objective", "priority_axis"}


def test_renamed_landsting_is_region_gavleborg_without_any_other_file() -> None:
    records, report = _records(FIXTURE)
    benef = {r.dst[1]: r.src[1] for r in records if isinstance(r, Rel) and r.type == "BENEFICIARY_OF"}
    assert benef["20200535"] == benef["20200083"] == "SE-ON:2321000198"
    node = next(r.props for r in records if isinstance(r, Node) and r.key == "SE-ON:2321000198")
    assert node["name"] == "Region Gävleborg" and node["aliases"] == ["Gävleborgs Läns Landsting"]
    assert benef["20200085"] == "NAME:projektbanken:fören matvärden"
    assert report.quality["beneficiaries merged by the renames table"] == ["Gävleborgs Läns Landsting -> SE-ON:2321000198"]


def test_beneficiary_matches_a_known_buyer_by_name() -> None:
    resolver = OrgResolver()
    resolver.add_known("SE-ON:2120002346", "SANDVIKENS KOMMUN")
    records, _ = _records(FIXTURE, resolver)
    benef = {r.dst[1]: r.src[1] for r in records if isinstance(r, Rel) and r.type == "BENEFICIARY_OF"}
    assert benef["20200251"] == "SE-ON:2120002346"
    assert resolver.counts.matched_by_name == 1 and resolver.counts.merged_by_rename == 1


def test_missing_field_is_named(tmp_path: Path) -> None:
    cases = json.loads(FIXTURE.read_text(encoding="utf-8"))
    del cases[2]["län"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.json: missing field\(s\) 'län' \(first in record 3\)"):
        _records(bad)


def test_not_json_and_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "page.json"
    bad.write_text("<html>", encoding="utf-8")
    with pytest.raises(SourceError, match="not valid JSON"):
        _records(bad)
    latin = tmp_path / "latin.json"
    latin.write_bytes(FIXTURE.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(SourceError, match="--encoding"):
        _records(latin)


def test_bad_date_and_amount_are_rejected_and_the_rest_loads(tmp_path: Path, embedded_store) -> None:
    cases = json.loads(FIXTURE.read_text(encoding="utf-8"))
    cases[0]["projekt_sluttid"] = "31/8 2018"
    cases[1]["beviljat_belopp_sek"] = "okänt"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    report = load_files(embedded_store, "projektbanken", [bad], rejects_path=tmp_path / "rej.csv")
    assert (report.rows, report.loaded, report.rejected) == (4, 2, 2)
    assert [(r.row, r.field) for r in report.rejects] == [(1, "projekt_sluttid"), (2, "beviljat_belopp_sek")]
    assert embedded_store.counts().nodes["Project"] == 2
    assert (tmp_path / "rej.csv").read_text(encoding="utf-8").count("\n") == 3


def test_load_twice_changes_nothing(embedded_store) -> None:
    load_files(embedded_store, "projektbanken", [FIXTURE])
    counts = embedded_store.counts()
    assert counts.nodes["Project"] == 4 and counts.rels["LOCATED_IN"] == 5
    load_files(embedded_store, "projektbanken", [FIXTURE])
    assert embedded_store.counts() == counts


def test_a_case_number_twice_is_read_once_or_flagged_never_overwritten(tmp_path: Path, embedded_store) -> None:
    cases = json.loads(FIXTURE.read_text(encoding="utf-8"))
    changed = {**cases[0], "beviljat_belopp_sek": 1, "stödmottagare": "Någon annan AB"}
    path = tmp_path / "dupes.json"
    path.write_text(json.dumps([*cases, dict(cases[1]), changed, {**cases[2], "beviljat_belopp_sek": -5}]),
                    encoding="utf-8")
    report = load_files(embedded_store, "projektbanken", [path])
    f = report.files[0]
    pid = cases[0]["ärende-id"]
    n = len(cases)
    assert f.notes["case numbers repeated with identical content (read once)"] == 1
    assert f.quality[projektbanken.DUPLICATE] == [
        f"dupes.json record {n + 2}: beviljat_belopp_sek of {pid} is 1, record 1 has {cases[0]['beviljat_belopp_sek']!r}",
        f"dupes.json record {n + 2}: stödmottagare of {pid} is 'Någon annan AB', record 1 has {cases[0]['stödmottagare']!r}",
        f"dupes.json record {n + 3}: beviljat_belopp_sek of {cases[2]['ärende-id']} is -5, "
        f"record 3 has {cases[2]['beviljat_belopp_sek']!r}",
    ]
    assert [(r.row, r.field) for r in f.rejects] == [(n + 2, "beviljat_belopp_sek"), (n + 3, "beviljat_belopp_sek")]
    # the first record stands: its budget and its one beneficiary
    rows = embedded_store.query("MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project) WHERE p.project_id = $id "
                                "RETURN p.eu_budget AS budget, count(o) AS n", {"id": pid})
    assert rows == [{"budget": float(cases[0]["beviljat_belopp_sek"]), "n": 1}]


def test_negative_grants_load_with_a_flag(tmp_path: Path) -> None:
    cases = json.loads(FIXTURE.read_text(encoding="utf-8"))
    cases[1]["beviljat_belopp_sek"] = -1000
    path = tmp_path / "negative.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    records, report = _records(path)
    projects = {r.key: r.props for r in records if isinstance(r, Node) and r.label == "Project"}
    assert projects[cases[1]["ärende-id"]]["eu_budget"] == -1000.0
    assert report.quality[projektbanken.NEGATIVE] == [f"negative.json record 2: {cases[1]['ärende-id']} -1000"]
