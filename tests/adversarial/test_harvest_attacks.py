"""Adversarial harvests: a misbehaving SPARQL endpoint (real HTTP on 127.0.0.1) and hostile answers.

Issue 14 items 7 (endless body, dripping body), 11 (non-finite and unparsable budgets), 16
(deep JSON, huge integers, malformed bindings) and 19 (a token in --endpoint). Every attack ends
in a one-line SourceError (or a counted warning naming the item and property), in bounded time.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sparql_endpoint import Fault, SparqlServer, load_store

from graph.cli import cli
from graph.errors import SourceError
from graph.ingest import harvest as ingest_harvest
from graph.sources import eukg
from graph.sources.eukg import fetch as eukg_fetch
from graph.store.embedded import EmbeddedStore, open_database

HERE = Path(__file__).resolve().parent.parent
NT = HERE / "fixtures" / "eukg" / "eukg.nt"
ONE = eukg_fetch.RetryPolicy(attempts=1, base=0.01, cap=0.05, timeout=5.0)


def _policy(**kw: float) -> eukg_fetch.RetryPolicy:
    return eukg_fetch.RetryPolicy(attempts=int(kw.pop("attempts", 1)), base=0.01, cap=0.05, **kw)  # type: ignore[arg-type]


# -- item 7: unbounded answers ------------------------------------------------------------------
def test_endless_body_stops_at_the_size_limit(server: SparqlServer) -> None:
    server.reset({1: Fault("endless", limit=2 << 30)})
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        list(eukg.iter_records(server.url, retry=_policy(timeout=5.0, deadline=60.0, max_bytes=2 << 20)))
    elapsed = time.monotonic() - started
    message = str(err.value)
    assert "more than 2,097,152 bytes" in message and "--max-response-mb" in message, message
    assert "\n" not in message
    assert elapsed < 20, f"the size limit must stop the read at once, took {elapsed:.1f} s"


def test_dripping_body_stops_at_the_deadline(server: SparqlServer) -> None:
    # One byte every 0.3 s: each socket read succeeds well within --timeout 5, so only a total
    # deadline per request can end it.
    server.reset({n: Fault("drip", delay=0.3) for n in range(1, 4)})
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        list(eukg.iter_records(server.url, retry=_policy(attempts=2, timeout=5.0, deadline=1.5)))
    elapsed = time.monotonic() - started
    message = str(err.value)
    assert "gave up after 2 attempts" in message and "still sending after 1.5 s (--deadline" in message, message
    assert elapsed < 2 * (1.5 + 0.3) + 3, f"two attempts of a 1.5 s deadline took {elapsed:.1f} s"


def test_announced_oversized_answer_is_refused_before_reading(server: SparqlServer) -> None:
    # A normal answer (with Content-Length) over a tiny limit: refused from the header, not retried.
    with pytest.raises(SourceError, match=r"announces an answer of [0-9,]+ bytes, over the limit of 100"):
        list(eukg.iter_records(server.url, retry=_policy(attempts=3, timeout=5.0, max_bytes=100)))
    assert len(server.requests) == 1, "an over-size answer is not retried"


def test_cli_harvest_has_deadline_and_size_options(server: SparqlServer, tmp_path: Path) -> None:
    server.reset({1: Fault("endless", limit=2 << 30)})
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "h.db"), "harvest", "--endpoint", server.url,
                                      "--retries", "1", "--deadline", "30", "--max-response-mb", "1", "--quiet"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and "more than 1,048,576 bytes" in result.output
    assert "Traceback" not in result.output
    help_text = CliRunner().invoke(cli, ["harvest", "--help"]).output
    assert "--deadline" in help_text and "--max-response-mb" in help_text


# -- item 16: hostile JSON in the answer ---------------------------------------------------------
@pytest.mark.parametrize(("body", "expected"), [
    (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    (b'{"head": {"vars": []}, "results": {"bindings": [], "n": ' + b"7" * 5000 + b"}}", "unreadable JSON"),
    (b'{"head": {"vars": ["item"]}, "results": {"bindings": ["Q1", "Q2"]}}', "row 1 is a str, not an object"),
    (b'{"head": {"vars": ["item"]}, "results": {"bindings": [{"item": {"type": "uri", "value": 42}}]}}',
     "?item's value is a int, not a string"),
    (b'{"head": {"vars": ["item"]}, "results": {"bindings": [{"item": {"type": "uri"}}]}}', "?item has no 'value'"),
    (b'{"head": {"vars": ["item"]}, "results": []}', "not a SPARQL SELECT result"),
])
def test_hostile_json_answers_are_one_line_errors(server: SparqlServer, body: bytes, expected: str) -> None:
    server.reset({n: Fault("body", body=body) for n in range(1, 3)})
    with pytest.raises(SourceError) as err:
        list(eukg.iter_records(server.url, retry=_policy(attempts=2, timeout=5.0)))
    message = str(err.value)
    assert expected in message and "country page 1 (items): gave up after 2 attempts" in message, message
    assert "\n" not in message


# -- item 11: budgets that are not finite numbers ------------------------------------------------
def _poisoned_store(tmp_path: Path) -> tuple[SparqlServer, dict[str, tuple[str, str]]]:
    """The fixture with three budget amounts replaced by 1e309, NaN and abc: value IRI -> (project, prop)."""
    lines = NT.read_text(encoding="utf-8").splitlines()
    owner: dict[str, tuple[str, str]] = {}
    for line in lines:
        m = re.match(r"<[^>]*/statement/(Q\d+)-(P835|P474)-\d+> <[^>]*/prop/statement/value/P\d+> <([^>]+)> \.", line)
        if m:
            owner[m.group(3)] = (m.group(1), {"P835": "eu_budget", "P474": "total_budget"}[m.group(2)])
    victims = sorted(owner)[:3]
    poison = dict(zip(victims, ['"1e309"^^<http://www.w3.org/2001/XMLSchema#double>',
                                '"NaN"^^<http://www.w3.org/2001/XMLSchema#double>', '"abc"'], strict=True))
    out = []
    for line in lines:
        m = re.match(r"<([^>]+)> <http://wikiba.se/ontology#quantityAmount> .* \.$", line)
        if m and m.group(1) in poison:
            line = f"<{m.group(1)}> <http://wikiba.se/ontology#quantityAmount> {poison[m.group(1)]} ."
        out.append(line)
    return SparqlServer(load_store("\n".join(out) + "\n")), {v: owner[v] for v in victims}


def test_non_finite_budgets_are_left_out_and_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    server, victims = _poisoned_store(tmp_path)
    conn = open_database(tmp_path / "g.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    try:
        with server, caplog.at_level(logging.WARNING, logger="graph.sources.eukg"):
            stats = ingest_harvest.harvest(store, server.url, page_size=7, retry=ONE, seed=1)
        rows = store.query("MATCH (p:Project) RETURN p.project_id AS id, p.eu_budget AS a, p.total_budget AS b, "
                           "p.eu_budget_eur AS c, p.total_budget_eur AS d, p.cofinancing_rate AS r")
        assert rows and stats.projects == len(rows)
        for row in rows:
            for key in "abcdr":
                assert row[key] is None or math.isfinite(row[key]), row
        for project, prop in victims.values():
            assert re.search(rf"EU KG project {project}: {prop} '[^']+' is not a finite number", caplog.text), (
                project, prop, caplog.text)
        assert sum(n for kind, n in stats.warnings.items() if "not a finite number" in kind) == len(victims)
        # report.json must stay valid JSON (no Infinity/NaN)
        from graph.report import write_report

        paths = write_report(store, tmp_path / "rep", formats=("json",))
        json.loads(paths.json.read_text(encoding="utf-8"), parse_constant=lambda c: pytest.fail(f"report has {c}"))
    finally:
        conn.close()


# -- item 19: secrets in --endpoint are never printed or stored ------------------------------------
def test_endpoint_token_is_redacted_in_errors_and_provenance(server: SparqlServer, tmp_path: Path) -> None:
    host = server.url.split("//", 1)[1].split("/", 1)[0]
    secret_url = f"http://harvester:hunter2@{host}/sparql?token=SEKRET-TOKEN&key=K3Y&x=1"
    server.reset({n: Fault("500") for n in range(1, 5)})
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "h.db"), "harvest", "--endpoint", secret_url,
                                      "--retries", "2", "--quiet"])
    assert result.exit_code == 1
    for secret in ("hunter2", "SEKRET-TOKEN", "K3Y"):
        assert secret not in result.output, result.output
    assert "harvester:***@" in result.output and "token=***" in result.output

    server.reset()
    db = tmp_path / "ok.db"
    token_url = f"{server.url}?token=SEKRET-TOKEN&key=K3Y"  # (urllib cannot send userinfo; a token can)
    result = CliRunner().invoke(cli, ["--db", str(db), "harvest", "--endpoint", token_url, "--limit", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    conn = open_database(db)
    try:
        sources = EmbeddedStore(conn).query("MATCH (s:Source) RETURN s.source_id AS id, s.path AS path")
    finally:
        conn.close()
    assert sources and all("hunter2" not in str(s) and "SEKRET" not in str(s) for s in sources), sources
