"""Network projections and metrics: known answers on small hand-built graphs and stores."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from graph.analysis.analyze import analyze
from graph.analysis.betweenness import betweenness, betweenness_centrality
from graph.analysis.community import louvain, modularity
from graph.analysis.core import core_number, strength
from graph.analysis.eigenvector import eigenvector
from graph.analysis.pagerank import pagerank
from graph.analysis.projections import NETWORKS, build_network, buyers_projection
from graph.analysis.tables import Awards
from graph.errors import AnalysisError
from graph.records import Node, Rel


def org(org_id: str, **props) -> Node:
    return Node("Organisation", {"org_id": org_id, "name": org_id.title(), **props})


def project(pid: str, budget: float | None) -> Node:
    return Node("Project", {"project_id": pid, "eu_budget": budget, "currency": "SEK"})


def ben(o: str, p: str) -> Rel:
    return Rel("BENEFICIARY_OF", ("Organisation", o), ("Project", p))


def proc(pid: str, value: float | None, **flags) -> Node:
    return Node("Procurement", {"procurement_id": pid, "value": value, "currency": "SEK", **flags})


def buys(b: str, p: str) -> Rel:
    return Rel("BUYER_OF", ("Organisation", b), ("Procurement", p))


def award(p: str, s: str, lot: str = "1", value: float | None = None) -> Rel:
    return Rel("AWARDED_TO", ("Procurement", p), ("Organisation", s), {"lot_id": lot, "value": value})


def small_world() -> list:
    """A hand-made world: 3 projects, 3 procurements, 2 buyers, 3 suppliers.

    Collaboration: a-b share p1 (300) and p2 (100); a-c and b-c share p1; d is alone on p3.
    Market: x buys q1 (900 over 3 awards: s1 lot 1, s1 lot 2, s2 lot 1) and q2 (no value, one
    award to s2); y buys q3 (award to s2 with its own value 50); a (also a beneficiary) buys q3 too.
    """
    recs = [org(o) for o in ("a", "b", "c", "d", "x", "y", "s1", "s2")]
    recs += [project("p1", 300.0), project("p2", 100.0), project("p3", 50.0)]
    recs += [ben("a", "p1"), ben("b", "p1"), ben("c", "p1"), ben("a", "p2"), ben("b", "p2"), ben("d", "p3")]
    recs += [proc("q1", 900.0), proc("q2", None), proc("q3", 10.0)]
    recs += [buys("x", "q1"), buys("x", "q2"), buys("y", "q3"), buys("a", "q3")]
    recs += [award("q1", "s1", "1"), award("q1", "s1", "2"), award("q1", "s2", "1"), award("q2", "s2"), award("q3", "s2", value=50.0)]
    return recs


@pytest.fixture
def world(embedded_store):
    embedded_store.load(small_world())
    return embedded_store


def test_collaboration_weights_by_hand(world):
    G = build_network(world, "collaboration")
    assert sorted(G.nodes) == ["a", "b", "c", "d"]
    assert G["a"]["b"] == {"weight": 2.0, "projects": 2.0, "money": 400.0}
    assert G["a"]["c"] == {"weight": 1.0, "projects": 1.0, "money": 300.0}
    assert G["b"]["c"]["money"] == 300.0
    assert G.degree("d") == 0
    assert G.graph["currencies"] == ["SEK"]


def test_market_awards_and_split_values_by_hand(world):
    G = build_network(world, "market")
    assert G.is_directed()
    # q1's 900 split over its 3 awards: s1 gets 2 x 300, s2 gets 300; q2 has no value
    assert G["x"]["s1"] == {"weight": 2.0, "awards": 2.0, "value": 600.0, "value_known": 2.0}
    assert G["x"]["s2"] == {"weight": 2.0, "awards": 2.0, "value": 300.0, "value_known": 1.0}
    # q3's award carries its own value (50), which wins over the procurement value
    assert G["y"]["s2"]["value"] == 50.0
    assert G["a"]["s2"]["value"] == 50.0


def test_buyers_and_stakeholder_by_hand(world):
    B = build_network(world, "buyers")
    assert sorted(B.edges(data="suppliers")) == [("a", "x", 1.0), ("a", "y", 1.0), ("x", "y", 1.0)]
    assert B.graph["min_shared"] == 1
    S = build_network(world, "stakeholder")
    assert not S.is_directed()
    assert S["a"]["b"]["weight"] == 2.0 and S["a"]["s2"]["weight"] == 1.0
    assert S["a"]["s2"]["projects"] == 0.0 and S["a"]["s2"]["awards"] == 1.0
    assert sorted(S) == ["a", "b", "c", "d", "s1", "s2", "x", "y"]


def test_buyers_threshold_keeps_the_network_sparse(world):
    aw = Awards.read(world)
    proj = buyers_projection(aw, max_edges=0)
    assert proj.graph_attrs["min_shared"] == 2  # every pair shares exactly 1 supplier
    assert proj.matrices["weight"].nnz == 0


@pytest.mark.parametrize("max_edges", [10**9, 300, 40])
def test_buyers_projection_equals_a_dense_computation(max_edges):
    import numpy as np

    rng = np.random.default_rng(4)
    buyers = [f"b{i:03d}" for i in rng.integers(0, 60, 900)]
    suppliers = [f"s{int(i):03d}" for i in rng.zipf(1.6, 900) % 200]
    aw = Awards(buyers, ["p"] * 900, suppliers, np.full(900, np.nan), [None] * 900)
    proj = buyers_projection(aw, max_edges=max_edges, block=7)
    names = sorted(set(buyers))
    B = np.zeros((len(names), 200))
    for b, s in zip(buyers, suppliers):
        B[names.index(b), int(s[1:])] = 1
    shared = np.triu(B @ B.T, k=1)
    t = proj.graph_attrs["min_shared"]
    assert (shared >= t).sum() <= max_edges and (t == 1 or (shared >= t - 1).sum() > max_edges)
    assert np.array_equal(proj.matrices["weight"].toarray(), np.where(shared >= t, shared, 0))


def test_pagerank_known_answer():
    # path a-b-c, hand-solved: x_a = 0.05 + 0.425 x_b, x_b = 0.05 + 1.7 x_a
    G = nx.Graph([("a", "b"), ("b", "c")])
    pr = pagerank(G)
    a = 0.07125 / 0.2775
    assert pr == pytest.approx({"a": a, "b": 0.05 + 1.7 * a, "c": a}, abs=1e-9)


def test_pagerank_weighted_matches_networkx():
    G = nx.Graph()
    G.add_weighted_edges_from([(0, 1, 3.0), (1, 2, 1.0), (2, 0, 0.5), (3, 4, 2.0)])
    G.add_node(5)
    assert pagerank(G) == pytest.approx(nx.pagerank(G, tol=1e-12, max_iter=10_000), abs=1e-9)


def test_betweenness_exact_known_answer():
    # path 0-1-2-3: node 1 lies on (0,2) and (0,3) -> 2 of 3 pairs not involving it
    b = betweenness(nx.path_graph(4))
    assert b.exact and b.values == pytest.approx({0: 0.0, 1: 2 / 3, 2: 2 / 3, 3: 0.0})
    assert betweenness_centrality(nx.star_graph(4))[0] == pytest.approx(1.0)


@pytest.mark.parametrize("directed", [False, True])
def test_betweenness_equals_networkx_exact_and_sampled(directed):
    G = nx.gnm_random_graph(120, 300, seed=7, directed=directed)
    assert betweenness_centrality(G) == pytest.approx(nx.betweenness_centrality(G), abs=1e-12)
    sampled = betweenness(G, k=30, seed=5, exact_max=10)
    assert not sampled.exact and sampled.sources == 30
    assert sampled.values == pytest.approx(nx.betweenness_centrality(G, k=30, seed=5), abs=1e-12)
    assert all(e >= 0 and math.isfinite(e) for e in sampled.stderr.values())
    assert "sampled 30 of 120 sources" in sampled.describe()


def test_sampled_betweenness_error_is_honest():
    # over several seeds, most estimates of the top nodes lie within 2 standard errors of the
    # exact value (a normal estimator: ~95%; skewed hub dependencies: allow 80%), none beyond 6
    G = nx.barabasi_albert_graph(400, 3, seed=1)
    exact = nx.betweenness_centrality(G)
    top = sorted(exact, key=exact.get, reverse=True)[:10]
    z = []
    for seed in range(6):
        est = betweenness(G, k=100, seed=seed, exact_max=10)
        z += [abs(est.values[v] - exact[v]) / est.stderr[v] for v in top]
    assert sum(x <= 2 for x in z) >= 0.8 * len(z)
    assert max(z) < 6


def test_eigenvector_known_answer_and_disconnected():
    assert eigenvector(nx.path_graph(3)) == pytest.approx({0: 0.5, 1: 2**-0.5, 2: 0.5}, abs=1e-5)
    G = nx.Graph([(0, 1), (1, 2), (2, 0), (3, 4)])
    e = eigenvector(G, weight=None)
    assert e == pytest.approx(nx.eigenvector_centrality(G, max_iter=1000), abs=1e-9)
    assert all(math.isfinite(v) for v in e.values())


def test_eigenvector_no_convergence_falls_back_or_is_a_clear_error():
    with pytest.raises(AnalysisError, match="did not converge in 2 iterations"):
        eigenvector(nx.path_graph(30), max_iter=2, fallback=False)
    for G in (nx.path_graph(30), nx.complete_bipartite_graph(300, 400)):
        assert eigenvector(G, max_iter=2) == pytest.approx(nx.eigenvector_centrality_numpy(G), abs=1e-6)


def test_core_number_and_modularity_known_answers():
    G = nx.Graph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (3, 5), (2, 3)])
    assert core_number(G) == {0: 2, 1: 2, 2: 2, 3: 2, 4: 2, 5: 2}
    parts = louvain(G, seed=1)
    assert parts == [{0, 1, 2}, {3, 4, 5}]
    # m = 7; each side: 3 internal edges, degree sum 7 -> Q = 2 (3/7 - (7/14)^2)
    assert modularity(G, parts) == pytest.approx(2 * (3 / 7 - 0.25))
    assert modularity(G, parts) == pytest.approx(nx.community.modularity(G, parts))


@pytest.mark.parametrize("seed", [1, 2])
def test_core_number_equals_networkx(seed):
    G = nx.powerlaw_cluster_graph(500, 4, 0.3, seed=seed)
    G.add_edge(3, 3)  # self-loops are ignored, as networkx requires them removed
    H = G.copy()
    H.remove_edges_from(nx.selfloop_edges(H))
    assert core_number(G) == nx.core_number(H)


def test_parallel_louvain_finds_planted_communities():
    G = nx.planted_partition_graph(8, 40, 0.4, 0.005, seed=3)
    fast = louvain(G, weight=None, seed=2, fast_min_edges=0)
    slow = louvain(G, weight=None, seed=2)
    q_fast, q_slow = modularity(G, fast, weight=None), modularity(G, slow, weight=None)
    assert q_fast == pytest.approx(nx.community.modularity(G, fast))
    assert q_fast > 0.95 * q_slow
    assert louvain(G, weight=None, seed=2, fast_min_edges=0) == fast  # seeded: same answer


def test_zero_weights_and_empty_graphs_give_no_nan():
    G = nx.Graph()
    G.add_weighted_edges_from([(0, 1, 0.0), (1, 2, 0.0)])
    assert pagerank(G) == pytest.approx({0: 1 / 3, 1: 1 / 3, 2: 1 / 3})
    assert louvain(G) == [{0}, {1}, {2}]
    assert modularity(G, [{0}, {1}, {2}]) == 0.0
    assert strength(G) == {0: 0.0, 1: 0.0, 2: 0.0}
    E = nx.Graph()
    assert pagerank(E) == {} and eigenvector(E) == {} and core_number(E) == {} and louvain(E) == []
    assert betweenness(E).values == {}


def test_negative_weight_is_refused():
    G = nx.Graph()
    G.add_edge(0, 1, weight=-1.0)
    with pytest.raises(AnalysisError, match="non-negative"):
        pagerank(G)


def test_analyze_writes_metrics_back(world):
    res = analyze(world, ("all",), seed=7)
    assert set(res.networks) == set(NETWORKS)
    st = res.network("stakeholder")
    assert st.nodes == 8 and st.components == 2  # {a,b,c,x,y,s1,s2} and {d}
    assert res.written_network == "stakeholder" and res.written == 8
    rows = {r["o.org_id"]: r for r in world.query(
        "MATCH (o:Organisation) RETURN o.org_id, o.pagerank, o.community, o.degree, o.core, o.metrics_network")}
    for o, r in rows.items():
        assert r["o.pagerank"] == pytest.approx(st.metrics["pagerank"][o])
        assert r["o.degree"] == st.metrics["degree"][o]
        assert r["o.metrics_network"] == "stakeholder"
    assert rows["d"]["o.degree"] == 0 and rows["d"]["o.core"] == 0
    for r in res.networks.values():
        for name, values in r.metrics.items():
            # eigenvector: only the largest component has values (issue 13); every other metric: all nodes
            assert all(v is not None and math.isfinite(v) for v in values.values() if name != "eigenvector" or v is not None)
    assert st.metrics["eigenvector"]["d"] is None and all(st.metrics["eigenvector"][v] is not None for v in "abcxy")
    assert any("largest connected component (7 of 8 nodes)" in n for n in st.notes)
    assert "stakeholder: 8 nodes" in res.summary()


def test_analyze_is_deterministic(world):
    one = analyze(world, ("stakeholder", "buyers"), seed=3, write=False)
    assert analyze(world, "buyers", write=False).networks.keys() == {"buyers"}
    two = analyze(world, ("buyers", "stakeholder"), seed=3, write=False)
    for name in ("stakeholder", "buyers"):
        assert one.network(name).metrics == two.network(name).metrics
        assert one.network(name).communities == two.network(name).communities


def test_analyze_empty_store(embedded_store):
    with pytest.raises(AnalysisError, match="nothing to analyse"):
        analyze(embedded_store, ("all",))


def test_analyze_bad_input(world):
    with pytest.raises(AnalysisError, match="unknown network roads; choose from collaboration"):
        analyze(world, ("roads",))
    res = analyze(world, ("market",), write=False)
    with pytest.raises(AnalysisError, match="the collaboration network was not analysed"):
        res.network("collaboration")
    with pytest.raises(AnalysisError, match="'closeness' was not computed for the market network"):
        res.network("market").metric("closeness")


def test_analyze_skips_an_empty_network_with_a_note(embedded_store):
    embedded_store.load([org("x"), org("s"), proc("q", 1.0), buys("x", "q"), award("q", "s")])
    res = analyze(embedded_store, ("collaboration", "market"))
    assert "empty network" in res.network("collaboration").notes[0]
    assert res.network("collaboration").metrics == {}
    assert res.written_network == "market"
    with pytest.raises(AnalysisError, match="load EU projects first"):
        res.network("collaboration").metric("pagerank")


def test_progress_messages(world):
    seen: list[str] = []
    analyze(world, ("collaboration",), progress=seen.append, write=False)
    assert any("collaboration: pagerank done" in m for m in seen)


def test_cli_analyze(tmp_path):
    from click.testing import CliRunner

    from graph.cli import cli
    from graph.store.embedded import EmbeddedStore, open_database

    db = tmp_path / "cli.db"
    conn = open_database(db)
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load(small_world())
    conn.close()
    result = CliRunner().invoke(cli, ["--db", str(db), "analyze", "--network", "all", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "stakeholder: 8 nodes, 7 edges, 2 components (largest 7), total weight 10" in result.output
    assert "top PageRank: S2 " in result.output  # names, not ids
    assert "wrote metrics of the stakeholder network to 8 organisations" in result.output
    assert "bridging organisations (EU beneficiary and procurement party): 1" in result.output
    assert "market: reading the projection" in result.stderr
    # analyze does not create a database (issue 14): make an empty one for it.
    conn = open_database(tmp_path / "empty.db")
    EmbeddedStore(conn).ensure_schema()
    conn.close()
    empty = CliRunner().invoke(cli, ["--db", str(tmp_path / "empty.db"), "analyze"])
    assert empty.exit_code == 1
    assert "Error: nothing to analyse: stakeholder is empty" in empty.output


def test_rankings_are_suppressed_without_edges_or_when_all_tie(world):
    res = analyze(world, ("collaboration", "stakeholder"), seed=7, write=False)
    collab = res.network("collaboration")
    assert collab.no_ranking("pagerank") is None  # a-b-c share projects
    from graph.analysis.analyze import NetworkResult

    edgeless = NetworkResult("collaboration", 3, 0, 0.0, 3, 1, metrics={"pagerank": {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}})
    assert "no edges" in (edgeless.no_ranking("pagerank") or "")
    tied = NetworkResult("x", 2, 1, 1.0, 1, 2, metrics={"pagerank": {"a": 0.5, "b": 0.5}})
    assert "tie" in (tied.no_ranking("pagerank") or "")


def test_sampled_betweenness_is_shown_with_its_error_and_rank_bands(world):
    from graph.analysis.betweenness import rank_bands

    assert rank_bands({"a": 3.0, "b": 2.0}, {"a": 0.0, "b": 0.0}) == {"a": (1, 1), "b": (2, 2)}
    # 10 estimates one apart, each +- 2 (z=2 x stderr 1): the top one may rank 1st to 5th
    bands = rank_bands({i: float(i) for i in range(10)}, dict.fromkeys(range(10), 1.0))
    assert bands[9] == (1, 5) and bands[0] == (6, 10)
    res = analyze(world, ("stakeholder",), seed=7, write=False, exact_max=2, betweenness_k=4)
    st = res.network("stakeholder")
    assert any("estimate from 4 sampled sources" in n for n in st.notes)
    line = next(x for x in res.summary().splitlines() if "top brokers (betweenness)" in x)
    assert "±" in line and "rank " in line


def test_kadabra_is_within_its_guarantee_of_exact_betweenness_and_repeatable():
    """KADABRA (NetworKit) against networkx's exact betweenness, an independent computation."""
    import networkit as nk
    import numpy as np
    import scipy.sparse as sp

    from graph.analysis.betweenness import kadabra_arrays

    G = nx.connected_watts_strogatz_graph(1_500, 6, 0.1, seed=3)
    exact = nx.betweenness_centrality(G)  # normalised, hops
    A = sp.csr_array(nx.to_scipy_sparse_array(G, nodelist=range(1_500), format="csr"))
    threads = nk.getMaxNumberOfThreads()
    values, halfwidth, samples = kadabra_arrays(A, eps=0.005, seed=11)
    assert nk.getMaxNumberOfThreads() == threads  # the one-thread run restores NetworKit's setting
    truth = np.array([exact[i] for i in range(1_500)])
    assert samples > 0 and 0.0024 < halfwidth < 0.0026  # eps on KADABRA's scale, about half of it on networkx's
    assert float(np.abs(values - truth).max()) <= halfwidth  # the guarantee (probability >= 0.9), seeded
    top_exact = set(np.argsort(-truth)[:5].tolist())
    assert len(top_exact & set(np.argsort(-values)[:10].tolist())) >= 4  # the brokers are found
    again, _, _ = kadabra_arrays(A, eps=0.005, seed=11)
    assert np.array_equal(values, again)  # one thread, seeded: the same values every run


