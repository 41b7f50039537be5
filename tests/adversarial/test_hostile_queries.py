"""Hostile ad-hoc Cypher: deep nesting, huge text, file access without --write, runaway queries, odd parameters."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import digest, make_database, one_line_error, run, stakenet_argv, subprocess_env


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_database(tmp_path_factory.mktemp("hostile") / "g.db")


def test_deep_nesting_is_refused_before_the_engine_sees_it(db: Path, tmp_path: Path) -> None:
    # In a child process: before the check, this text crashed the process (SIGSEGV).
    text = "RETURN " + "(" * 3000 + "1" + ")" * 3000
    done = subprocess.run(stakenet_argv("--db", str(db), "query", "--cypher", text), capture_output=True, text=True,
                          env=subprocess_env(), timeout=120, cwd="/")
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])
    assert "nests brackets 3000 deep" in done.stderr


def test_huge_query_text_is_refused(db: Path) -> None:
    msg = one_line_error(run("--db", str(db), "query", "--cypher", "RETURN 1 AS x" + " " * 200_000))
    assert "characters; the limit is" in msg


@pytest.mark.parametrize("text", [
    "COPY (RETURN 'x' AS x) TO '{out}'",
    "LOAD FROM '/etc/passwd' (file_format='csv', delim=':') RETURN *",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "  // a comment first\n copy (MATCH (o:Organisation) RETURN o.name) TO '{out}'",
    "MATCH (o:Organisation) WITH o LIMIT 1 CALL {{ COPY (RETURN 1 AS y) TO '{out}' }} RETURN 1",
    "EXPORT DATABASE '{dir}'",
    "CALL apoc.load.json('file:///etc/passwd') YIELD value RETURN value",
])
def test_read_only_queries_touch_no_file(db: Path, tmp_path: Path, text: str) -> None:
    victim = tmp_path / "user-file.csv"
    victim.write_text("precious\n", encoding="utf-8")
    before = digest(db)
    msg = one_line_error(run("--db", str(db), "query", "--cypher", text.format(out=victim, dir=tmp_path / "exp")))
    assert "--write" in msg
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not (tmp_path / "exp").exists()
    assert digest(db) == before


def test_keywords_inside_strings_are_not_file_access(db: Path) -> None:
    result = run("--db", str(db), "query", "--cypher", "RETURN 'COPY x TO y; LOAD FROM z' AS s, 'USE ME' AS t")
    assert result.exit_code == 0, result.output
    assert "COPY x TO y" in result.output


def test_a_runaway_query_stops_at_the_timeout(db: Path) -> None:
    slow = "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y WITH x + y AS z WHERE z % 7 = 1 RETURN count(*)"
    msg = one_line_error(run("--db", str(db), "query", "--cypher", slow, "--timeout", "1"))
    assert "--timeout 1 s" in msg


def test_an_oversized_integer_parameter_is_a_one_line_error(db: Path) -> None:
    msg = one_line_error(run("--db", str(db), "query", "--cypher", "RETURN $x AS x", "-p", "x=" + "9" * 40))
    assert "64-bit" in msg and "pybind" not in msg.lower()
    msg = one_line_error(run("--db", str(db), "query", "region_rollup", "-p", "region=SE3", "-p", "limit=" + "9" * 30))
    assert "pybind" not in msg.lower()


def test_returning_whole_nodes_of_mixed_labels_is_not_a_traceback(db: Path) -> None:
    result = run("--db", str(db), "query", "--cypher", "MATCH (a)-[e:BUYER_OF]->(b) RETURN b", "--format", "json")
    assert "Traceback" not in result.output
    assert result.exit_code == 0 or one_line_error(result)


@pytest.mark.neo4j
def test_neo4j_read_only_queries_touch_no_file_and_stop_at_the_timeout(neo4j_store: object) -> None:
    from graph.errors import QueryError
    from graph.queries import run_cypher

    with pytest.raises(QueryError, match="--write"):
        run_cypher(neo4j_store, "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="--write"):
        run_cypher(neo4j_store, "CALL apoc.export.csv.all('x.csv', {})")  # type: ignore[arg-type]
    slow = "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y WITH x + y AS z WHERE z % 7 = 1 RETURN count(*)"
    with pytest.raises(QueryError, match="timeout"):
        run_cypher(neo4j_store, slow, timeout=1)  # type: ignore[arg-type]
