"""Every metric of each network projected from the store, and the write-back of one network's metrics.

``analyze`` computes every metric on the undirected, weighted form of each network (the market
network's buyer -> supplier direction is dropped), never builds a networkx graph for large
networks, and writes the stakeholder network's metrics back to the Organisation nodes.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from graph.analysis.betweenness import (
    KADABRA_DELTA,
    KADABRA_EPS,
    Betweenness,
    _betweenness_arrays,
    kadabra_arrays,
    rank_bands,
)
from graph.analysis.community import _louvain_csr, _modularity_csr
from graph.analysis.core import _core_csr, _strength_csr
from graph.analysis.eigenvector import eigenvector_largest_component
from graph.analysis.pagerank import _pagerank_csr
from graph.analysis.projections import NETWORKS, Projection, _Reader
from graph.analysis.sparse import _check_weights
from graph.analysis.tables import NAMES_CYPHER, _all_organisations
from graph.errors import AnalysisError

BETWEENNESS_METHODS = ("auto", "sampled", "kadabra")
# From this many nodes ``auto`` betweenness is KADABRA: measured faster than the sampled estimator
# at a smaller error from 67k nodes up (bench/bench_betweenness.py; at EU size 2-3x faster).
KADABRA_MIN = 50_000
METRICS = ("degree", "strength", "pagerank", "betweenness", "eigenvector", "core", "community")

Progress = Callable[[str], None]


@dataclass
class NetworkResult:
    """The metrics of one network: ``metrics[name] = {org_id: value}`` for every node."""

    name: str
    nodes: int
    edges: int
    total_weight: float
    components: int
    largest_component: int
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    communities: list[list[str]] = field(default_factory=list)
    modularity: float = 0.0
    betweenness_method: str = ""
    stderr: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    graph_attrs: dict[str, Any] = field(default_factory=dict)

    def top(self, metric: str, n: int = 10) -> list[tuple[str, Any]]:
        """The ``n`` nodes with the highest ``metric``, ties by org id."""
        values = self.metric(metric)
        return sorted(((k, v) for k, v in values.items() if v is not None), key=lambda kv: (-kv[1], kv[0]))[:n]

    def no_ranking(self, metric: str) -> str | None:
        """Why ``metric`` must not be shown as a ranking (no edges, all values tie), else None."""
        if not self.edges:
            return "the network has no edges (every value ties)"
        values = {v for v in self.metrics.get(metric, {}).values() if v is not None}
        if len(values) <= 1:
            return f"all {self.nodes} nodes tie"
        return None

    def betweenness_bands(self) -> dict[str, tuple[int, int]]:
        """Rank bands of betweenness (value ± 2 standard errors; one rank each when exact)."""
        values = {k: v for k, v in self.metrics.get("betweenness", {}).items() if v is not None}
        return rank_bands(values, self.stderr)

    def metric(self, metric: str) -> dict[str, Any]:
        if metric not in self.metrics:
            raise AnalysisError(
                f"{metric!r} was not computed for the {self.name} network"
                + (f" ({'; '.join(self.notes)})" if self.notes else "")
                + f"; computed: {', '.join(self.metrics) or 'none'}"
            )
        return self.metrics[metric]


@dataclass
class AnalysisResult:
    """What ``analyze`` computed, per network, and what it wrote back to the store."""

    seed: int
    networks: dict[str, NetworkResult]
    written_network: str | None = None
    written: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # names of the organisations the summary shows

    def network(self, name: str) -> NetworkResult:
        """The result for ``name``; AnalysisError when that network was not analysed."""
        if name not in self.networks:
            raise AnalysisError(
                f"the {name} network was not analysed (analysed: {', '.join(self.networks) or 'none'}); "
                f"run analyze with networks=({name!r},)"
            )
        return self.networks[name]

    def summary(self, top: int = 5) -> str:
        """A plain-text summary for the command line."""
        lines = []
        for r in self.networks.values():
            lines.append(
                f"{r.name}: {r.nodes} nodes, {r.edges} edges, {r.components} components "
                f"(largest {r.largest_component}), total weight {r.total_weight:g}"
            )
            if r.communities:
                lines.append(f"  communities: {len(r.communities)}, modularity {r.modularity:.4f} (Louvain, seed {self.seed})")
            if r.betweenness_method:
                lines.append(f"  betweenness: {r.betweenness_method}")
            if "pagerank" in r.metrics and r.nodes:
                why = r.no_ranking("pagerank")
                if why:
                    lines.append(f"  no PageRank ranking: {why}")
                else:
                    ranked = ", ".join(f"{self.names.get(k) or k} {v:.4g}" for k, v in r.top("pagerank", top))
                    lines.append(f"  top PageRank: {ranked}")
            if "betweenness" in r.metrics and r.nodes and not r.no_ranking("betweenness"):
                bands = r.betweenness_bands()
                lines.append("  top brokers (betweenness): " + ", ".join(
                    f"{self.names.get(k) or k} {_estimate(v, r.stderr.get(k, 0.0))} (rank {_band(bands[k])})"
                    for k, v in r.top("betweenness", top)))
            for note in r.notes:
                lines.append(f"  note: {note}")
        if self.written_network:
            lines.append(f"wrote metrics of the {self.written_network} network to {self.written} organisations")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _estimate(value: float, stderr: float) -> str:
    """'0.0123 ± 0.0015' for an estimate, '0.0123' when exact: no more digits than the error allows."""
    if stderr <= 0:
        return f"{value:.4g}"
    digits = max(0, -int(math.floor(math.log10(stderr))) + 1)
    return f"{value:.{digits}f} ± {stderr:.{digits}f}"


def _band(band: tuple[int, int]) -> str:
    return str(band[0]) if band[0] == band[1] else f"{band[0]}–{band[1]}"


EMPTY_HINT = {
    "collaboration": "the store has no (Organisation)-[:BENEFICIARY_OF]->(Project); load EU projects first",
    "market": "the store has no buyer -[:BUYER_OF]-> procurement -[:AWARDED_TO]-> supplier; load procurement data first",
    "buyers": "the store has no buyer -[:BUYER_OF]-> procurement -[:AWARDED_TO]-> supplier; load procurement data first",
    "stakeholder": "the store has neither EU project beneficiaries nor procurement awards; load data first",
}


def _components(A: sp.csr_array) -> tuple[int, int]:
    if A.shape[0] == 0:
        return 0, 0
    count, labels = sp.csgraph.connected_components(A, directed=False)
    return int(count), int(np.bincount(labels).max())


def _check_betweenness_method(method: str) -> None:
    if method not in BETWEENNESS_METHODS:
        raise AnalysisError(f"unknown betweenness method {method!r}; choose from {', '.join(BETWEENNESS_METHODS)}")


def analyze_projection(
    proj: Projection,
    *,
    seed: int = 42,
    exact_max: int = 5_000,
    betweenness_k: int = 256,
    louvain_fast_min: int = 50_000,
    progress: Progress | None = None,
    betweenness_method: str = "auto",
    kadabra_min: int = KADABRA_MIN,
) -> NetworkResult:
    """Every metric of one projection (computed on its undirected, weighted form).

    Above ``exact_max`` nodes betweenness is estimated: ``sampled`` (Brandes from ``betweenness_k``
    sources, with per-node standard errors) or ``kadabra`` (NetworKit's KADABRA with a uniform
    guarantee, graph/analysis/betweenness.py ``kadabra_arrays``); ``auto`` takes KADABRA from
    ``kadabra_min`` nodes, where it is measured faster at a smaller error, else sampling.
    """
    _check_betweenness_method(betweenness_method)
    say = progress or (lambda _msg: None)
    A = proj.adjacency()
    if proj.directed:
        A = sp.csr_array(A + A.T)
    nodes = proj.nodes.tolist()
    n = len(nodes)
    comps, largest = _components(A)
    result = NetworkResult(
        proj.name, n, int(proj.matrices[proj.weight].nnz), float(A.sum()) / 2.0, comps, largest,
        graph_attrs=dict(proj.graph_attrs),
    )
    if n == 0:
        result.notes.append(f"empty network: {EMPTY_HINT[proj.name]}")
        return result
    _check_weights(A)
    if result.total_weight == 0 and result.edges:
        result.notes.append("every edge has zero weight: weighted metrics treat the network as edgeless")

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        say(f"{proj.name}: {name} ...")
        t0 = time.perf_counter()
        out = fn()
        result.seconds[name] = time.perf_counter() - t0
        say(f"{proj.name}: {name} done in {result.seconds[name]:.1f} s")
        return out

    pattern = A.copy()
    pattern.data[:] = 1.0
    result.metrics["degree"] = dict(zip(nodes, timed("degree", lambda: _strength_csr(pattern)).astype(int).tolist()))
    result.metrics["strength"] = dict(zip(nodes, timed("strength", lambda: _strength_csr(A)).tolist()))
    result.metrics["pagerank"] = dict(zip(nodes, timed("pagerank", lambda: _pagerank_csr(A, 0.85, 1e-10, 1000)).tolist()))

    kadabra: list[tuple[float, int]] = []
    method = betweenness_method if betweenness_method != "auto" else ("kadabra" if n >= kadabra_min else "sampled")

    def btw() -> tuple[np.ndarray, np.ndarray, bool, int]:
        if n <= exact_max or n <= 2 or (method == "sampled" and betweenness_k >= n):
            src = np.arange(n)
            exact = True
        elif method == "kadabra":
            values, halfwidth, samples = kadabra_arrays(A, seed=seed)
            kadabra.append((halfwidth, samples))
            # shown as value ± halfwidth/2, so that the rank bands (± 2 of it) are the guaranteed interval
            return values, np.full(n, halfwidth / 2.0), False, samples
        else:
            src = np.array(sorted(random.Random(seed).sample(range(n), betweenness_k)), dtype=np.int64)
            exact = False
        values, err = _betweenness_arrays(A, src, exact=exact, directed=False, normalized=True)
        return values, err, exact, len(src)

    values, err, exact, kk = timed("betweenness", btw)
    result.metrics["betweenness"] = dict(zip(nodes, values.tolist()))
    result.stderr = dict(zip(nodes, err.tolist()))
    if kadabra:
        halfwidth, samples = kadabra[0]
        result.betweenness_method = (
            f"KADABRA (NetworKit; eps {KADABRA_EPS}, delta {KADABRA_DELTA}): every value within ±{halfwidth:.2g} of the "
            f"exact one with probability >= {1 - KADABRA_DELTA:.0%}; {samples:,} sampled shortest paths, one thread, seed {seed}"
        )
        result.notes.append(f"betweenness is a KADABRA estimate (seed {seed}): shown ± half its guaranteed error "
                            f"(±{halfwidth:.2g} with probability >= {1 - KADABRA_DELTA:.0%}), ranks as bands over that interval")
    else:
        result.betweenness_method = Betweenness(result.metrics["betweenness"], exact, kk, result.stderr).describe()
        if not exact:
            result.betweenness_method += f", seed {seed}"
            result.notes.append(f"betweenness is an estimate from {kk} sampled sources (seed {seed}): shown with its "
                                "standard error, ranks as bands")
    try:
        eig = timed("eigenvector", lambda: eigenvector_largest_component(A, 1e-6, 100, result.notes))
        result.metrics["eigenvector"] = {v: (None if math.isnan(x) else x) for v, x in zip(nodes, eig.tolist())}
    except AnalysisError as exc:
        result.notes.append(f"eigenvector not computed: {exc}")
    result.metrics["core"] = dict(zip(nodes, timed("core", lambda: _core_csr(A)).tolist()))
    parts = timed("louvain", lambda: _louvain_csr(nodes, A, seed, 1.0, louvain_fast_min))
    undirected_edges = (A.nnz + int(np.count_nonzero(A.diagonal()))) // 2
    if A.sum() <= 0:
        result.notes.append("communities: the network has no weight, so every node is its own community")
    elif undirected_edges >= louvain_fast_min:
        result.notes.append(f"communities: the fast parallel Louvain was used ({undirected_edges:,} edges, over "
                            f"{louvain_fast_min:,}), not networkx's louvain_communities")
    labels = {v: i for i, c in enumerate(parts) for v in c}
    result.metrics["community"] = {v: labels[v] for v in nodes}
    result.communities = [sorted(c) for c in parts]
    result.modularity = timed(
        "modularity", lambda: _modularity_csr(A, np.array([labels[v] for v in nodes], dtype=np.int64))
    )
    return result


def write_metrics(store: Any, result: NetworkResult, *, batch_size: int = 50_000) -> int:
    """Write ``result``'s metrics to every Organisation (None where the node is not in the network).

    Returns the number of organisations written.
    """
    names = [m for m in METRICS if m in result.metrics]
    orgs = _all_organisations(store)
    written = 0
    for start in range(0, len(orgs), batch_size):
        rows = []
        for org in orgs[start : start + batch_size]:
            row: dict[str, Any] = {"org_id": org, "metrics_network": result.name if org in result.metrics["degree"] else None}
            for m in METRICS:
                value = result.metrics[m].get(org) if m in names else None
                row[m] = value
            row["betweenness_stderr"] = result.stderr.get(org) if "betweenness" in names else None
            rows.append(row)
        written += store.write_properties("Organisation", rows)
    return written


def analyze(
    store: Any,
    networks: Sequence[str] = ("stakeholder",),
    seed: int = 42,
    progress: Progress | None = None,
    *,
    write: bool = True,
    exact_max: int = 5_000,
    betweenness_k: int = 256,
    betweenness_method: str = "auto",
) -> AnalysisResult:
    """Project ``networks`` from ``store``, compute every metric, write one network's back.

    Parameters
    ----------
    store : EmbeddedStore or Neo4jStore
    networks : sequence of str
        Any of NETWORKS, or ``("all",)``.
    seed : int
        Seeds betweenness sampling and Louvain.
    progress : callable, optional
        Called with a one-line message at each step (the CLI prints them on stderr).
    write : bool
        Write the metrics of the stakeholder network (or of the first network analysed) to the
        Organisation nodes (``degree``, ``strength``, ``pagerank``, ``betweenness``,
        ``eigenvector``, ``core``, ``community``, ``metrics_network``).
    exact_max, betweenness_k :
        Exact betweenness up to ``exact_max`` nodes, else ``betweenness_k`` sampled sources.
    betweenness_method : str
        Above ``exact_max``: ``auto`` (KADABRA from 50,000 nodes, else sampled), ``sampled`` or ``kadabra``.

    Raises
    ------
    AnalysisError
        For an unknown network, or when every requested network is empty.
    """
    say = progress or (lambda _msg: None)
    if isinstance(networks, str):
        networks = (networks,)
    wanted = list(NETWORKS) if "all" in networks else list(dict.fromkeys(networks))
    unknown = [w for w in wanted if w not in NETWORKS]
    if unknown or not wanted:
        raise AnalysisError(f"unknown network {', '.join(unknown) or '(none)'}; choose from {', '.join(NETWORKS)} or all")
    _check_betweenness_method(betweenness_method)  # before any projection is read
    reader = _Reader(store)
    out = AnalysisResult(seed, {})
    t_all = time.perf_counter()
    for name in wanted:
        say(f"{name}: reading the projection from the {getattr(store, 'dialect', '?')} store ...")
        t0 = time.perf_counter()
        proj = reader.projection(name)
        out.seconds[f"{name}: projection"] = time.perf_counter() - t0
        say(f"{name}: {proj.n} nodes, {proj.matrices[proj.weight].nnz} edges ({out.seconds[f'{name}: projection']:.1f} s)")
        res = analyze_projection(proj, seed=seed, exact_max=exact_max, betweenness_k=betweenness_k, progress=progress,
                                 betweenness_method=betweenness_method)
        out.networks[name] = res
        for metric, secs in res.seconds.items():
            out.seconds[f"{name}: {metric}"] = secs
    shown = sorted({k for r in out.networks.values() for m in ("pagerank", "betweenness") if m in r.metrics
                    for k, _ in r.top(m, 10)})
    if shown:
        out.names = {str(k): str(v) for k, v in store.rows(NAMES_CYPHER, {"ids": shown}) if v is not None}
    if all(r.nodes == 0 for r in out.networks.values()):
        raise AnalysisError(
            "nothing to analyse: " + "; ".join(f"{r.name} is empty ({EMPTY_HINT[r.name]})" for r in out.networks.values())
        )
    if write:
        primary = "stakeholder" if "stakeholder" in out.networks else wanted[0]
        if out.networks[primary].nodes == 0:
            primary = next(r.name for r in out.networks.values() if r.nodes)
        say(f"writing the {primary} metrics back to the store ...")
        t0 = time.perf_counter()
        out.written = write_metrics(store, out.networks[primary])
        out.written_network = primary
        out.seconds["write back"] = time.perf_counter() - t0
    out.seconds["total"] = time.perf_counter() - t_all
    return out