def test_kadabra_betweenness_in_analyze_states_its_guarantee(world):
    res = analyze(world, ("stakeholder",), seed=7, write=False, exact_max=2, betweenness_method="kadabra")
    st = res.network("stakeholder")
    assert st.betweenness_method.startswith("KADABRA (NetworKit; eps 0.005, delta 0.1)")
    assert any("KADABRA estimate (seed 7)" in n for n in st.notes)
    assert len(set(st.stderr.values())) == 1 and next(iter(st.stderr.values())) > 0  # one uniform bound
    line = next(x for x in res.summary().splitlines() if "top brokers (betweenness)" in x)
    assert "±" in line and "rank " in line
    with pytest.raises(AnalysisError, match="unknown betweenness method 'exactish'"):
        analyze(world, ("stakeholder",), write=False, betweenness_method="exactish")


def test_auto_betweenness_takes_kadabra_from_its_threshold(world):
    from graph.analysis.analyze import analyze_projection
    from graph.analysis.projections import _Reader

    proj = _Reader(world).projection("stakeholder")
    small = analyze_projection(proj, seed=7, exact_max=2, betweenness_k=4)  # auto, below 50,000 nodes
    assert small.betweenness_method.startswith("sampled 4 of ")
    big = analyze_projection(proj, seed=7, exact_max=2, kadabra_min=proj.n)  # auto, at the threshold
    assert big.betweenness_method.startswith("KADABRA")
