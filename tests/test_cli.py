"""The stakenet command line through click's CliRunner, on real embedded databases."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph import __version__
from graph.cli import cli
from graph.store.embedded import EmbeddedStore, open_database

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _env(tmp_path: Path) -> dict[str, str]:
    # A clean environment: no Neo4j selection leaks in from the developer's shell.
    return {"STAKENET_DB": str(tmp_path / "cli.db"), "NEO4J_URI": "", "NEO4J_PASSWORD": ""}


def test_version_and_help(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--version"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert __version__ in result.output
    result = runner.invoke(cli, ["--help"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    for envvar in ("STAKENET_DB", "NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD"):
        assert envvar in result.output
    for command in ("demo", "load", "harvest", "analyze", "report", "view", "query"):
        assert re.search(rf"^\s+{command}\b", result.output, re.M), f"{command} missing from --help"


def test_every_command_help_ends_with_an_example(runner: CliRunner, tmp_path: Path) -> None:
    commands = [[c] for c in cli.commands]
    view = cli.commands.get("view")
    if view is not None and hasattr(view, "commands"):
        commands += [["view", c] for c in view.commands]  # type: ignore[attr-defined]
    for args in commands:
        result = runner.invoke(cli, [*args, "--help"], env=_env(tmp_path))
        assert result.exit_code == 0, (args, result.output)
        assert "Example" in result.output, f"stakenet {' '.join(args)} --help has no Example block"


def test_demo_writes_report_and_view(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(cli, ["demo", "--out", str(out), "--scale", "300", "--seed", "3"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    for name in ("report.md", "report.html", "report.json", "network.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert re.search("synthetic", text, re.I), f"{name} does not say the data are synthetic"
    assert "SYNTHETIC" in result.output
    page = (out / "network.html").read_text(encoding="utf-8")
    assert not re.search(r"""<(script|link)[^>]+(src|href)=["']https?://""", page), "network.html loads from a CDN"
    assert not any(p.name.startswith(".demo-") for p in out.iterdir()), "staging folder left behind"
    # The demo used its own database, not STAKENET_DB.
    assert (out / "demo.db").exists() and not (tmp_path / "cli.db").exists()
    store = EmbeddedStore(open_database(out / "demo.db"))
    assert store.counts().nodes["Organisation"] == 300
    ranked = store.query("MATCH (o:Organisation) WHERE o.pagerank IS NOT NULL RETURN count(*) AS n")
    assert ranked[0]["n"] > 0


def test_demo_twice_gives_the_same_graph(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    counts = []
    for _ in range(2):
        result = runner.invoke(cli, ["demo", "--out", str(out), "--scale", "200"], env=_env(tmp_path))
        assert result.exit_code == 0, result.output
        store = EmbeddedStore(open_database(out / "demo.db"))
        counts.append(store.counts())
        store.conn.close()
    assert counts[0] == counts[1]


@pytest.mark.parametrize("scale", ["0", "-5"])
def test_demo_bad_scale(runner: CliRunner, tmp_path: Path, scale: str) -> None:
    result = runner.invoke(cli, ["demo", "--out", str(tmp_path / "o"), "--scale", scale], env=_env(tmp_path))
    assert result.exit_code == 2
    assert "Invalid value for '--scale'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_demo_unwritable_out(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    result = runner.invoke(cli, ["demo", "--out", str(blocker / "out")], env=_env(tmp_path))
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot write to --out")
    assert "Traceback" not in result.output


def test_db_that_is_a_directory(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--db", str(tmp_path), "analyze"], env=_env(tmp_path))
    assert result.exit_code == 1
    assert "is a directory" in result.output and "Traceback" not in result.output


def test_db_that_is_another_file(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "data.json"
    f.write_text('{"a": 1}', encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(f), "analyze"], env=_env(tmp_path))
    assert result.exit_code == 1
    assert "not a stakenet database" in result.output
    assert f.read_text(encoding="utf-8") == '{"a": 1}'


def test_db_of_another_schema_version(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = EmbeddedStore(open_database(path))
    store.ensure_schema()
    store.conn.execute("MATCH (m:Meta) SET m.value = '999'")
    store.conn.close()
    result = runner.invoke(cli, ["--db", str(path), "analyze"], env=_env(tmp_path))
    assert result.exit_code == 1
    assert "schema version 999" in result.output and "new --db" in result.output


def test_library_never_imports_viz() -> None:
    offenders = []
    for path in sorted((ROOT / "graph").rglob("*.py")):
        if path.parent.name == "cli" and path.parent.parent.name == "graph":
            continue  # the application edge (graph/cli/) may render views
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "viz" or n.startswith("viz.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_analyze_takes_a_betweenness_method(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(cli, ["demo", "--out", str(out), "--scale", "200"], env=_env(tmp_path)).exit_code == 0
    db = ["--db", str(out / "demo.db")]
    result = runner.invoke(cli, [*db, "analyze", "--betweenness", "kadabra", "--no-indicators"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "betweenness: exact" in result.output  # 5,000 nodes or fewer: exact whatever the method
    bad = runner.invoke(cli, [*db, "analyze", "--betweenness", "guess"], env=_env(tmp_path))
    assert bad.exit_code == 2 and "'sampled', 'kadabra'" in bad.output
