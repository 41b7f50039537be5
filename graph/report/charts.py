"""Draws a report's charts as PNG with matplotlib (no pyplot, no global backend; deterministic bytes)."""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping
from typing import Any

CHART_TITLES = {
    "buyers_against_nation": "The scope's buyers beside all Swedish buyers: SME share and concentration (HHI) by awards",
    "sme_share_by_county": "SME share by buyer county (this report's region highlighted)",
    "degree_distribution": "Degree distribution (log-log)",
    "money_by_fund": "EU budget by fund",
    "money_by_cpv_group": "Procurement value by CPV division",
    "community_sizes": "Community sizes",
}


def plain(text: str) -> str:
    r"""A name from the data as matplotlib shows it literally: every ``$`` escaped, so no mathtext is parsed
    (matplotlib turns ``\$`` back into ``$`` and reads everything else as plain text).

    >>> print(plain("A$B$ AB"))
    A\$B\$ AB
    """
    return text.replace("$", "\\$")


def _box_and_strip(ax: Any, values: list[float], y: float) -> None:
    """All buyers' values as a box (quartiles, whiskers to 1.5 IQR) over a deterministic jittered strip."""
    jitter = [y + 0.28 * (((i * 7919) % 101) / 100 - 0.5) for i in range(len(values))]
    ax.scatter(values, jitter, s=5, color="#9bb7dd", alpha=0.6, linewidths=0, zorder=1)
    ax.boxplot([values], positions=[y], orientation="horizontal", widths=0.5, showfliers=False, zorder=2,
               medianprops={"color": "#222"}, boxprops={"color": "#555"}, whiskerprops={"color": "#555"},
               capprops={"color": "#555"})


def _distribution_chart(dist: Mapping[str, Any]) -> Any:
    """Two panels (SME share, HHI): the national distribution on the top row, the scope's buyers by name below."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = dist["highlighted"]
    n = len(shown)
    fig = Figure(figsize=(9, max(3.0, 0.3 * (n + 1) + 1.6)), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharey=True)
    labels = [plain("\n".join(textwrap.wrap(f"all buyers, at least {dist['min_awards']} awards", 34)))]
    labels += [plain(textwrap.shorten(r["name"], 40, placeholder=" …")) for r in shown]
    panels = (("sme_share", 100.0, "SME share of awards with a reported size, %"), ("hhi", 1.0, "HHI by awards (redacted excluded)"))
    for ax, (key, scale, xlabel) in zip(axes, panels):
        national = [scale * v for v in dist["national"][key]]
        if national:
            _box_and_strip(ax, national, 0.0)
            mid = sorted(national)[len(national) // 2] if len(national) % 2 else sum(sorted(national)[len(national) // 2 - 1:len(national) // 2 + 1]) / 2
            ax.axvline(mid, color="#555", linestyle="--", linewidth=0.8)
        for i, r in enumerate(shown, 1):
            if r[key] is not None:
                ax.plot([scale * r[key]], [i], "o", color="#d8603b", markersize=6, zorder=3)
        ax.set_xlabel(xlabel + (f"\n{len(national):,} buyers; dashed line: their median" if national else ""), fontsize=8)
        top = max([*national, *(scale * r[key] for r in shown if r[key] is not None)], default=scale)
        ax.set_xlim(0, scale if key == "sme_share" else min(scale, math.ceil(top * 11) / 10))
        ax.grid(axis="x", color="#eee")
    axes[0].set_yticks(range(n + 1))
    axes[0].set_yticklabels(labels, fontsize=7)
    axes[0].set_ylim(n + 0.6, -0.6)
    more = dist["buyers_in_scope"] - n
    fig.suptitle(plain(f"{dist['scope']}: its buyers (orange" + (f"; the {n} largest of {dist['buyers_in_scope']}" if more > 0 else "")
                       + ") beside all Swedish buyers"), fontsize=9)
    return fig, axes[0]


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

    dist = (data.get("key_findings") or {}).get("distribution")
    if dist and (dist["national"]["sme_share"] or dist["national"]["hhi"]):
        fig, ax = _distribution_chart(dist)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        out["buyers_against_nation"] = buf.getvalue()
    rows = sorted((r for r in charts["sme_share_by_county"] if r["sme_share"] is not None),
                  key=lambda r: (r["sme_share"], r["nuts_code"]))
    if rows:
        fig = Figure(figsize=(7, max(3.6, 0.22 * len(rows) + 1.2)), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(111)
        scope = str((data.get("meta", {}).get("parameters") or {}).get("region") or "")
        colours = ["#d8603b" if scope and r["nuts_code"].startswith(scope) else "#3b7dd8" for r in rows]
        ax.barh([plain(r["name"] or r["nuts_code"]) for r in rows], [100 * r["sme_share"] for r in rows], color=colours)
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
        labels = [plain("\n".join(textwrap.wrap(f"{r['cpv_group']} {r['name'] or ''}{'' if one else ' (' + r['currency'] + ')'}".strip(),
                                           48, max_lines=2, placeholder=" …"))) for r in cpv]
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
