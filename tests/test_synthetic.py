"""The synthetic generator: deterministic, shaped like the real data, streamed."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from graph.errors import StakenetError
from graph.records import Node, Rel, validate
from graph.sources.synthetic import COUNTIES, SIZE_WEIGHTS, SIZES, iter_records, plan


def test_same_seed_same_records_other_seed_other_records() -> None:
    a = list(iter_records(scale=400, seed=3))
    assert a == list(iter_records(scale=400, seed=3))
    assert a != list(iter_records(scale=400, seed=4))


def test_every_record_fits_the_model_and_nodes_come_first() -> None:
    seen: set[tuple[str, str]] = set()
    for r in iter_records(scale=300, seed=1):
        validate(r)
        if isinstance(r, Node):
            seen.add((r.label, r.key))
        else:
            assert r.src in seen and r.dst in seen, r


def test_supplier_sizes_follow_the_real_proportions() -> None:
    awarded = Counter()
    sizes = {}
    for r in iter_records(scale=20_000, seed=11):
        if isinstance(r, Node) and r.label == "Organisation":
            sizes[r.key] = r.props.get("size")
        elif isinstance(r, Rel) and r.type == "AWARDED_TO":
            awarded[sizes[r.dst[1]]] += 1
    total = sum(awarded.values())
    for size, weight in zip(SIZES, SIZE_WEIGHTS):
        assert awarded[size] / total == pytest.approx(weight, abs=0.03), size
    targets = {"large": 0.28, "small": 0.25, "medium": 0.23, "micro": 0.20}
    for size, share in targets.items():
        assert awarded[size] / total == pytest.approx(share, abs=0.03)


def test_counties_regions_and_heavy_tail() -> None:
    recs = list(iter_records(scale=5_000, seed=5))
    regions = {r.key for r in recs if isinstance(r, Node) and r.label == "Region" and r.props["level"] == 3}
    assert regions == {c[0] for c in COUNTIES} and len(regions) == 21
    names = {r.props["name"] for r in recs if isinstance(r, Node) and r.label == "Organisation"}
    assert "Region Gävleborg" in names
    per_supplier = Counter(r.dst[1] for r in recs if isinstance(r, Rel) and r.type == "AWARDED_TO")
    counts = sorted(per_supplier.values(), reverse=True)
    top1pct = sum(counts[: max(1, len(counts) // 100)])
    assert top1pct / sum(counts) > 0.10  # the top 1% of suppliers hold far more than 1% of awards
    per_project = Counter(r.dst[1] for r in recs if isinstance(r, Rel) and r.type == "BENEFICIARY_OF")
    assert set(per_project.values()) <= set(range(1, 7)) and max(per_project.values()) >= 4


def test_eu_scale_plan_and_streaming() -> None:
    p = plan(700_000)
    assert (p.organisations, p.projects) == (700_000, 2_000_000)
    # Streamed: the first records come out without building the whole network.
    first = list(itertools.islice(iter_records(scale=700_000, seed=1), 1_000))
    assert len(first) == 1_000


def test_scale_too_small() -> None:
    with pytest.raises(StakenetError, match="at least 50"):
        list(iter_records(scale=0))
