"""Draws a report's charts as PNG with matplotlib (no pyplot, no global backend; deterministic bytes)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping
from typing import Any

CHART_TITLES = {
    "sme_share_by_county": "SME share by buyer county (this report's region highlighted)",
    "degree_distribution": "Degree distribution (log-log)",
    "money_by_fund": "EU budget by fund",
    "money_by_cpv_group": "Procurement value by CPV division",
    "community_sizes": "Community sizes",
}


def render_charts(data: Mapping[str, Any]) -> dict[str, bytes]:
    """PNG bytes per chart name, for the charts whose data are not empty (deterministic output)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    charts = data["charts"]
    out: dict[str, bytes] = {}

    def figure() -> tuple[Figure, Any]:
        fig = Figure(figsize=(7, 3.6), dpi=100)
        FigureCanvasAgg(fig)
        return fig, fig.add_subplot(111)

    def save(name: str, fig: Figure, ax: Any) -> None:
        ax.set_title(CHART_TITLES[name])
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        out[name] = buf.getvalue()

    rows = sorted((r for r in charts["sme_share_by_county"] if r["sme_share"] is not None),
                  key=lambda r: (r["sme_share"], r["nuts_code"]))
    if rows:
        fig = Figure(figsize=(7, max(3.6, 0.22 * len(rows) + 1.2)), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(111)
        scope = str((data.get("meta", {}).get("parameters") or {}).get("region") or "")
        colours = ["#d8603b" if scope and r["nuts_code"].startswith(scope) else "#3b7dd8" for r in rows]
        ax.barh([r["name"] or r["nuts_code"] for r in rows], [100 * r["sme_share"] for r in rows], color=colours)
        shares = sorted(100 * r["sme_share"] for r in rows)
        mid = len(shares) // 2
        median = shares[mid] if len(shares) % 2 else (shares[mid - 1] + shares[mid]) / 2
        ax.axvline(median, color="#555", linestyle="--", linewidth=1, label=f"median of the counties {median:.1f}%")
        ax.legend(loc="lower right", fontsize=7)
        ax.set_xlabel("% of awards (reported supplier size, redacted excluded) won by SMEs")
        ax.set_xlim(0, 100)
        ax.tick_params(axis="y", labelsize=7)
        save("sme_share_by_county", fig, ax)
    degrees = [r for r in charts["degree_distribution"] if r["degree"] > 0]
    if degrees:
        fig, ax = figure()
        ax.loglog([r["degree"] for r in degrees], [r["organisations"] for r in degrees], "o", markersize=3, color="#d8603b")
        ax.set_xlabel("degree")
        ax.set_ylabel("organisations")
        save("degree_distribution", fig, ax)
    funds = charts["money_by_fund"]
    if funds:
        fig, ax = figure()
        one = len({r["currency"] for r in funds}) == 1
        labels = [f"{r['fund']}{'' if one else ' ' + r['currency']}".strip() for r in funds]
        ax.bar(labels, [r["amount"] / 1e6 for r in funds], color="#3bb273")
        ax.set_ylabel(f"EU budget, millions{' ' + funds[0]['currency'] if one else ''}")
        save("money_by_fund", fig, ax)
    cpv = charts["money_by_cpv_group"][:15]
    if cpv:
        fig = Figure(figsize=(8, max(3.6, 0.42 * len(cpv) + 1.2)), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(111)
        one = len({r["currency"] for r in cpv}) == 1
        labels = ["\n".join(textwrap.wrap(f"{r['cpv_group']} {r['name'] or ''}{'' if one else ' (' + r['currency'] + ')'}".strip(),
                                           48, max_lines=2, placeholder=" …")) for r in cpv]
        ax.barh(labels[::-1], [r["amount"] / 1e6 for r in cpv][::-1], color="#8a5cd8")
        ax.set_xlabel(f"contract value, millions{' ' + cpv[0]['currency'] if one else ''}")
        ax.tick_params(axis="y", labelsize=7)
        save("money_by_cpv_group", fig, ax)
    sizes = charts["community_sizes"]
    if sizes:
        fig, ax = figure()
        shown = sizes[:30]
        ax.bar(range(1, len(shown) + 1), shown, color="#d8b43b")
        ax.set_xlabel(f"community rank (largest {len(shown)} of {len(sizes)})")
        ax.set_ylabel("organisations")
        save("community_sizes", fig, ax)
    return out
