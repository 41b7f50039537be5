"""A report's scope against the nation: the chart data of its buyers beside every buyer, and a region of
any NUTS level compared with the regions of the same level, recomputed from the generator's records."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from graph import report
from graph.analysis.analyze import analyze
from graph.records import Node, Rel
from graph.report.charts import render_charts
from graph.sources import synthetic
from graph.store.embedded import EmbeddedStore, open_database

FIXED = {"now": "2026-01-01T00:00:00Z", "version": "0.0.0-test"}
SME = {"micro", "small", "medium"}
MIN = report.MIN_AWARDS_FOR_SIGNAL


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory: pytest.TempPathFactory):
    """The fixed synthetic graph of the golden files: scale 300, seed 7, analysed with seed 42."""
    conn = open_database(tmp_path_factory.mktemp("scope-peers") / "g.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load(synthetic.iter_records(scale=300, seed=7))
    analyze(store, seed=42)
    yield store
    conn.close()


@pytest.fixture(scope="module")
def records() -> dict[str, Any]:
    """Per buyer, its awards as (supplier, size reported on the award), its county; straight from the records."""
    quality: dict[str, str] = {}
    placed: dict[str, str] = {}
    buyer_of: dict[str, str] = {}
    raw: list[Rel] = []
    for rec in synthetic.iter_records(scale=300, seed=7):
        if isinstance(rec, Node) and rec.label == "Organisation":
            quality[rec.props["org_id"]] = str(rec.props.get("quality") or "")
        elif isinstance(rec, Rel):
            if rec.type == "LOCATED_IN" and rec.src[0] == "Organisation":
                placed[rec.src[1]] = rec.dst[1]
            elif rec.type == "BUYER_OF":
                buyer_of[rec.dst[1]] = rec.src[1]
            elif rec.type == "AWARDED_TO":
                raw.append(rec)
    awards: dict[str, list[tuple[str, str | None, bool]]] = defaultdict(list)
    for r in raw:
        awards[buyer_of[r.src[1]]].append((r.dst[1], r.props.get("supplier_size"), "redacted_person" in quality.get(r.dst[1], "")))
    return {"awards": awards, "placed": placed}


def _sme(awards: list[tuple[str, str | None, bool]]) -> tuple[float | None, int]:
    sized = [size for _, size, redacted in awards if size and not redacted]
    return (sum(s in SME for s in sized) / len(sized) if sized else None), len(sized)


def _hhi(awards: list[tuple[str, str | None, bool]]) -> tuple[float | None, int]:
    named = Counter(s for s, _, redacted in awards if not redacted)
    n = sum(named.values())
    return (sum((c / n) ** 2 for c in named.values()) if n else None), n


def test_the_distribution_is_every_buyer_and_the_regions_buyers(synthetic_store: EmbeddedStore, records: dict[str, Any]) -> None:
    data = report.collect_report(synthetic_store, region="SE31", top=5, **FIXED)
    dist = data["key_findings"]["distribution"]
    awards = records["awards"]
    sme = sorted(v for v, n in (_sme(a) for a in awards.values()) if v is not None and n >= MIN)
    hhi = sorted(v for v, n in (_hhi(a) for a in awards.values()) if v is not None and n >= MIN)
    assert dist["national"]["sme_share"] == pytest.approx(sme, abs=1e-6) and len(sme) > 5
    assert dist["national"]["hhi"] == pytest.approx(hhi, abs=1e-6) and len(hhi) > 5
    in_region = {b for b in awards if records["placed"].get(b, "").startswith("SE31")}
    shown = {b for b in in_region if _sme(awards[b])[1] >= MIN or _hhi(awards[b])[1] >= MIN}
    assert dist["buyers_in_scope"] == len(shown) > 0
    for h in dist["highlighted"]:
        assert h["org_id"] in shown and h["awards"] == len(awards[h["org_id"]])
        share, n = _sme(awards[h["org_id"]])
        assert h["sme_share"] == (pytest.approx(share, abs=1e-6) if n >= MIN else None)
    assert "buyers_against_nation" in render_charts(data)


def test_a_nuts2_region_is_compared_with_the_nuts2_regions(synthetic_store: EmbeddedStore, records: dict[str, Any]) -> None:
    """Issue 17: SE31 (NUTS 2) pools the buyers placed in its counties and stands beside the other NUTS 2
    regions, each pooled the same way."""
    data = report.collect_report(synthetic_store, region="SE31", top=5, **FIXED)
    (table,) = data["key_findings"]["tables"]
    assert table["peers"] == "NUTS 2 regions"
    rows = {r["key"]: r for r in table["rows"]}
    by_nuts2: dict[str, list[tuple[str, str | None, bool]]] = defaultdict(list)
    for buyer, won in records["awards"].items():
        if buyer in records["placed"]:
            by_nuts2[records["placed"][buyer][:4]].extend(won)
    assert rows["awards"]["value"] == len(by_nuts2["SE31"])
    own, _ = _sme(by_nuts2["SE31"])
    assert rows["sme_share"]["value"] == pytest.approx(own, abs=1e-6)
    shares = sorted(v for v, _ in (_sme(w) for w in by_nuts2.values()) if v is not None)
    mid = len(shares) // 2
    assert rows["sme_share"]["peers"] == len(shares) > 1
    assert rows["sme_share"]["median"] == pytest.approx(shares[mid] if len(shares) % 2 else (shares[mid - 1] + shares[mid]) / 2, abs=1e-6)
    assert any("median of the" in s and "NUTS 2 regions" in s for s in data["key_findings"]["sentences"])


def test_the_chart_shows_names_with_dollars_as_text(tmp_path: Path) -> None:
    """Names are drawn literally: a name with $...$ is not parsed as mathtext (which would fail or mangle it)."""
    from matplotlib.text import Text

    from graph.report.charts import plain

    for name in ("Bolag $x^2$ AB", "A\\$ B$", '<b>Städ</b> & "Co" \u202eשלום 😀'):
        assert Text()._preprocess_math(plain(name)) == (name, False)
