"""The Interreg source against independent counts from the JSON file (json module), and its bad input."""

from __future__ import annotations

import itertools
import json
import random
from collections import defaultdict
from pathlib import Path

import pytest

from graph.errors import SourceError
from graph.identity import PartnerResolver, ascii_fold
from graph.ingest.load import load_files
from graph.io.reports import FileReport
from graph.records import Node, Rel
from graph.sources import interreg

FILE = "se_interreg_2021_2027_partners.json"


def _rows(shared_data: Path) -> list[dict]:
    return json.loads((shared_data / FILE).read_text(encoding="utf-8"))


def _records(path: Path, resolver: PartnerResolver | None = None):
    report = FileReport(str(path), "interreg")
    return list(interreg.iter_records(path, report=report, resolver=resolver or PartnerResolver())), report


@pytest.fixture(scope="module")
def parsed(shared_data: Path):
    return _records(shared_data / FILE)


def _partners(records) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in records:
        if isinstance(r, Rel) and r.type == "BENEFICIARY_OF":
            out[r.dst[1]].add(r.src[1])
    return out


def test_586_projects_by_programme_and_name(parsed, shared_data: Path) -> None:
    rows = _rows(shared_data)
    oracle = {(r["program"], r["projektnamn"]) for r in rows}
    assert len(oracle) == 586
    projects = [r for r in parsed[0] if isinstance(r, Node) and r.label == "Project"]
    assert len(projects) == len({p.key for p in projects}) == 586
    programmes = {r.key for r in parsed[0] if isinstance(r, Node) and r.label == "Programme"}
    assert len(programmes) == len({r["program"] for r in rows}) == 10
    assert all(r.dst == ("Fund", "ERDF") for r in parsed[0] if isinstance(r, Rel) and r.type == "FUNDED_BY")


def test_partners_and_pairs_before_identity_merging(parsed, shared_data: Path) -> None:
    named: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in _rows(shared_data):
        if r["organisationsnamn"]:
            named[(r["program"], r["projektnamn"])].append(r["organisationsnamn"])
    two_distinct = sum(len(set(v)) >= 2 for v in named.values())
    two_rows = sum(len(v) >= 2 for v in named.values())
    pairs = {p for v in named.values() for p in itertools.combinations(sorted(set(v)), 2)}
    assert (two_distinct, two_rows, len(pairs)) == (279, 280, 1218)

    partners = _partners(parsed[0])  # no organisation known: one node per normalised name
    assert sum(len(v) >= 2 for v in partners.values()) == two_distinct
    ours = {p for v in partners.values() for p in itertools.combinations(sorted(v), 2)}
    assert len(ours) == len(pairs)


def test_a_partner_listed_twice_is_one_relationship_with_both_budgets(parsed, shared_data: Path) -> None:
    rows = [r for r in _rows(shared_data)
            if r["program"] == "Northern Periphery and Arctic" and r["projektnamn"] == "SelfCare"
            and r["organisationsnamn"] == "Region Västerbotten"]
    assert len(rows) == 2
    key = interreg.project_key("Northern Periphery and Arctic", "SelfCare")
    rels = [r for r in parsed[0] if isinstance(r, Rel) and r.type == "BENEFICIARY_OF" and r.dst[1] == key]
    assert len(rels) == 1
    assert rels[0].props["budget_eur"] == pytest.approx(sum(r["partnerbudget"] for r in rows))
    assert rels[0].props["role"] == "lead"


def test_budgets_and_roles_add_up(parsed, shared_data: Path) -> None:
    rows = [r for r in _rows(shared_data) if r["organisationsnamn"]]
    rels = [r for r in parsed[0] if isinstance(r, Rel) and r.type == "BENEFICIARY_OF"]
    assert sum(r.props["budget_eur"] or 0 for r in rels) == pytest.approx(sum(r["partnerbudget"] or 0 for r in rows))
    assert all(r.props["budget_eur"] is None or r.props["budget_eur"] >= 0 for r in rels)
    leads = {(r["program"], r["projektnamn"], r["organisationsnamn"].casefold()) for r in rows if r["organisationsroll"] == "LP"}
    assert sum(r.props["role"] == "lead" for r in rels) == len(leads)
    assert {r.props["role"] for r in rels} == {"lead", "partner", "associated"}


def test_counties_are_nuts3_regions_and_missing_ones_are_reported(parsed, shared_data: Path) -> None:
    records, report = parsed
    rows = _rows(shared_data)
    no_county = [r for r in rows if r["organisationsnamn"] and not r["nuts3"]]
    assert len(no_county) == 7
    assert len(report.quality["partners without a county (kept, not LOCATED_IN a region)"]) == 7
    regions = {r.key for r in records if isinstance(r, Node) and r.label == "Region"}
    assert len(regions) == len({r["nuts3"] for r in rows if r["nuts3"]}) == 21
    assert all(code.startswith("SE") and len(code) == 5 for code in regions)
    gavle = [r for r in records if isinstance(r, Rel) and r.type == "LOCATED_IN" and r.src == ("Organisation", "NAME:interreg:gävle kommun")]
    assert [r.dst for r in gavle] == [("Region", "SE313")]


