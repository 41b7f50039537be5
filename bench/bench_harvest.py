"""Harvest 100,000 projects (quick: 2,000) from a local SPARQL endpoint: keyset vs OFFSET paging.

The endpoint is the test suite's SPARQL 1.1 server over pyoxigraph (tests/sparql_endpoint.py),
loaded with the Wikibase-shaped fixture builder at the benchmark's size. Both runs fetch the same
pages over real HTTP through SPARQLWrapper and parse them into records: stakenet's harvest pages
by keyset (``FILTER(STR(?item) > last)``), the baseline by ``OFFSET``. Printed: projects/s of each,
and seconds per page at points through the harvest, so whether the time per page stays flat shows.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "eukg"))

import build_fixture as bf  # noqa: E402
import pyoxigraph as ox  # noqa: E402
from sparql_endpoint import SparqlServer  # noqa: E402

from graph.sources import eukg  # noqa: E402
from graph.sources.eukg import fetch as eukg_fetch  # noqa: E402
from graph.sources.eukg import parse as eukg_parse  # noqa: E402
from graph.sources.eukg import queries as eukg_queries  # noqa: E402

PAGE_SIZE = 1000


def _load(n: int, directory: str) -> ox.Store:
    path = Path(directory) / "eukg.nt"
    with path.open("w", encoding="utf-8") as fh:
        for line in bf.ntriples(bf.build(n, seed=7), statements=False):
            fh.write(line)
            fh.write("\n")
    store = ox.Store()  # in memory: the endpoint should not be the bottleneck
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    path.unlink()
    return store


def _offset_pages(url: str, retry: eukg_fetch.RetryPolicy) -> Iterator[tuple[int, float, float]]:
    """The baseline: the same pages as iter_records, found by OFFSET; yields (projects, s, select s)."""
    reference = eukg.fetch_reference(url, retry=retry, cache=None, stats=eukg_fetch.FetchStats(),
                                     rng=__import__("random").Random(1), warn=eukg_parse.Warnings())
    offset = 0
    while True:
        started = time.perf_counter()
        ids = eukg_fetch.fetch_page(url, eukg_queries.build_offset_query(eukg_queries.PROJECT_SELECTOR, offset, PAGE_SIZE), "offset page",
                              retry=retry)
        iris = eukg_parse.parse_items(ids)
        select = time.perf_counter() - started
        if not iris:
            return
        facts = eukg_fetch.fetch_page(url, eukg_queries.build_facts_query(iris), "offset facts", retry=retry)
        eukg_parse.parse_project_page(eukg_parse.parse_rows(facts, eukg_queries.PROJECT_FACTS, iris), reference)
        yield len(iris), time.perf_counter() - started, select
        if len(iris) < PAGE_SIZE:
            return
        offset += len(iris)


def _keyset_pages(url: str, retry: eukg_fetch.RetryPolicy) -> Iterator[tuple[int, float, float]]:
    """stakenet's harvest (iter_records); yields (projects, seconds, select seconds) per page."""
    stats = eukg.HarvestStats()
    seen = done = 0
    for _ in eukg.iter_records(url, page_size=PAGE_SIZE, retry=retry, stats=stats):
        if len(stats.page_seconds) > seen:
            seen = len(stats.page_seconds)
            yield stats.projects - done, stats.page_seconds[-1], stats.select_seconds[seen - 1]
            done = stats.projects


def _measure(pages: Callable[[], Iterator[tuple[int, float, float]]]) -> tuple[int, float, list[float], list[float]]:
    started = time.perf_counter()
    projects, seconds, selects = 0, [], []
    for n, s, sel in pages():
        projects += n
        seconds.append(s)
        selects.append(sel)
    return projects, time.perf_counter() - started, seconds, selects


def _profile(seconds: list[float]) -> str:
    """Median seconds per page in each fifth of the harvest."""
    k = max(1, len(seconds) // 5)
    parts = [seconds[i:i + k] for i in range(0, len(seconds), k)][:5]
    return "  ".join(f"{statistics.median(p):.3f}" for p in parts if p)


def run(quick: bool) -> dict[str, Any]:
    n = 2_000 if quick else 100_000
    retry = eukg_fetch.RetryPolicy(attempts=3, base=0.5, timeout=600)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store = _load(n, tmp)
        print(f"endpoint: {len(store):,} triples for {n:,} projects, built and loaded in {time.perf_counter() - t0:.1f} s")
        with SparqlServer(store) as server:
            results = {}
            for name, pages in (("keyset (stakenet)", _keyset_pages), ("OFFSET (baseline)", _offset_pages)):
                projects, total, seconds, selects = _measure(lambda p=pages: p(server.url, retry))
                assert projects == n, f"{name} harvested {projects} of {n} projects"
                results[name] = (total, seconds)
                tenth = max(1, len(seconds) // 10)
                first, last = statistics.median(seconds[:tenth]), statistics.median(seconds[-tenth:])
                print(f"{name:18} {projects:,} projects in {total:.1f} s = {projects / total:,.0f} projects/s; "
                      f"last/first tenth of pages {last / first:.2f}x")
                print(f"{'':18} s/page by fifth of the harvest: {_profile(seconds)}  "
                      f"(of which choosing the page: {_profile(selects)})")
            keyset, offset = results["keyset (stakenet)"][0], results["OFFSET (baseline)"][0]
            print(f"keyset vs OFFSET: {offset / keyset:.2f}x faster over {n:,} projects, pages of {PAGE_SIZE:,}")
    return {"projects": n, "keyset_s": round(keyset, 2), "baseline": "OFFSET paging", "baseline_s": round(offset, 2),
            "ratio": round(offset / keyset, 2)}
