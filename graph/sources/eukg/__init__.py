"""The EU Knowledge Graph (Kohesio's Wikibase) harvested over SPARQL 1.1 as a stream of stakenet records.

The layers, each testable alone:

- ``queries``: query text as module constants, turned into queries by the pure
  ``build_project_query`` / ``build_facts_query`` / ``build_reference_query``;
- ``fetch``: ``fetch``, the one function that touches the network, and ``fetch_page``, which
  retries it with backoff and keeps every answer in a ``PageCache``;
- ``parse``: ``parse_rows`` / ``parse_reference`` / ``parse_project_page``, pure parsers of SPARQL
  JSON results into ``Node``/``Rel`` records;
- here: ``iter_records`` joins them into one stream (``graph.ingest.harvest`` loads it into a store).

Reference items (funds, programmes, themes, regions, countries) are fetched once per harvest, and
their nodes are yielded the first time a page refers to them, so a page's cost does not grow as a
two-million-project harvest proceeds (bench/bench_harvest.py measures it).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from graph.errors import SourceError
from graph.records import Record, Rel
from graph.sources.eukg.fetch import FetchStats, PageCache, RetryPolicy, fetch_page
from graph.sources.eukg.parse import Reference, Warnings, parse_items, parse_project_page, parse_reference, parse_rows
from graph.sources.eukg.queries import (
    DEFAULT_ENDPOINT,
    DEFAULT_PAGE_SIZE,
    PROJECT_FACTS,
    REFERENCE_BRANCHES,
    REFERENCE_FACTS,
    REFERENCE_PAGE_SIZE,
    REFERENCE_SELECTORS,
    SOURCE,
    build_facts_query,
    build_project_query,
    build_reference_query,
    project_selector,
)


@dataclass
class HarvestStats:
    """Progress and totals of a harvest."""

    pages: int = 0
    projects: int = 0
    records: int = 0
    fetch: FetchStats = field(default_factory=FetchStats)
    started: float = field(default_factory=time.monotonic)
    page_seconds: list[float] = field(default_factory=list)  # per page: select + facts + parse
    select_seconds: list[float] = field(default_factory=list)  # per page: the keyset step alone
    warnings: dict[str, int] = field(default_factory=dict)  # warnings by kind (see Warnings)
    # distinct harvested beneficiaries by how they were identified: "rename" (renames table, at
    # parse time), "name" (folded after loading into a numbered organisation of that exact name;
    # "rename" again if folded by the table) and "eukg" (left under their EU KG key)
    beneficiaries: Counter[str] = field(default_factory=Counter)
    identity: dict[str, str] = field(default_factory=dict, repr=False)  # harvested key -> how, as counted

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def progress_line(self) -> str:
        """One line for a progress display: pages, projects, elapsed time and rate."""
        elapsed = max(self.elapsed, 1e-9)
        return (
            f"pages {self.pages:,}  projects {self.projects:,}  elapsed {elapsed:,.0f} s  "
            f"rate {self.projects / elapsed:,.0f} projects/s"
        )

    def summary(self) -> str:
        """What the harvest did, for the end of a command."""
        f = self.fetch
        return (
            f"harvested {self.projects:,} projects in {self.pages:,} pages ({self.records:,} records) in "
            f"{self.elapsed:,.1f} s: {f.requests:,} requests, {f.retries:,} retries, "
            f"{f.cached_pages:,} answers from the cache"
            + (f"; {sum(self.warnings.values()):,} warnings of {len(self.warnings)} kinds (see stderr)" if self.warnings else "")
            + "\n" + self.identity_line()
        )

    def identity_line(self) -> str:
        """How the harvested beneficiaries were identified with organisations of other sources.

        >>> HarvestStats(beneficiaries=Counter(rename=1, name=2, eukg=7)).identity_line()
        'beneficiaries: 10 distinct; 1 by the renames table, 2 by exact name into numbered organisations, 7 left as EU KG keys'
        """
        b = self.beneficiaries
        return (
            f"beneficiaries: {sum(b.values()):,} distinct; {b['rename']:,} by the renames table, "
            f"{b['name']:,} by exact name into numbered organisations, {b['eukg']:,} left as EU KG keys"
        )


def fetch_reference(
    endpoint: str,
    *,
    retry: RetryPolicy,
    cache: PageCache | None,
    stats: FetchStats,
    rng: random.Random,
    warn: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    page_size: int = REFERENCE_PAGE_SIZE,
) -> Reference:
    """Every reference item (countries, funds, programmes, themes, regions), keyset-paged."""
    reference = Reference()
    for kind in REFERENCE_SELECTORS:
        after = ""
        page = 0
        while True:
            page += 1
            what = f"{kind} page {page}"
            ids = fetch_page(endpoint, build_reference_query(kind, after, page_size), what + " (items)",
                             retry=retry, cache=cache, stats=stats, rng=rng, sleep=sleep)
            iris = parse_items(ids, warn)
            if iris:
                result = fetch_page(endpoint, build_facts_query(iris, REFERENCE_BRANCHES[kind]), what + " (facts)",
                                    retry=retry, cache=cache, stats=stats, rng=rng, sleep=sleep)
                reference.add(parse_reference(kind, parse_rows(result, REFERENCE_FACTS[kind], iris, warn), warn))
            if len(iris) < page_size:
                break
            after = max(iris)
    return reference


def _reference_records(iri: str, reference: Reference, emitted: set[str], out: list[Record], depth: int = 0) -> None:
    """Append the node of reference item ``iri`` (and, for a region, its chain upwards) once."""
    if iri in emitted or depth > 20:
        return
    emitted.add(iri)
    node = reference.nodes.get(iri)
    if node is None:
        return
    out.append(node)
    parent = reference.parents.get(iri)
    if node.label == "Region" and parent:
        _reference_records(parent, reference, emitted, out, depth + 1)
        above = reference.nodes.get(parent)
        if above is not None and above.label in ("Region", "Country"):
            out.append(Rel("PART_OF", ("Region", node.key), (above.label, above.key), {"source": SOURCE}))


def iter_records(
    endpoint: str = DEFAULT_ENDPOINT,
    *,
    country: str | None = None,
    nuts: str | None = None,
    limit: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    cache: str | os.PathLike[str] | None = None,
    retry: RetryPolicy | None = None,
    stats: HarvestStats | None = None,
    progress: Callable[[HarvestStats], None] | None = None,
    seed: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Record]:
    """Harvest projects (and what they refer to) from ``endpoint`` as a stream of records.

    Each page yields the reference nodes it needs for the first time, then its projects and
    organisations, then its relationships, so a store may load the stream in any batch size.
    ``limit`` caps the number of projects; ``cache`` keeps every page's raw answer on disk.
    """
    if page_size < 1:
        raise SourceError("--page-size must be at least 1")
    if limit is not None and limit < 0:
        raise SourceError("--limit must not be negative")
    project_selector(country, nuts)  # validate the filters before any request
    retry = retry or RetryPolicy()
    stats = stats if stats is not None else HarvestStats()
    page_cache = PageCache(cache) if cache is not None else None
    rng = random.Random(seed)
    warn = Warnings()
    stats.warnings = warn.counts
    reference = fetch_reference(endpoint, retry=retry, cache=page_cache, stats=stats.fetch, rng=rng, warn=warn, sleep=sleep)
    emitted: set[str] = set()
    after = ""
    while limit is None or stats.projects < limit:
        size = page_size if limit is None else min(page_size, limit - stats.projects)
        started = time.perf_counter()
        what = f"project page {stats.pages + 1}"
        ids = fetch_page(endpoint, build_project_query(after, size, country=country, nuts=nuts), what + " (items)",
                         retry=retry, cache=page_cache, stats=stats.fetch, rng=rng, sleep=sleep)
        iris = parse_items(ids, warn)
        stats.select_seconds.append(time.perf_counter() - started)
        if not iris:
            break
        result = fetch_page(endpoint, build_facts_query(iris), what + " (facts)",
                            retry=retry, cache=page_cache, stats=stats.fetch, rng=rng, sleep=sleep)
        page = parse_project_page(parse_rows(result, PROJECT_FACTS, iris, warn), reference, warn)
        for key in sorted(page.identity.keys() - stats.identity.keys()):
            stats.identity[key] = page.identity[key]
            stats.beneficiaries[page.identity[key]] += 1
        records: list[Record] = []
        for iri in sorted(page.refs):
            _reference_records(iri, reference, emitted, records)
        records.extend(page.nodes)
        records.extend(page.rels)
        stats.pages += 1
        stats.projects += page.items
        stats.records += len(records)
        stats.page_seconds.append(time.perf_counter() - started)
        yield from records
        if progress:
            progress(stats)
        if len(iris) < size:
            break
        after = max(iris)
