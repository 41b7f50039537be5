"""The analyst query library: headers, parameters, `stakenet query`, read-only runs and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_queries_parity import REGION_GAVLEBORG, SEED, parity_records

from graph.cli import cli
from graph.errors import QueryError
from graph.queries import (
    QUERY_DIR,
    Param,
    get_query,
    list_queries,
    parse_header,
    parse_params,
    query_text,
    run_cypher,
    run_query,
)
from graph.store.embedded import EmbeddedStore, open_database

QUERIES = list_queries()


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded database file holding the parity dataset, closed so the CLI can open it."""
    path = tmp_path_factory.mktemp("queries") / "q.db"
    conn = open_database(path)
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load(parity_records())
    conn.close()
    return path


@pytest.fixture
def loaded_store(tmp_path: Path):
    conn = open_database(tmp_path / "s.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load(parity_records())
    yield store
    conn.close()


def invoke(db: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--db", str(db), "query", *args])


def one_line_error(result: Any) -> str:
    """The CLI's error: exit 1, exactly one line starting with 'Error:'."""
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


# -- the files ----------------------------------------------------------------------------------


def test_library_has_at_least_twelve_questions_one_per_file() -> None:
    mains = [p for p in QUERY_DIR.glob("*.cypher") if p.name.count(".") == 1]
    assert len(QUERIES) >= 12
    assert sorted(q.name for q in QUERIES) == sorted(p.stem for p in mains)


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_every_file_has_its_header(query: Any) -> None:
    text = query.text
    assert text.startswith("// Question: "), f"{query.path} must open with its question"
    assert query.question.endswith("?"), query.question
    assert query.columns, query.path
    for p in query.params:
        assert p.example, f"{query.path}: ${p.name} needs an example value"
        p.example_value  # the example converts to the declared type  # noqa: B018
    # Every $parameter the text uses is documented, and every documented one is used.
    body = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("//"))
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", body))
    assert used == {p.name for p in query.params}, f"{query.path}: used {sorted(used)}, documented {[p.name for p in query.params]}"
    for variant in query.variants.values():
        other = parse_header(query.name, variant.read_text(encoding="utf-8"), variant)
        assert (other.question, other.params, other.columns) == (query.question, query.params, query.columns), (
            f"{variant} must carry the same header as {query.path}"
        )


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_every_query_runs_on_the_embedded_store_with_the_header_columns(db_path: Path, query: Any) -> None:
    conn = open_database(db_path)
    try:
        got = run_query(EmbeddedStore(conn), query, query.example_params())
    finally:
        conn.close()
    assert got.columns == list(query.columns)
    assert got.rows, f"{query.name}: no rows for the header's example parameters"


def test_dialect_variant_is_picked_by_store_dialect() -> None:
    q = get_query("shortest_path")
    assert "embedded" in q.variants
    assert "ALL SHORTEST" in query_text(q, "embedded")
    assert "allShortestPaths" in query_text(q, "neo4j")


def test_list_shows_every_question_with_its_parameters(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "never-opened.db"), "query", "--list"])
    assert result.exit_code == 0, result.output
    for q in QUERIES:
        assert re.search(rf"^{q.name}$", result.output, re.M), q.name
        assert q.question in result.output
        for p in q.params:
            assert f"--param {p.name}=" in result.output
    assert not (tmp_path / "never-opened.db").exists(), "--list must not open a database"


# -- parameters ---------------------------------------------------------------------------------


def test_parameters_are_typed_by_the_header() -> None:
    q = get_query("buyer_suppliers")
    got = parse_params(q, ["buyer_id=SE-ON:2321000198", "limit=3"])
    assert got == {"buyer_id": "SE-ON:2321000198", "limit": 3}
    assert Param("x", "float", "0.5").convert("1e3") == 1000.0
    assert Param("x", "bool", "true").convert("No") is False
    with pytest.raises(QueryError, match=r"\$limit should be an int \(like 25\), got 'ten'"):
        parse_params(q, ["buyer_id=x", "limit=ten"])
    with pytest.raises(QueryError, match=r"has no parameter \$buyer; its parameters: \$buyer_id, \$limit"):
        parse_params(q, ["buyer=x"])
    with pytest.raises(QueryError, match="should look like key=value"):
        parse_params(q, ["buyer_id"])