def test_objectives_are_themes_of_the_shared_scheme(parsed, shared_data: Path) -> None:
    themes = {r.key: r.props for r in parsed[0] if isinstance(r, Node) and r.label == "Theme"}
    codes = {r["politisktmal"] for r in _rows(shared_data) if r["politisktmal"]}
    expected = {("PO6" if c == "ISO" else c) for c in codes}
    assert {k for k, v in themes.items() if v["kind"] == "policy_objective"} == expected
    specific = {r["specifiktmal"] for r in _rows(shared_data) if r["specifiktmal"]}
    assert {k for k, v in themes.items() if v["kind"] == "specific_objective"} == {f"SO:{s}" for s in specific}


def test_rows_without_a_name_are_rejected_with_the_reason_never_an_unknown_hub(parsed, shared_data: Path) -> None:
    records, report = parsed
    rows = _rows(shared_data)
    nameless = [i for i, r in enumerate(rows, start=1) if not r["organisationsnamn"]]
    assert len(nameless) == 17
    assert sorted(r.row for r in report.rejects) == nameless
    assert all(r.field == "organisationsnamn" and "no organisation name" in r.reason for r in report.rejects)
    orgs = [r for r in records if isinstance(r, Node) and r.label == "Organisation"]
    assert all(o.props.get("aliases") for o in orgs)
    assert not [o for o in orgs if o.key.rstrip(":").endswith(("NAME:interreg", "unknown", "none"))]
    # the project of a nameless row is still there
    projects = {r.key for r in records if isinstance(r, Node) and r.label == "Project"}
    assert all(interreg.project_key(rows[i - 1]["program"], rows[i - 1]["projektnamn"]) in projects for i in nameless)


def test_a_budget_that_is_not_a_number_is_rejected_with_its_row(tmp_path: Path, shared_data: Path) -> None:
    rows = _rows(shared_data)[:20]
    rows[4] = {**rows[4], "partnerbudget": "about 10k"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    _, report = _records(path)
    assert [(r.row, r.field, r.value) for r in report.rejects] == [(5, "partnerbudget", "about 10k")]


def test_missing_fields_refused_naming_them(tmp_path: Path, embedded_store) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps([{"program": "X", "name": "Y"}]), encoding="utf-8")
    with pytest.raises(SourceError, match="'organisationsnamn'.*'projektnamn'"):
        load_files(embedded_store, "interreg", [path])
    assert embedded_store.counts().total_nodes == 0


def test_shuffled_rows_give_the_same_records(tmp_path: Path, shared_data: Path, parsed) -> None:
    rows = _rows(shared_data)
    random.Random(7).shuffle(rows)
    path = tmp_path / "shuffled.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    shuffled, _ = _records(path)

    def canon(records):
        return sorted(repr((type(r).__name__, getattr(r, "label", getattr(r, "type", "")), getattr(r, "src", None),
                            getattr(r, "dst", None), sorted(r.props.items()))) for r in records)

    assert canon(shuffled) == canon(parsed[0])


def test_load_twice_changes_nothing_and_keeps_586_projects(embedded_store, shared_data: Path) -> None:
    first = load_files(embedded_store, "interreg", [shared_data / FILE])
    counts = embedded_store.counts()
    assert counts.nodes["Project"] == 586 and first.rejected == 17
    again = load_files(embedded_store, "interreg", [shared_data / FILE])
    assert embedded_store.counts() == counts
    assert again.stats.nodes_created == 0 and again.stats.rels_created == 0
    lines = "\n".join(first.summary_lines())
    assert "identified with known organisations, by organisation type" in lines
    assert "Local public authority: 0 of" in lines  # nothing known yet: no match claimed


def test_public_bodies_match_known_buyers_with_their_rule() -> None:
    resolver = PartnerResolver()
    resolver.add_known("SE-ON:2120002338", "GÄVLE KOMMUN")
    resolver.add_known("SE-ON:2120001405", "STRÖMSTADS KOMMUN")
    resolver.add_known("SE-ON:2021002346", "LÄNSSTYRELSEN I SKÅNE LÄN")
    assert resolver.match("Gävle kommun") == ("SE-ON:2120002338", "name")
    assert resolver.match("Strömstad kommun") == ("SE-ON:2120001405", "public_body")
    assert resolver.match("Länsstyrelsen Skåne") == ("SE-ON:2021002346", "public_body")
    assert resolver.match("Gävle Energi") == (None, None)  # no guess
    assert ascii_fold("Gävle kommun") == "gavle kommun"
