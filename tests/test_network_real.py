"""Cross-checks on the real Swedish data (../shared/data): igraph, an independent modularity, the CSV.

The data are loaded once per module into the real embedded store (and, for the parity test, into
the real Neo4j test server) with the project's loaders.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from pathlib import Path

import igraph as ig
import pytest

from graph import indicators as I
from graph.analysis.analyze import METRICS, analyze
from graph.analysis.projections import NETWORKS, build_network
from graph.ingest.load import load_files
from graph.store.embedded import EmbeddedStore, open_database

pytestmark = pytest.mark.slow

AWARDS = "se_procurement_2021_awards.csv"
VALUES = "se_procurement_2021_contracted_value.csv"
PROJECTS = "se_erdf_2014_2020_projektbanken_2016.json"
NUTS = "nuts2013.csv"
GAVLEBORG_NUMBER = "2321000198"
GAVLEBORG = "SE-ON:" + GAVLEBORG_NUMBER
SME = {"Mikroföretag", "Små företag", "Medelstora företag"}


def load_real(store, data: Path) -> None:
    load_files(store, "nuts", [data / NUTS])
    load_files(store, "upphandling", [data / AWARDS], value_file=data / VALUES)
    load_files(store, "projektbanken", [data / PROJECTS])


@pytest.fixture(scope="module")
def real(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    conn = open_database(tmp_path_factory.mktemp("real-network") / "real.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    load_real(store, shared_data)
    result = analyze(store, ("all",), seed=11)
    yield store, result
    conn.close()


def _igraph(G) -> tuple[ig.Graph, list]:
    nodes = list(G)
    index = {v: i for i, v in enumerate(nodes)}
    H = G.to_undirected() if G.is_directed() else G
    edges = [(index[u], index[v]) for u, v in H.edges()]
    g = ig.Graph(n=len(nodes), edges=edges, directed=False)
    g.es["weight"] = [float(w) for _, _, w in H.edges(data="weight")]
    return g, nodes


@pytest.mark.parametrize("name", ["stakeholder", "collaboration", "market", "buyers"])
def test_pagerank_equals_igraph(real, name):
    store, result = real
    G = build_network(store, name)
    g, nodes = _igraph(G)
    theirs = g.pagerank(weights="weight", damping=0.85, directed=False)
    ours = result.network(name).metrics["pagerank"]
    assert len(ours) == len(nodes) > 100
    assert max(abs(ours[v] - theirs[i]) for i, v in enumerate(nodes)) < 1e-6


@pytest.mark.parametrize("name", ["stakeholder", "market", "buyers"])
def test_modularity_equals_igraph_for_the_partition(real, name):
    store, result = real
    r = result.network(name)
    G = build_network(store, name)
    g, nodes = _igraph(G)
    membership = [r.metrics["community"][v] for v in nodes]
    assert r.modularity == pytest.approx(g.modularity(membership, weights="weight"), abs=1e-10)
    assert r.modularity > 0.05  # a real community structure, not a trivial partition
    assert len(r.communities) == len(set(membership))


def test_collaboration_is_edgeless_in_projektbanken(real):
    # Projektbanken names one beneficiary (stödmottagare) per project: no shared projects, so every
    # beneficiary is an isolate, modularity 0 and PageRank uniform, with no NaN.
    _, result = real
    r = result.network("collaboration")
    assert r.nodes > 100 and r.edges == 0 and r.components == r.nodes
    assert r.modularity == 0.0
    assert list(r.metrics["pagerank"].values()) == pytest.approx([1 / r.nodes] * r.nodes)


def test_betweenness_is_sampled_with_a_stated_error(real):
    _, result = real
    r = result.network("stakeholder")
    assert r.nodes > 5_000
    assert r.betweenness_method.startswith("sampled 256 of ")
    assert "relative standard error" in r.betweenness_method and "seed 11" in r.betweenness_method


def test_no_nan_anywhere(real):
    _, result = real
    for r in result.networks.values():
        assert set(r.metrics) == set(METRICS)
        for name, values in r.metrics.items():
            # eigenvector is left empty (None) outside the largest component (issue 13); never NaN
            assert all(v is not None and math.isfinite(v) for v in values.values() if name != "eigenvector" or v is not None)
        eig = [v for v in r.metrics["eigenvector"].values() if v is not None]
        assert len(eig) == r.largest_component


def test_metrics_written_to_region_gavleborg(real):
    store, result = real
    row = store.query(
        "MATCH (o:Organisation) WHERE o.org_id = $id RETURN o.pagerank AS pr, o.community AS c, o.metrics_network AS n",
        {"id": GAVLEBORG},
    )[0]
    st = result.network("stakeholder")
    assert row["pr"] == pytest.approx(st.metrics["pagerank"][GAVLEBORG]) and row["n"] == "stakeholder"
    assert row["c"] == st.metrics["community"][GAVLEBORG]


def _gavleborg_from_csv(data: Path) -> dict[str, float]:
    """HHI and SME shares of Region Gävleborg, straight from the two CSV files.

    One award per (Upphandlings-ID, lot, supplier) (a repeated row counts once); a supplier is
    its case-folded name; an award to a redacted person (Personuppgift) is left out of HHI and SME
    shares (docs/indicators.md), and pooled as one supplier for ``hhi_count_pooled``; a
    procurement's contracted value is split equally among its awards.
    """
    with (data / VALUES).open(encoding="utf-8", newline="") as fh:
        values: dict[str, float] = defaultdict(float)
        for row in csv.DictReader(fh):
            if row["Kontrakterat värde, Summa"]:
                values[row["Upphandlings-ID"]] += float(row["Kontrakterat värde, Summa"])
    awards: dict[tuple[str, str, str], str] = {}
    per_proc: Counter[str] = Counter()
    redacted = 0
    with (data / AWARDS).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            pid, lot, name = row["Upphandlings-ID"], row["Anbudsområdes-ID"], row["Namn för leverantör"]
            if "personuppgift" in name.casefold():
                redacted += 1
                supplier = f"person-{redacted}"
            else:
                supplier = " ".join(name.casefold().split())
            key = (pid, lot, supplier)
            if row["Organisationsnummer för köpare"] == GAVLEBORG_NUMBER and key not in awards:
                awards[key] = row["Företagsstorlek för leverantör"]
            if key not in per_proc:
                per_proc[key] = 1
    n_awards = Counter(pid for pid, _, _ in per_proc)
    count: Counter[str] = Counter()
    value: dict[str, float] = defaultdict(float)
    sme_n = sized_n = 0
    sme_v = sized_v = 0.0
    redacted_awards = 0
    for (pid, _, supplier), size in awards.items():
        if supplier.startswith("person-"):
            redacted_awards += 1
            continue
        count[supplier] += 1
        v = values[pid] / n_awards[pid] if pid in values else None
        if v is not None:
            value[supplier] += v
        if size:
            sized_n += 1
            sme_n += size in SME
            if v is not None:
                sized_v += v
                sme_v += v if size in SME else 0.0
    total_n, total_v = sum(count.values()), sum(value.values())
    pooled = [*count.values(), redacted_awards]
    return {
        "awards": total_n + redacted_awards,
        "redacted_awards": redacted_awards,
        "hhi_count_pooled": sum((c / sum(pooled)) ** 2 for c in pooled),
        "hhi_count": sum((c / total_n) ** 2 for c in count.values()),
        "hhi_value": sum((v / total_v) ** 2 for v in value.values()),
        "sme_share_count": sme_n / sized_n,
        "sme_share_value": sme_v / sized_v,
    }


def test_region_gavleborg_indicators_equal_the_csv(real, shared_data):
    store, result = real
    ind = I.compute_indicators(store, result.network("stakeholder"))
    ours = ind.buyer(GAVLEBORG)
    direct = _gavleborg_from_csv(shared_data)
    assert ours.awards == direct["awards"] > 100
    assert ours.redacted_awards == direct["redacted_awards"] > 0
    for f in ("hhi_count", "hhi_count_pooled", "hhi_value", "sme_share_count", "sme_share_value"):
        assert getattr(ours, f) == pytest.approx(direct[f], rel=1e-9), f
    assert ind.buyer_coverage["hhi_count"].with_data > 500
    assert any(b.org_id == GAVLEBORG for b in ind.bridges)  # a beneficiary and a buyer
    # buyers have no LOCATED_IN of their own: Region Gävleborg is placed by its projects' county
    gavle = next(c for c in ind.counties if c.key == "SE313")
    assert gavle.buyers >= 1 and gavle.awards >= ours.awards
    assert 0 < ind.buyers_located.with_data < ind.buyers_located.total


@pytest.mark.neo4j
def test_same_numbers_in_neo4j(real, shared_data, neo4j_store):
    _, embedded = real
    load_real(neo4j_store, shared_data)
    theirs = analyze(neo4j_store, ("all",), seed=11)
    for name in NETWORKS:
        a, b = embedded.network(name), theirs.network(name)
        assert (a.nodes, a.edges, a.total_weight) == (b.nodes, b.edges, b.total_weight)
        assert a.communities == b.communities and a.modularity == pytest.approx(b.modularity, abs=1e-12)
        for metric in METRICS:
            assert a.metrics[metric] == pytest.approx(b.metrics[metric], abs=1e-12), (name, metric)
    ind_a = I.compute_indicators(real[0]).buyer(GAVLEBORG)
    ind_b = I.compute_indicators(neo4j_store).buyer(GAVLEBORG)
    assert ind_a == ind_b
