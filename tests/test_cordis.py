"""The CORDIS source against independent counts from the CSV file (csv module): PIC identity, layout, amounts."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from graph.errors import SourceError
from graph.identity import PartnerResolver
from graph.ingest.load import load_files
from graph.io.reports import FileReport
from graph.records import Node, Rel
from graph.sources import cordis

FILE = "eu_cordis_participations_2014.csv"


@pytest.fixture(scope="module")
def rows(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / FILE).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def parsed(shared_data: Path):
    report = FileReport(str(shared_data / FILE), "cordis")
    return list(cordis.iter_records(shared_data / FILE, report=report, resolver=PartnerResolver())), report


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def _participant(r: dict[str, str]) -> str:
    return r["pic"] if r["pic"] != "NA" else r["legal_name"].casefold()


def test_3321_projects_and_12584_participations(parsed, rows) -> None:
    records, report = parsed
    assert len(rows) == 12584 and report.rows == 12584 and not report.rejects
    projects = {r.key for r in records if isinstance(r, Node) and r.label == "Project"}
    assert len(projects) == len({r["project_id"] for r in rows}) == 3321
    # one relationship per (project, participant): a third party next to its participation is one
    pairs = {(r["project_id"], _participant(r)) for r in rows}
    rels = [r for r in records if isinstance(r, Rel) and r.type == "BENEFICIARY_OF"]
    assert len(rels) == len(pairs)
    multi = defaultdict(set)
    for project, who in pairs:
        multi[project].add(who)
    ours = defaultdict(set)
    for r in rels:
        ours[r.dst[1]].add(r.src[1])
    assert sum(len(v) >= 2 for v in ours.values()) == sum(len(v) >= 2 for v in multi.values())


def test_funds_roles_and_contributions(parsed, rows) -> None:
    records, _ = parsed
    funded = {r.src[1]: r.dst[1] for r in records if isinstance(r, Rel) and r.type == "FUNDED_BY"}
    oracle = {f"CORDIS:{r['project_id']}": r["framework_programme"] for r in rows}
    assert funded == oracle
    rels = [r for r in records if isinstance(r, Rel) and r.type == "BENEFICIARY_OF"]
    coordinators = {(r["project_id"], _participant(r)) for r in rows if r["partner_role"] == "Coordinator"}
    assert sum(r.props["role"] == "coordinator" for r in rels) == len(coordinators)
    # Two participations are listed twice, differing only in how eu_contribution is split (9,244,861.99
    # and 0): the same ec_contribution repeated, counted once.
    distinct = {(r["project_id"], r["pic"], r["partner_role"], r["legal_name"], r["ec_contribution"]) for r in rows}
    assert len(rows) - len(distinct) == 2
    total = sum(float(r[4]) for r in distinct if r[4] != "NA")
    assert sum(r.props["budget_eur"] or 0.0 for r in rels) == pytest.approx(total)


def test_each_pic_is_one_node_within_the_file(parsed, rows) -> None:
    records, _ = parsed
    nodes = [r for r in records if isinstance(r, Node) and r.label == "Organisation"]
    pics = [n.props["pic"] for n in nodes if n.props.get("pic")]
    assert len(pics) == len(set(pics)) == len({r["pic"] for r in rows if r["pic"] != "NA"})


def test_the_same_pic_in_two_files_is_one_node(tmp_path: Path, rows, embedded_store) -> None:
    pic = "999990946"  # the Swedish participant with the most participations
    mine = [r for r in rows if r["pic"] == pic]
    projects = sorted({r["project_id"] for r in mine})[:2]
    a = _write(tmp_path / "a.csv", list(rows[0]), [r for r in mine if r["project_id"] == projects[0]])
    b = _write(tmp_path / "b.csv", list(rows[0]), [r for r in mine if r["project_id"] == projects[1]])
    load_files(embedded_store, "cordis", [a])
    load_files(embedded_store, "cordis", [b])  # a second load: the PIC is found in the store
    found = embedded_store.query(
        "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project) WHERE o.pic = $pic RETURN o.org_id AS id, p.project_id AS p",
        {"pic": pic})
    assert len({f["id"] for f in found}) == 1
    assert sorted(f["p"] for f in found) == [f"CORDIS:{p}" for p in projects]


def test_swedish_names_in_ascii_meet_known_organisations_with_their_rule(tmp_path: Path, rows) -> None:
    resolver = PartnerResolver()
    resolver.add_known("SE-ON:2021002890", "HÖGSKOLAN I GÄVLE")
    path = _write(tmp_path / "se.csv", list(rows[0]),
                  [r for r in rows if r["legal_name"] in ("HOGSKOLAN I GAVLE", "OSTERGOTLANDS LANS LANDSTING")])
    report = FileReport(str(path), "cordis")
    records = list(cordis.iter_records(path, report=report, resolver=resolver))
    rules = {r.src[1]: r.props["match_rule"] for r in records if isinstance(r, Rel) and r.type == "BENEFICIARY_OF"}
    assert rules == {"SE-ON:2021002890": "ascii_name", "SE-ON:2321000040": "ascii_rename"}
    node = next(r for r in records if isinstance(r, Node) and r.key == "SE-ON:2321000040")
    assert node.props["name"] == "Region Östergötland" and node.props["pic"]


def test_another_column_layout_is_refused_naming_the_missing_columns(tmp_path: Path, rows, embedded_store) -> None:
    header = [h for h in rows[0] if h not in ("pic", "ec_contribution")] + ["participant_pic"]
    path = _write(tmp_path / "other.csv", header,
                  [{**{k: v for k, v in r.items() if k in header}, "participant_pic": r["pic"]} for r in rows[:5]])
    with pytest.raises(SourceError, match=r"missing column\(s\) 'pic', 'ec_contribution'"):
        load_files(embedded_store, "cordis", [path])
    assert embedded_store.counts().total_nodes == 0


def test_a_contribution_that_is_not_a_number_is_rejected_with_its_row(tmp_path: Path, rows, embedded_store) -> None:
    sample = [dict(r) for r in rows[:10]]
    sample[2]["ec_contribution"] = "12 000 EUR"
    path = _write(tmp_path / "bad.csv", list(rows[0]), sample)
    result = load_files(embedded_store, "cordis", [path])
    assert [(r.row, r.field, r.value) for r in result.rejects] == [(4, "ec_contribution", "12 000 EUR")]  # header is row 1
    assert result.loaded == 9
    assert embedded_store.counts().rels["BENEFICIARY_OF"] == len({(r["project_id"], r["pic"]) for r in sample}) - 1


def test_load_twice_changes_nothing(tmp_path: Path, rows, embedded_store) -> None:
    path = _write(tmp_path / "part.csv", list(rows[0]), rows[:2000])
    load_files(embedded_store, "cordis", [path])
    counts = embedded_store.counts()
    again = load_files(embedded_store, "cordis", [path])
    assert embedded_store.counts() == counts and again.stats.nodes_created == 0 and again.stats.rels_created == 0


def test_cli_loads_cordis_and_refuses_another_layout(tmp_path: Path, rows) -> None:
    from click.testing import CliRunner

    from graph.cli import cli

    good = _write(tmp_path / "good.csv", list(rows[0]), rows[:50])
    runner = CliRunner()
    db = str(tmp_path / "cli.db")
    result = runner.invoke(cli, ["--db", db, "load", "cordis", str(good)], env={"NEO4J_URI": ""})
    assert result.exit_code == 0, result.output
    assert "50 rows, 50 loaded, 0 rejected" in result.output
    bad = _write(tmp_path / "bad.csv", ["project_id", "legal_name"], [{"project_id": "1", "legal_name": "X"}])
    result = runner.invoke(cli, ["--db", db, "load", "cordis", str(bad)], env={"NEO4J_URI": ""})
    assert result.exit_code == 1 and "missing column(s) 'pic', 'partner_role'" in result.output