def test_malformed_headers_are_named() -> None:
    with pytest.raises(QueryError, match="no '// Question: ...' line"):
        parse_header("x", "// Columns: a\nRETURN 1 AS a")
    with pytest.raises(QueryError, match="no '// Columns: ...' line"):
        parse_header("x", "// Question: Why?\nRETURN 1 AS a")
    with pytest.raises(QueryError, match=r"x line 2: malformed parameter line"):
        parse_header("x", "// Question: Why?\n// Parameter: limit int\n// Columns: a\nRETURN 1 AS a")
    with pytest.raises(QueryError, match="unknown type 'number'"):
        parse_header("x", "// Question: Why?\n// Parameter: $n (number, e.g. 1) n\n// Columns: a\nRETURN 1 AS a")


def test_parameter_values_are_never_pasted_into_the_text(loaded_store: EmbeddedStore) -> None:
    hostile = "SE-ON:2321000198' OR 1=1 RETURN 1 //"
    # An organisation parameter is looked up as a whole (graph/lookup.py) and names nobody ...
    with pytest.raises(QueryError, match="no organisation"):
        run_query(loaded_store, "buyer_suppliers", {"buyer_id": hostile})
    # ... and a string parameter reaches the database as a value, never as text.
    got = run_cypher(loaded_store, "MATCH (o:Organisation) WHERE o.org_id = $id RETURN o.org_id", {"id": hostile})
    assert got.rows == []
    honest = run_query(loaded_store, "buyer_suppliers", {"buyer_id": REGION_GAVLEBORG})
    assert len(honest.rows) == 6


# -- the command --------------------------------------------------------------------------------


