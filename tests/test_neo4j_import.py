"""The Neo4j bulk path (graph/store/neo4j_import.py): the real importer from Maven Central, a real server.

The same records are loaded transactionally into the shared test server (fixture neo4j_store) and
imported with ``neo4j-admin database import full`` (scripts/neo4j.sh admin: org.neo4j.cli.AdminTool
5.26.30) into a data directory that a second test server, on a port of 7690-7699, then opens.
"""

from __future__ import annotations

import csv
import os
import random
import socket
import subprocess
from pathlib import Path

import pytest

from graph.errors import StoreError
from graph.model import NODE_TYPES
from graph.records import Node, Rel
from graph.sources.synthetic import iter_records
from graph.store.neo4j import Neo4jStore, connect
from graph.store.neo4j_import import run_import, write_import_files

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "neo4j.sh"
ADMIN = ["bash", str(SCRIPT), "admin"]
OPTIONS = ["--max-off-heap-memory=512M", "--threads=2"]

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def edge_records() -> list[Node | Rel]:
    """Values that CSV quoting, typing and folding can get wrong, with duplicates to merge."""
    return [
        Node("Organisation", {"org_id": "T-1", "name": 'He said "hi", then\nleft', "aliases": ["a;b", "c,d", "a;b"],
                              "quality": "", "org_number_valid": False, "source": "x;x"}),
        Node("Organisation", {"org_id": "T-1", "name": None, "aliases": ["é ü", "a;b"], "source": "y"}),
        Node("Organisation", {"org_id": "T-2", "name": "Åre kommun", "aliases": [], "country": "SE"}),
        Node("Project", {"project_id": "P-T", "total_budget": 1, "eu_budget": 0.1 + 0.2, "title": ""}),
        Rel("BENEFICIARY_OF", ("Organisation", "T-1"), ("Project", "P-T"), {"role": "lead", "source": "x"}),
        Rel("BENEFICIARY_OF", ("Organisation", "T-1"), ("Project", "P-T"), {"role": None, "source": "y"}),
        Rel("BENEFICIARY_OF", ("Organisation", "T-2"), ("Project", "P-T"), {}),
    ]


RECORDS = [*iter_records(scale=300, seed=3), *edge_records()]


def _free_port() -> int:
    for port in range(7690, 7700):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail("no free port in 7690-7699 for a second Neo4j test server")


def _env(tmp: Path, port: int) -> dict[str, str]:
    return {**os.environ, "NEO4J_ADMIN_HOME": str(tmp / "home"), "NEO4J_HOME_DIR": str(tmp / "run"),
            "NEO4J_PORT": str(port), "NEO4J_DATA_DIR": str(tmp / "home" / "data")}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """A Neo4jStore on a second test server started on the store the importer built from RECORDS."""
    tmp = tmp_path_factory.mktemp("bulk")
    port = _free_port()
    env = _env(tmp, port)
    # Same order as the transactional load: where duplicates disagree, ';'-joined sources keep load order.
    files = write_import_files(RECORDS, tmp / "files")
    run_import(files, ADMIN, data_dir=tmp / "home" / "data", env=env, options=OPTIONS)
    subprocess.run(["bash", str(SCRIPT), "start"], env=env, check=True)
    driver = connect(f"bolt://127.0.0.1:{port}")
    try:
        store = Neo4jStore(driver)
        store.ensure_schema()
        yield store, tmp, env, files
    finally:
        driver.close()
        subprocess.run(["bash", str(SCRIPT), "stop"], env=env, check=False)


