"""Harvesting the EU Knowledge Graph into a store: stream, fold harvested beneficiaries, record provenance."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from graph.ingest.folding import fold_name_keyed
from graph.ingest.provenance import source_node
from graph.sources.eukg import HarvestStats, iter_records
from graph.sources.eukg.fetch import RetryPolicy
from graph.sources.eukg.queries import DEFAULT_ENDPOINT, DEFAULT_PAGE_SIZE, SOURCE
from graph.text import redact_url


def harvest(
    store: Any,
    endpoint: str = DEFAULT_ENDPOINT,
    *,
    country: str | None = None,
    nuts: str | None = None,
    limit: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    cache: str | os.PathLike[str] | None = None,
    retry: RetryPolicy | None = None,
    progress: Callable[[HarvestStats], None] | None = None,
    batch_size: int = 50_000,
    seed: int | None = None,
) -> HarvestStats:
    """Harvest into ``store`` (streamed, batch by batch) and record a provenance Source node."""
    stats = HarvestStats()
    records = iter_records(
        endpoint, country=country, nuts=nuts, limit=limit, page_size=page_size, cache=cache,
        retry=retry, stats=stats, progress=progress, seed=seed,
    )
    store.load(records, batch_size=batch_size)
    # Fold beneficiaries left under EU KG keys into numbered organisations of the same exact name
    # (and name-keyed organisations of other sources into numbered ones this harvest brought).
    for old, fold in fold_name_keyed(store, batch_size=batch_size).items():
        if stats.identity.get(old) == "eukg":
            stats.identity[old] = fold.how
            stats.beneficiaries["eukg"] -= 1
            stats.beneficiaries[fold.how] += 1
    filters = ";".join(f"{k}={v}" for k, v in (("country", country), ("nuts", nuts), ("limit", limit)) if v)
    notes = (f"{stats.pages} pages, {stats.fetch.fetched_pages} fetched, {stats.fetch.cached_pages} "
             f"from cache, {stats.fetch.retries} retries" + (f"; {filters}" if filters else ""))
    shown = redact_url(endpoint)  # a token in --endpoint is never stored (reports print Source paths)
    store.load([source_node(f"eukg:{shown}" + (f"?{filters}" if filters else ""), SOURCE, path=shown,
                            rows=stats.projects, rejected=0, notes=notes)])
    return stats