def test_query_prints_table_json_and_csv(db_path: Path) -> None:
    table = invoke(db_path, "seed_project_and_predecessor", "--param", f"project_id={SEED}")
    assert table.exit_code == 0, table.output
    assert "Upphandlingsdriven Innovation för Regional Tillväxt" in table.output
    assert table.output.rstrip().endswith("(3 rows)")

    as_json = invoke(db_path, "buyer_suppliers", "-p", f"buyer_id={REGION_GAVLEBORG}", "-p", "limit=2", "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert [r["supplier"] for r in rows] == ["Atea Sverige AB", "Hälsinge Städ AB"]
    assert rows[0]["value"] == pytest.approx(1400000.0)
    assert rows[0]["top_supplier_share"] == pytest.approx(1400000.0 / 3100000.0, abs=1e-4)

    as_csv = invoke(db_path, "region_rollup", "--param", "region=SE31", "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    lines = as_csv.output.strip().splitlines()
    assert lines[0] == "nuts_code,name,level,projects,eu_budget,organisations"
    assert [ln.split(",")[0] for ln in lines[1:]] == ["SE31", "SE311", "SE312", "SE313"]


def test_missing_parameter_is_one_line(db_path: Path) -> None:
    msg = one_line_error(invoke(db_path, "buyer_suppliers"))
    assert "needs parameter $buyer_id" in msg and "--param buyer_id=SE-ON:2321000198" in msg


def test_unknown_query_name_suggests_close_names(db_path: Path) -> None:
    msg = one_line_error(invoke(db_path, "buyer_supplier"))
    assert "no query named 'buyer_supplier'" in msg
    assert "Did you mean: buyer_suppliers" in msg


def test_bad_parameter_value_is_one_line(db_path: Path) -> None:
    msg = one_line_error(invoke(db_path, "community_members", "-p", "community=zero"))
    assert "$community should be an int" in msg


def test_cypher_syntax_error_is_one_line(db_path: Path) -> None:
    msg = one_line_error(invoke(db_path, "--cypher", "MATCH (o:Organisation RETURN o"))
    assert "Parser exception" in msg


def test_adhoc_cypher_takes_parameters(db_path: Path) -> None:
    result = invoke(
        db_path, "--cypher", "MATCH (o:Organisation) WHERE o.name = $name AND o.degree >= $d RETURN o.org_id AS id",
        "-p", "name=Region Gävleborg", "-p", "d=9", "--format", "json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"id": REGION_GAVLEBORG}]


def test_adhoc_cypher_is_read_only_unless_write(db_path: Path) -> None:
    count = "MATCH (f:Fund) RETURN count(*) AS n"
    before = json.loads(invoke(db_path, "--cypher", count, "--format", "json").output)[0]["n"]
    msg = one_line_error(invoke(db_path, "--cypher", "CREATE (:Fund {code: 'EMFF'})"))
    assert "read-only" in msg and "--write" in msg
    msg = one_line_error(invoke(db_path, "--cypher", "MATCH (f:Fund) SET f.name = 'changed' RETURN f.code"))
    assert "read-only" in msg
    # A second statement cannot escape the read-only transaction.
    one_line_error(invoke(db_path, "--cypher", "MATCH (f:Fund) RETURN f.code; CREATE (:Fund {code: 'EMFF'})"))
    one_line_error(invoke(db_path, "--cypher", "COMMIT"))
    assert json.loads(invoke(db_path, "--cypher", count, "--format", "json").output)[0]["n"] == before
    wrote = invoke(db_path, "--cypher", "CREATE (:Fund {code: 'EMFF'})", "--write")
    assert wrote.exit_code == 0, wrote.output
    assert json.loads(invoke(db_path, "--cypher", count, "--format", "json").output)[0]["n"] == before + 1
    invoke(db_path, "--cypher", "MATCH (f:Fund {code: 'EMFF'}) DELETE f", "--write")


def test_usage_errors(db_path: Path) -> None:
    assert invoke(db_path).exit_code == 2
    assert invoke(db_path, "region_rollup", "--cypher", "RETURN 1").exit_code == 2
    assert invoke(db_path, "region_rollup", "--write", "-p", "region=SE3").exit_code == 2
    assert invoke(db_path, "region_rollup", "--format", "xml").exit_code == 2


# -- Neo4j: the same read-only guarantee on the server ------------------------------------------


@pytest.mark.neo4j
def test_neo4j_adhoc_cypher_is_read_only_unless_write(neo4j_store: Any) -> None:
    neo4j_store.load(parity_records())
    count = "MATCH (f:Fund) RETURN count(*) AS n"
    before = run_cypher(neo4j_store, count).rows[0][0]
    with pytest.raises(QueryError, match="read-only"):
        run_cypher(neo4j_store, "CREATE (:Fund {code: 'EMFF'})")
    with pytest.raises(QueryError, match="read-only"):
        run_cypher(neo4j_store, "MATCH (f:Fund) SET f.name = 'changed' RETURN f.code")
    assert run_cypher(neo4j_store, count).rows[0][0] == before
    run_cypher(neo4j_store, "CREATE (:Fund {code: 'EMFF'})", write=True)
    assert run_cypher(neo4j_store, count).rows[0][0] == before + 1
    run_cypher(neo4j_store, "MATCH (f:Fund {code: 'EMFF'}) DELETE f", write=True)
    with pytest.raises(QueryError, match="syntax") as err:
        run_cypher(neo4j_store, "MATCH (o:Organisation RETURN o")
    assert "\n" not in str(err.value)


@pytest.mark.neo4j
def test_query_command_on_neo4j_prints_what_it_prints_on_the_embedded_store(neo4j_store: Any, db_path: Path) -> None:
    import os

    neo4j_store.load(parity_records())
    uri = os.environ["NEO4J_TEST_URI"]
    args = ["query", "buyers_sharing_suppliers", "-p", f"buyer_id={REGION_GAVLEBORG}", "--format", "csv"]
    on_neo4j = CliRunner().invoke(cli, ["--neo4j-uri", uri, *args])
    on_embedded = CliRunner().invoke(cli, ["--db", str(db_path), *args])
    assert on_neo4j.exit_code == 0, on_neo4j.output
    assert on_embedded.exit_code == 0, on_embedded.output
    assert on_neo4j.output == on_embedded.output
    assert len(on_neo4j.output.strip().splitlines()) == 4  # header + three buyers
    msg = one_line_error(CliRunner().invoke(cli, ["--neo4j-uri", uri, "query", "--cypher", "CREATE (:Fund {code: 'X'})"]))
    assert "read-only" in msg
    msg = one_line_error(CliRunner().invoke(cli, ["--neo4j-uri", uri, "query", "--cypher", "MATCH (n RETURN n"]))
    assert "syntax" in msg
