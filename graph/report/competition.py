"""The report's "Competition and risk signals" section: national, region and organisation figures, collected and drawn.

Figures come from ``graph.competition`` (definitions in docs/indicators.md) and the flags from
``graph.competition_flags``. ``collect_competition`` returns None when the graph holds none of what
only the tenders and procurements exports give (lots, appeals), so reports of graphs loaded without
them do not change. ``competition_sections`` draws
the data with the renderer's table type. Wording stays neutral: risk signals, not findings.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from graph.analysis.competition_network import (
    DEPENDENCE_MIN_AWARDS,
    DEPENDENCE_SHARE,
    SINGLE_BID_MIN_LOTS,
    SINGLE_BID_SHARE,
    dependence_graph,
    single_bid_buyer_graph,
    single_bid_suppliers,
    wins_from,
)
from graph.competition import MIN_CASES, PROCEDURE_WEIGHTS, RISK_COMPONENTS, Entity, Figure, compute_competition
from graph.competition_flags import CATALOGUE, raised

Q_HAS_DATA = ("MATCH (p:Procurement) WHERE p.appealed IS NOT NULL OR EXISTS { MATCH (p)-[:HAS_LOT]->(:Lot) } "
              "RETURN p.procurement_id LIMIT 1")
CAVEAT = ("Risk signals for a closer look, never findings of wrongdoing: a single tender or an appeal has many "
          f"ordinary causes. Figures on fewer than {MIN_CASES} cases are marked and raise no flag.")
LABELS = {
    "single_bid_rate": "single-bid rate (all lots)", "single_bid_rate_open": "single-bid rate (open/selective)",
    "tenders_mean": "tenders per lot (mean)", "tenders_median": "tenders per lot (median)",
    "non_open_share": "non-open procedure share", "appeal_rate": "appeal rate", "framework_share": "framework share",
    "coordinated_share": "coordinated-procurement share", "e_auction_share": "e-auction share",
    "unawarded_share": "procurements without any award", "top_winner_share": "largest winner's share of awards",
    "top_winner_share_value": "largest winner's share of award value",
}
RATIO = frozenset(LABELS) - {"tenders_mean", "tenders_median"}


def _fig(f: Figure) -> dict[str, Any]:
    d = f.as_dict()
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in d.items()}


def _entity(e: Entity) -> dict[str, Any]:
    risk = dict(e.risk)
    if risk.get("score") is not None:
        risk["score"] = round(risk["score"], 6)
    risk["components"] = {k: round(v, 6) for k, v in risk.get("components", {}).items()}
    return {"kind": e.kind, "key": e.key, "name": e.name, "figures": {k: _fig(f) for k, f in e.figures.items()},
            "risk": risk}


def collect_competition(store: Any, *, region: str | None = None, org: str | None = None,
                        top: int = 10) -> dict[str, Any] | None:
    """National figures, the scope's (a region's counties, an organisation as buyer and supplier),
    the buyers with the highest single-bid rate, captive suppliers and the flags raised."""
    if not list(store.rows(Q_HAS_DATA, {})):
        return None
    comp = compute_competition(store)
    scope: list[dict[str, Any]] = []
    if region:
        scope += [_entity(e) for k, e in sorted(comp.entities["county"].items()) if k.startswith(region)]
    if org:
        scope += [_entity(comp.entities[kind][org]) for kind in ("buyer", "supplier") if org in comp.entities[kind]]
    buyers = [e for e in comp.entities["buyer"].values()
              if e.figures["single_bid_rate"].value is not None and not e.figures["single_bid_rate"].few]
    buyers.sort(key=lambda e: (-(e.figures["single_bid_rate"].value or 0.0), e.key))
    counts = Counter(code for code, *_ in raised(comp))
    network = _network(comp, org, top)
    key_rows = _key_rows(comp, region, org)
    lot_keys = {(lt.procurement, lt.lot) for lt in comp.lots}
    return {
        "join": {"lots": len(lot_keys), "lots_with_awards": len(lot_keys & comp.awarded_lots),
                 "awarded_lots": len(comp.awarded_lots), "awarded_lots_without_tenders": len(comp.awarded_lots - lot_keys)},
        "caveat": CAVEAT,
        "national": {k: _fig(f) for k, f in comp.national.items()},
        "scope": scope,
        "highest_single_bid_rate": [_entity(e) for e in buyers[:top]],
        "captive": comp.captive[:top] if not org else [c for c in comp.captive if org in (c["buyer"], c["supplier"])],
        "winner_shares": [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in w.items()}
                          for w in comp.winner_shares.get(org, [])[:top]] if org else [],
        "network": network,
        "key_rows": key_rows,
        "captive_count": len(comp.captive),
        "heterogeneous_count": len(comp.heterogeneous),
        "procedure_weights": PROCEDURE_WEIGHTS,
        "risk_components": RISK_COMPONENTS,
        "flags": [{"code": f.code, "level": f.level, "title": f.title, "rule": f.rule, "anchor": f.anchor,
                   "raised": counts.get(f.code, 0)} for f in CATALOGUE],
    }


KEY_FIGURES = ("single_bid_rate", "tenders_mean")


def _key_rows(comp: Any, region: str | None, org: str | None) -> list[dict[str, Any]]:
    """Key-findings rows (graph/report/findings.py's shape) of the scope: the organisation as a buyer,
    else the region when it is a county, else the nation beside the median buyer (its percentile none).
    A scope without the figures (an organisation that buys nothing, a NUTS 2 region) gets no rows."""
    if org:
        kind, ent = "buyer", comp.entities["buyer"].get(org)
    elif region:
        kind, ent = "county", comp.entities["county"].get(region)  # a county (NUTS 3), as the key findings' region
    else:
        kind, ent = "buyer", None
    if (org or region) and ent is None:
        return []
    figures = ent.figures if ent is not None else comp.national
    rows = []
    for name in KEY_FIGURES:
        f = figures[name]
        pool = [e for e in comp.entities[kind].values() if name in e.figures and not e.figures[name].few
                and e.figures[name].value is not None]
        median = f.median if ent is not None else _median_of(pool, name)
        text = _value(name, f.value) + (f" ({f.numerator:,} of {f.n:,} lots)" if name == "single_bid_rate" and f.n else "")
        rows.append({"key": name, "label": LABELS[name] + (" (few cases)" if f.few else ""),
                     "value": None if f.value is None else round(f.value, 6), "text": text,
                     "coverage": f"{f.n:,} of {f.total:,} lots with a known tender count",
                     "median": None if median is None else round(median, 6),
                     "percentile": None if ent is None or f.percentile is None else round(100 * f.percentile, 1),
                     "peers": len(pool)})
    return rows


def _median_of(pool: list[Entity], name: str) -> float | None:
    values = [v for e in pool if (v := e.figures[name].value) is not None]
    return float(statistics.median(values)) if values else None


def _network(comp: Any, org: str | None, top: int) -> dict[str, Any]:
    """Single-bid suppliers, buyers tied by them and dependence edges (graph/analysis/competition_network.py),
    counted nationally; the strongest ties, or those of ``org``."""
    names = {e.key: e.name for kind in ("buyer", "supplier") for e in comp.entities[kind].values()}
    wins = wins_from(comp.lots, comp.winners)
    flagged = single_bid_suppliers(wins)
    ties = single_bid_buyer_graph(wins)
    deps = dependence_graph(comp.winner_shares)
    sups = [s for s in flagged if not org or org in flagged[s]["buyers"] or s == org]
    sups.sort(key=lambda s: (-flagged[s]["single"], s))
    edges = sorted((ties.edges(org) if org in ties else []) if org else ties.edges(),
                   key=lambda e: (-ties.edges[e]["weight"], sorted(e)))
    mine = ([*deps.out_edges(org), *deps.in_edges(org)] if org in deps else []) if org else list(deps.edges())
    dep = sorted(mine, key=lambda e: (-deps.edges[e]["share"], e))
    return {
        "rule": {"single_bid_min_lots": SINGLE_BID_MIN_LOTS, "single_bid_share": SINGLE_BID_SHARE,
                 "dependence_share": DEPENDENCE_SHARE, "dependence_min_awards": DEPENDENCE_MIN_AWARDS},
        "single_bid_suppliers": len(flagged), "buyers_tied": ties.number_of_nodes(), "buyer_ties": ties.number_of_edges(),
        "dependence_edges": deps.number_of_edges(),
        "suppliers": [{"supplier": s, "supplier_name": names.get(s), "lots": flagged[s]["lots"], "single": flagged[s]["single"],
                       "share": round(flagged[s]["share"], 6), "buyers": len(flagged[s]["buyers"])} for s in sups[:top]],
        "ties": [{"buyers": sorted(e), "names": [names.get(b) for b in sorted(e)], "suppliers": ties.edges[e]["weight"]}
                 for e in edges[:top]],
        "dependence": [{"buyer": b, "buyer_name": names.get(b), "supplier": s, "supplier_name": names.get(s),
                        "awards": d["awards"], "share": round(d["share"], 6),
                        "value_share": None if d["value_share"] is None else round(d["value_share"], 6)}
                       for b, s in dep[:top] for d in (deps.edges[b, s],)],
    }


def _network_blocks(net: Mapping[str, Any], table: Callable[[list[str], list[list[str]]], Any]) -> list[Any]:
    r = net["rule"]
    blocks: list[Any] = [
        f"Competition networks: {net['single_bid_suppliers']:,} suppliers won mostly single-bid lots (at least "
        f"{r['single_bid_share']:.0%} of at least {r['single_bid_min_lots']} won lots with a known tender count); they tie "
        f"{net['buyers_tied']:,} buyers in {net['buyer_ties']:,} buyer pairs (`stakenet export ... --network single_bid`). "
        f"{net['dependence_edges']:,} buyer-supplier dependence edges (a supplier holding at least "
        f"{r['dependence_share']:.0%} of a buyer's awards or their value, buyers with at least {r['dependence_min_awards']} awards)."]
    if net["suppliers"]:
        blocks.append(table(["supplier", "single-bid lots", "share", "buyers"],
                            [[str(s["supplier_name"] or s["supplier"]), f"{s['single']:,} of {s['lots']:,}", f"{s['share']:.0%}",
                              f"{s['buyers']:,}"] for s in net["suppliers"]]))
    if net["ties"]:
        blocks.append(table(["buyer", "buyer", "shared single-bid suppliers"],
                            [[str(t["names"][0] or t["buyers"][0]), str(t["names"][1] or t["buyers"][1]), f"{t['suppliers']:,}"]
                             for t in net["ties"]]))
    if net["dependence"]:
        blocks.append(table(["buyer", "supplier", "awards", "share of awards", "share of value"],
                            [[str(d["buyer_name"] or d["buyer"]), str(d["supplier_name"] or d["supplier"]), f"{d['awards']:,}",
                              f"{d['share']:.1%}", "n/a" if d["value_share"] is None else f"{d['value_share']:.1%}"]
                             for d in net["dependence"]]))
    return blocks


def _value(name: str, v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.2%}" if name in RATIO else f"{v:.2f}"


def _rows(figures: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    out = []
    for name, f in figures.items():
        cov = f.get("coverage")
        out.append([LABELS.get(name, name) + (" (few cases)" if f.get("few") else ""), _value(name, f["value"]),
                    f"{f['n']:,}", "n/a" if cov is None else f"{cov:.0%}", _value(name, f.get("median")),
                    "n/a" if f.get("percentile") is None else f"{f['percentile']:.0%}"])
    return out


def competition_sections(data: Mapping[str, Any] | None, table: Callable[[list[str], list[list[str]]], Any],
                         ) -> list[tuple[str, list[Any]]]:
    """The "Competition and risk signals" section as (heading, blocks); ``table`` is the renderer's table type."""
    if not data:
        return []
    head = ["indicator", "value", "cases (n)", "coverage", "national median", "percentile"]
    sb = data["national"]["single_bid_rate"]
    blocks: list[Any] = [
        data["caveat"],
        f"Nationally {sb['numerator']:,} of {sb['n']:,} lots received a single tender "
        f"({_value('single_bid_rate', sb['value'])}); {_value('tenders_mean', data['national']['tenders_mean']['value'])} "
        "tenders per lot on average. "
        f"{data['join']['lots_with_awards']:,} of the {data['join']['lots']:,} lots join an award on (buyer, "
        f"Upphandlings-ID, Anbudsområdes-ID); {data['join']['awarded_lots_without_tenders']:,} of "
        f"{data['join']['awarded_lots']:,} awarded lots have no tenders row (tenders received unknown).",
        table(head, _rows(data["national"])),
        "Non-open procedure share weights (in the style of the Fazekas index's procedure-type component): "
        + "; ".join(f"{k} {v:g}" for k, v in data["procedure_weights"].items())
        + ". Composite risk score: the mean of the available components, weights "
        + ", ".join(f"{k} {v:g}" for k, v in data["risk_components"].items()) + ".",
    ]
    for e in data["scope"]:
        risk = e["risk"]
        blocks.append(f"{e['name'] or e['key']} ({e['kind']} {e['key']}):")
        blocks.append(table(head, _rows(e["figures"])))
        score = "n/a" if risk.get("score") is None else f"{risk['score']:.3f}"
        blocks.append(f"Composite risk score {score} ({risk.get('coverage')}; mean of "
                      + (", ".join(f"{k} {v:.3f} (weight {risk['weights'][k]:g})" for k, v in risk["components"].items())
                         or "no component") + ").")
    if data.get("winner_shares"):
        blocks.append("Winner shares: each supplier's share of the organisation's non-redacted awards and of their known value:")
        blocks.append(table(["supplier", "awards", "share", "value share"],
                            [[str(w["supplier_name"] or w["supplier"]), f"{w['awards']:,}", f"{w['share']:.1%}",
                              "n/a" if w["value_share"] is None else f"{w['value_share']:.1%}"] for w in data["winner_shares"]]))
    blocks.append(f"Buyers with the highest single-bid rate (at least {MIN_CASES} lots with a known count):")
    blocks.append(table(["buyer", "single-bid rate", "lots", "risk score (components)"],
                        [[f"{e['name'] or e['key']} ({e['key']})", _value("single_bid_rate", e["figures"]["single_bid_rate"]["value"]),
                          f"{e['figures']['single_bid_rate']['n']:,}",
                          "n/a" if e["risk"].get("score") is None else f"{e['risk']['score']:.3f} ({e['risk']['coverage']})"]
                         for e in data["highest_single_bid_rate"]]))
    blocks.append(f"Captive suppliers (more than half of at least 3 awards from one buyer): {data['captive_count']:,}; "
                  f"heterogeneous suppliers (OCP Cardinal R048): {data['heterogeneous_count']:,}.")
    if data["captive"]:
        blocks.append(table(["supplier", "buyer", "awards from buyer", "share"],
                            [[str(c["supplier_name"] or c["supplier"]), str(c["buyer_name"] or c["buyer"]),
                              f"{c['awards_from_buyer']} of {c['awards']}", f"{c['share']:.0%}"] for c in data["captive"]]))
    if data.get("network"):
        blocks += _network_blocks(data["network"], table)
    blocks.append("Red-flag catalogue (`stakenet flags --list`) and how often each flag is raised:")
    blocks.append(table(["code", "level", "title", "raised", "anchor"],
                        [[f["code"], f["level"], f["title"], f"{f['raised']:,}", f["anchor"]] for f in data["flags"]]))
    return [("Competition and risk signals", blocks)]
