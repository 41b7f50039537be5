"""The one organisation lookup (graph/lookup.py): numbers in any spelling, names, former names, ambiguity."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from graph.cli import cli
from graph.errors import AmbiguousReference, QueryError, StakenetError
from graph.lookup import resolve_organisation
from graph.queries import run_query
from graph.records import Node
from graph.store.embedded import EmbeddedStore, open_database


def orgs() -> list[Node]:
    return [
        Node("Organisation", {"org_id": "SE-ON:2321000198", "org_number": "2321000198", "org_number_valid": True,
                              "name": "Region Gävleborg"}),
        Node("Organisation", {"org_id": "SE-ON:2321000180", "org_number": "2321000180", "org_number_valid": True,
                              "name": "Region Dalarna"}),
        # the same buyer under a number failing its check digit (as the export has it)
        Node("Organisation", {"org_id": "SE-ON:2331000180", "org_number": "2331000180", "org_number_valid": False,
                              "name": "REGION DALARNA"}),
        Node("Organisation", {"org_id": "SE-ON:5564072501", "org_number": "5564072501", "org_number_valid": True,
                              "name": "GÄVLE ENERGI AKTIEBOLAG"}),
        Node("Organisation", {"org_id": "NAME:x:bygg ab", "name": "Bygg AB"}),
        Node("Organisation", {"org_id": "NAME:y:bygg ab", "name": "BYGG AB"}),
    ]


@pytest.fixture
def store(embedded_store: EmbeddedStore) -> EmbeddedStore:
    embedded_store.load(orgs())
    return embedded_store


@pytest.mark.parametrize("ref", ["232100-0180", "2321000180", "SE-ON:2321000180", "se-on:232100-0180", " 232100 0180 ",
                                 "Region Dalarna", "REGION DALARNA", "region dalarna."])
def test_every_spelling_of_region_dalarna_finds_the_valid_number(store, ref):
    assert resolve_organisation(store, ref) == ("SE-ON:2321000180", "Region Dalarna")


def test_the_invalid_number_itself_is_still_found(store):
    assert resolve_organisation(store, "2331000180")[0] == "SE-ON:2331000180"


@pytest.mark.parametrize("ref", ["Landstinget Gävleborg", "GÄVLEBORGS LÄNS LANDSTING", "Landstinget i Gävleborgs län"])
def test_former_names_from_the_renames_table(store, ref):
    assert resolve_organisation(store, ref) == ("SE-ON:2321000198", "Region Gävleborg")


def test_legal_form_and_case_do_not_matter(store):
    assert resolve_organisation(store, "Gävle Energi AB")[0] == "SE-ON:5564072501"


def test_no_match_suggests_close_names(store):
    with pytest.raises(StakenetError, match="Did you mean: Region Gävleborg") as err:
        resolve_organisation(store, "Region Gävlebor")
    assert not isinstance(err.value, AmbiguousReference)


def test_several_matches_list_the_candidates(store):
    with pytest.raises(AmbiguousReference, match=r"names 2 organisations: .*NAME:x:bygg ab.*NAME:y:bygg ab"):
        resolve_organisation(store, "bygg ab")


def test_named_queries_resolve_organisation_parameters(store):
    by_id = run_query(store, "buyer_suppliers", {"buyer_id": "SE-ON:2321000198"})
    by_former_name = run_query(store, "buyer_suppliers", {"buyer_id": "Landstinget Gävleborg"})
    assert by_id.rows == by_former_name.rows
    with pytest.raises(QueryError, match=r"parameter \$buyer_id: no organisation"):
        run_query(store, "buyer_suppliers", {"buyer_id": "Nobody At All"})
    with pytest.raises(AmbiguousReference, match=r"parameter \$buyer_id"):
        run_query(store, "buyer_suppliers", {"buyer_id": "Bygg AB"})


def test_cli_exits_2_on_an_ambiguous_name_and_1_on_an_unknown_one(tmp_path):
    db = tmp_path / "g.db"
    conn = open_database(db)
    s = EmbeddedStore(conn)
    s.ensure_schema()
    s.load(orgs())
    conn.close()
    runner = CliRunner()
    ambiguous = runner.invoke(cli, ["--db", str(db), "view", "ego", "Bygg AB", "--out", str(tmp_path)])
    assert ambiguous.exit_code == 2, ambiguous.output
    assert "names 2 organisations" in ambiguous.output and "Traceback" not in ambiguous.output
    unknown = runner.invoke(cli, ["--db", str(db), "query", "buyer_suppliers", "-p", "buyer_id=Nobody"])
    assert unknown.exit_code == 1 and "no organisation 'Nobody'" in unknown.output
    named = runner.invoke(cli, ["--db", str(db), "query", "buyer_suppliers", "-p", "buyer_id=Landstinget Gävleborg"])
    assert named.exit_code == 0, named.output
