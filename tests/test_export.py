"""`stakenet export`: projections and the whole graph read back by networkx and the csv module.

The synthetic graph (scale 300, seed 7) plus an organisation whose name holds markup, quotes,
right-to-left characters and emoji; what networkx reads back must have the projection's nodes and
edges (from graph.analysis.projections, the code the metrics use), the metrics as attributes, and
the name as it was.
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.analysis.projections import projection
from graph.cli import cli
from graph.records import Node, Rel
from graph.sources import synthetic
from graph.store.embedded import EmbeddedStore, open_database

ODD = '"Q\'s" <b>x</b> \u202eevil\u202c شركة 🐍 & Co'
METRICS = {"degree", "strength", "pagerank", "betweenness", "core", "community"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[int, int]], tuple[int, int]]:
    path = tmp_path_factory.mktemp("export") / "g.db"
    conn = open_database(path)
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load(synthetic.iter_records(scale=300, seed=7))
    buyer = next(iter(store.rows("MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement) RETURN p.procurement_id LIMIT 1", {})))[0]
    store.load([Node("Organisation", {"org_id": "NAME:test:odd", "name": ODD, "source": "test"}),
                Rel("AWARDED_TO", ("Procurement", buyer), ("Organisation", "NAME:test:odd"), {"source": "test", "lot_id": "odd"})])
    sizes = {}
    for name in ("market", "stakeholder"):
        G = projection(store, name).to_networkx()
        sizes[name] = (G.number_of_nodes(), G.number_of_edges())
    counts = store.counts()
    whole = (sum(v for k, v in counts.nodes.items() if k != "Meta"), int(counts.total_rels))
    conn.close()
    return path, sizes, whole


def _run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), "export", *args])
    return result.exit_code, result.output


def test_market_graphml_reads_back_with_the_projection_and_its_metrics(db, tmp_path: Path) -> None:
    path, sizes, _ = db
    out = tmp_path / "market.graphml"
    code, output = _run(path, "graphml", "--network", "market", "--out", str(out))
    assert code == 0, output
    G = nx.read_graphml(out)
    assert (G.number_of_nodes(), G.number_of_edges()) == sizes["market"]
    for _, attrs in G.nodes(data=True):
        assert METRICS <= set(attrs), attrs
        assert isinstance(attrs["pagerank"], float) and isinstance(attrs["community"], int)
    assert all(isinstance(a["weight"], float) for *_, a in G.edges(data=True))
    assert G.nodes["NAME:test:odd"]["label"] == ODD, "the name as it was, markup and all, as text"
    assert abs(sum(a["pagerank"] for _, a in G.nodes(data=True)) - 1.0) < 1e-6


def test_stakeholder_gexf_and_whole_graph(db, tmp_path: Path) -> None:
    path, sizes, whole = db
    code, output = _run(path, "gexf", "--network", "stakeholder", "--out", str(tmp_path / "s.gexf"))
    assert code == 0, output
    G = nx.read_gexf(tmp_path / "s.gexf")
    assert (G.number_of_nodes(), G.number_of_edges()) == sizes["stakeholder"]
    assert METRICS <= set(next(iter(G.nodes.values())))
    code, output = _run(path, "graphml", "--out", str(tmp_path / "all.graphml"))
    assert code == 0, output
    A = nx.read_graphml(tmp_path / "all.graphml")
    assert (A.number_of_nodes(), A.number_of_edges()) == whole
    assert A.nodes["Organisation:NAME:test:odd"]["name"] == ODD


def test_csv_is_a_folder_of_nodes_and_edges(db, tmp_path: Path) -> None:
    path, sizes, _ = db
    code, output = _run(path, "csv", "--network", "market", "--out", str(tmp_path / "m"))
    assert code == 0, output
    with (tmp_path / "m" / "nodes.csv").open(encoding="utf-8", newline="") as fh:
        nodes = list(csv.DictReader(fh))
    with (tmp_path / "m" / "edges.csv").open(encoding="utf-8", newline="") as fh:
        edges = list(csv.DictReader(fh))
    assert (len(nodes), len(edges)) == sizes["market"]
    assert {"id", "label", "pagerank", "community"} <= set(nodes[0])
    assert {r["id"] for r in nodes} >= {e["source"] for e in edges} | {e["target"] for e in edges}
    assert any(r["label"] == ODD for r in nodes)


def test_an_existing_target_is_kept_without_force(db, tmp_path: Path) -> None:
    path, sizes, _ = db
    out = tmp_path / "market.graphml"
    out.write_text("mine", encoding="utf-8")
    code, output = _run(path, "graphml", "--network", "market", "--out", str(out))
    assert code == 1 and "exists; pass --force" in output and len(output.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "mine"
    code, output = _run(path, "graphml", "--network", "market", "--out", str(out), "--force")
    assert code == 0 and nx.read_graphml(out).number_of_nodes() == sizes["market"][0]
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "edges.csv").write_text("mine", encoding="utf-8")
    code, output = _run(path, "csv", "--out", str(tmp_path / "c"))
    assert code == 1 and (tmp_path / "c" / "edges.csv").read_text(encoding="utf-8") == "mine"
    code, output = _run(path, "gexf", "--network", "nope")
    assert code == 2 and "nope" in output
