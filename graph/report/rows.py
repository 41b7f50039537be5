"""Turns store rows and indicator records into the plain, rounded values a report holds."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from graph.indicators import FLAG_SHARES, MarketIndicators
from graph.report.queries import Q_ORG_NAMES

# Thresholds for the risk indicators. They flag what deserves a closer look; they are not findings.
HHI_HIGH = 0.25  # the usual "highly concentrated" level (2,500 on the 0-10,000 scale)
TOP_SUPPLIER_HIGH = 0.5
SME_SHARE_LOW = 0.2
MIN_AWARDS_FOR_SIGNAL = 10


def py_value(value: Any) -> Any:
    """Plain Python numbers from what a driver returns (LadybugDB sums integers as Decimal)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def to_int(value: Any) -> int:
    return int(py_value(value) or 0)


def to_money(value: Any) -> float | None:
    value = py_value(value)
    return None if value is None else round(float(value), 2)


def share(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


def round6(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def query_rows(store: Any, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    return [{k: py_value(v) for k, v in row.items()} for row in store.query(cypher, dict(params or {}))]


def org_ref(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"org_id": row["org_id"], "name": row.get("name") or row["org_id"]}


def buyer_row(m: MarketIndicators, names: Mapping[str, str | None]) -> dict[str, Any]:
    """One buyer's (or a pooled county's) indicators from graph.indicators, as the report shows them.

    ``names`` gives the name of the top supplier. ``signals`` words the figures that pass a
    threshold as indicators worth a closer look, never as findings.
    """
    row: dict[str, Any] = {
        "org_id": m.key,
        "name": m.name or m.key,
        "buyers": m.buyers,
        "procurements": m.procurements,
        "awards": m.awards,
        "distinct_suppliers": m.suppliers,
        "redacted_awards": m.redacted_awards,
        "hhi": round6(m.hhi_count),
        "hhi_pooled": round6(m.hhi_count_pooled),
        "hhi_range": [round6(x) for x in m.hhi_range] if m.hhi_range else None,
        "hhi_value": round6(m.hhi_value),
        "hhi_value_pooled": round6(m.hhi_value_pooled),
        "top_supplier": {"org_id": m.top_supplier, "name": names.get(m.top_supplier) or m.top_supplier} if m.top_supplier else None,
        "top_supplier_share": round6(m.top_share_count),
        "top_supplier_share_value": round6(m.top_share_value),
        "sme_share": round6(m.sme_share_count),
        "sme_share_value": round6(m.sme_share_value),
        "sme_awards": m.sme_awards,
        "size_known_awards": m.sized_awards,
        "value": round(m.value, 2),
        "valued_awards": m.valued_awards,
    }
    for flag, short in (("env_sustainable", "env"), ("social_sustainable", "social"), ("innovation", "innovation"),
                        ("coordinated", "coordinated")):
        row[f"{short}_flagged"] = int(m.flag_true.get(flag, 0))
        row[f"{short}_filled"] = int(m.flag_filled.get(flag, 0))
        row[f"{short}_flagged_share"] = round6(getattr(m, FLAG_SHARES[flag]))
        row[f"{short}_status"] = m.flag_status(flag)
    row["signals"] = _signals(row)
    return row


def _signals(row: Mapping[str, Any]) -> list[str]:
    """Indicator wording for one buyer: what to look at, never a conclusion."""
    signals: list[str] = []
    if row["awards"] < MIN_AWARDS_FOR_SIGNAL:
        return signals
    if row["hhi"] is not None and row["hhi"] >= HHI_HIGH:
        signals.append(f"supplier concentration indicator: HHI {_hhi_text(row)} (≥ {HHI_HIGH:.2f}) over {row['awards']} awards")
    if row["top_supplier_share"] is not None and row["top_supplier_share"] >= TOP_SUPPLIER_HIGH:
        signals.append(
            f"single-supplier dependence indicator: one supplier holds {row['top_supplier_share']:.0%} of {row['awards']} awards"
        )
    if row["sme_share"] is not None and row["size_known_awards"] >= MIN_AWARDS_FOR_SIGNAL and row["sme_share"] < SME_SHARE_LOW:
        signals.append(
            f"low SME participation indicator: {row['sme_share']:.0%} of {row['size_known_awards']} awards with known supplier size"
        )
    return signals


def _hhi_text(row: Mapping[str, Any]) -> str:
    """'0.05 (range 0.05-0.18 with 56 redacted awards)': the HHI and, with redacted awards, its range."""
    if not row.get("redacted_awards") or not row.get("hhi_range"):
        return f"{row['hhi']:.4g}"
    low, high = row["hhi_range"]
    return f"{row['hhi']:.4g} (range {low:.4g}–{high:.4g}: {row['redacted_awards']:,} redacted awards excluded / pooled)"


def hhi_text(row: Mapping[str, Any]) -> str:
    """The HHI of a report row as words, with its range where redacted awards make it uncertain."""
    return "n/a" if row.get("hhi") is None else _hhi_text(row)


def org_names(store: Any, ids: Iterable[str | None]) -> dict[str, str | None]:
    wanted = sorted({i for i in ids if i})
    return {r["org_id"]: r["name"] for r in query_rows(store, Q_ORG_NAMES, {"ids": wanted})} if wanted else {}


def _by_awards(m: MarketIndicators) -> tuple[Any, ...]:
    return (-m.awards, -m.procurements, m.key)


def rank_buyers(
    store: Any, ms: Iterable[MarketIndicators], top: int | None = None, key: Callable[[MarketIndicators], Any] = _by_awards
) -> list[dict[str, Any]]:
    """Report rows of the first ``top`` of ``ms`` ranked by ``key`` (default: most awards, then id)."""
    ranked = sorted(ms, key=key)[:top]
    names = org_names(store, (m.top_supplier for m in ranked))
    return [buyer_row(m, names) for m in ranked]