def _graph(store: Neo4jStore) -> tuple[list, list]:
    """Every node (labels, properties) and relationship (type, endpoint keys, properties), sorted."""
    nodes = sorted(
        (sorted(r["l"]), sorted(r["p"].items(), key=repr))
        for r in store.query("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    )

    def key(label: str, props: dict) -> tuple[str, str]:
        return label, props[NODE_TYPES[label].key]

    rels = sorted(
        (r["t"], key(r["la"], r["pa"]), key(r["lb"], r["pb"]), sorted(r["p"].items(), key=repr))
        for r in store.query(
            "MATCH (a)-[e]->(b) RETURN type(e) AS t, labels(a)[0] AS la, properties(a) AS pa, "
            "labels(b)[0] AS lb, properties(b) AS pb, properties(e) AS p"
        )
    )
    return nodes, rels


def test_bulk_import_builds_the_same_graph_as_a_transactional_load(imported, neo4j_store):
    bulk, _, _, files = imported
    neo4j_store.load(RECORDS)
    assert bulk.counts() == neo4j_store.counts()
    b_nodes, b_rels = _graph(bulk)
    t_nodes, t_rels = _graph(neo4j_store)
    assert len(b_nodes) == len(t_nodes) and len(b_rels) == len(t_rels)
    assert b_nodes == t_nodes
    assert b_rels == t_rels
    # independent oracle: distinct identities in the records, counted straight from them
    node_ids = {(r.label, r.key) for r in RECORDS if isinstance(r, Node)}
    assert files.node_count == len(node_ids) + 1  # + the Meta node with the schema version
    t1 = bulk.query("MATCH (o:Organisation {org_id: 'T-1'}) RETURN o.aliases AS a, o.name AS n, o.source AS s")[0]
    assert t1 == {"a": ["a;b", "c,d", "é ü"], "n": 'He said "hi", then\nleft', "s": "x;y"}


def test_an_existing_database_is_refused_with_the_transactional_command(imported, tmp_path):
    _, tmp, env, _ = imported
    files = write_import_files(edge_records(), tmp_path / "again")
    with pytest.raises(StoreError, match="already exists.*transactionally"):
        run_import(files, ADMIN, data_dir=tmp / "home" / "data", env=env, options=OPTIONS)


def test_a_rejected_import_names_file_and_line_and_leaves_no_store(tmp_path):
    files = write_import_files(edge_records(), tmp_path / "files")
    path = next(p for label, p in files.nodes if label == "Project")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("total_budget:double")
    rows[1][col] = "not a number"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)
    env = _env(tmp_path, 7699)
    data = tmp_path / "home" / "data"
    with pytest.raises(StoreError, match=r"rejected nodes_Project\.csv line \d+ \(in field total_budget:double.*not a number") as err:
        run_import(files, ADMIN, data_dir=data, env=env, options=OPTIONS)
    assert "Nothing was imported" in str(err.value)
    assert not (data / "databases" / "neo4j").exists() and not (data / "transactions" / "neo4j").exists()


def test_relationship_without_its_endpoint_is_refused_before_any_file(tmp_path):
    records = [Node("Organisation", {"org_id": "A"}), Rel("BENEFICIARY_OF", ("Organisation", "A"), ("Project", "NOPE"))]
    with pytest.raises(StoreError, match="Project 'NOPE' does not exist"):
        write_import_files(records, tmp_path / "files")
    assert not list((tmp_path / "files").glob("rels_*.csv"))


def test_files_are_the_same_whatever_the_order_or_repeats(tmp_path):
    """Invariant: shuffled and doubled records give the same rows (sets of CSV lines) per file."""
    def rows(directory: Path, records: list) -> dict[str, set[tuple[str, ...]]]:
        write_import_files(records, directory)
        out = {}
        for p in directory.glob("*.csv"):
            with p.open(encoding="utf-8", newline="") as f:
                out[p.name] = {tuple(r) for r in csv.reader(f)}
        return out

    base = [r for r in RECORDS if not (isinstance(r, Node) and r.label == "Organisation" and r.key == "T-1")]
    base = [r for r in base if not (isinstance(r, Rel) and r.src == ("Organisation", "T-1"))]
    twice = base * 2
    random.Random(9).shuffle(twice)
    assert rows(tmp_path / "a", base) == rows(tmp_path / "b", twice)


def test_cli_refuses_a_database_that_is_not_empty(neo4j_store, tmp_path):
    from click.testing import CliRunner

    from graph.cli import cli

    neo4j_store.load(edge_records())
    result = CliRunner().invoke(
        cli, ["--neo4j-uri", os.environ["NEO4J_TEST_URI"], "neo4j-import", str(tmp_path / "f"), "--synthetic", "50"]
    )
    assert result.exit_code == 1
    distinct = len({(r.label, r.key) for r in edge_records() if isinstance(r, Node)})
    assert f"is not empty ({distinct} nodes)" in result.output and "load into it transactionally" in result.output
    assert not (tmp_path / "f").exists()  # refused before any file is written


def test_cli_imports_with_the_given_neo4j_admin(tmp_path):
    from click.testing import CliRunner

    from graph.cli import cli

    env = {"NEO4J_ADMIN_HOME": str(tmp_path / "home"), "NEO4J_HOME_DIR": str(tmp_path / "run")}
    args = ["neo4j-import", str(tmp_path / "f"), "--synthetic", "50", "--neo4j-admin", f"bash {SCRIPT} admin",
            "--data-dir", str(tmp_path / "home" / "data")]
    result = CliRunner(env=env).invoke(cli, args)
    assert result.exit_code == 0, result.output
    orgs = sum(1 for r in iter_records(scale=50, seed=1) if isinstance(r, Node) and r.label == "Organisation")
    with (tmp_path / "f" / "nodes_Organisation.csv").open(encoding="utf-8", newline="") as f:
        assert sum(1 for _ in csv.reader(f)) == orgs + 1  # header + one line per organisation
    assert (tmp_path / "home" / "data" / "databases" / "neo4j").is_dir()
    again = CliRunner(env=env).invoke(cli, ["neo4j-import", str(tmp_path / "g"), *args[2:]])
    assert again.exit_code == 1 and "already exists" in again.output and "transactionally" in again.output
