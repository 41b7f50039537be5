"""Key findings of a report: the figures that matter for its scope, each against its peers and the nation.

The scope is the organisation (``--org``), else the region (``--region``), else the nation. Each
figure is one of docs/indicators.md, with its coverage, beside the median of the scope's peers and
its percentile among them ("Comparison with peers" in docs/indicators.md): a buyer is compared with
the buyers of the same kind (its sector and legal form as the procurement statistics give them:
regions with regions, municipalities with municipalities), a county with the other counties. The
nation has no peers; its figures stand beside the median buyer.

Hook for the competition section (graph/report/competition.py): rows it puts in
``report["key_findings"]["competition"]`` (the shape of ``rows`` here) are drawn in the key
findings table after these, when that section's data are present.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from graph.indicators import Award, Indicators, MarketIndicators, market_indicators
from graph.report.names import apply_display_names, org_label
from graph.report.rows import MIN_AWARDS_FOR_SIGNAL, org_names, query_rows, round6

Q_BUYER_KIND = (
    "MATCH (o:Organisation)-[:BUYER_OF]->(:Procurement) "
    "RETURN DISTINCT o.org_id AS org_id, o.sector AS sector, o.legal_form AS legal_form"
)
Q_PARTNER_COUNT = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(:Project)<-[:BENEFICIARY_OF]-(x:Organisation) "
    "WHERE o.org_id = $id AND x.org_id <> $id RETURN count(DISTINCT x) AS partners"
)
Q_CURRENCIES = (
    "MATCH (:Organisation)-[:BUYER_OF]->(p:Procurement) WHERE p.value IS NOT NULL "
    "RETURN DISTINCT coalesce(p.currency, '') AS currency ORDER BY currency"
)

# (sector, legal form) of the Swedish statistics -> what the peers are called.
KIND_NAMES = {
    ("Region", "Regioner"): "regions",
    ("Kommun", "Kommuner"): "municipalities",
    ("Kommun", "Kommunalförbund"): "municipal federations",
    ("Kommun", "Övriga aktiebolag"): "municipal companies",
    ("Region", "Övriga aktiebolag"): "regional companies",
    ("Stat", "Statliga enheter"): "state agencies",
    ("Stat", "Övriga aktiebolag"): "state-owned companies",
}


def kind_name(sector: str | None, legal_form: str | None) -> str | None:
    """What buyers of one kind are called ('regions'); None when the sector is unknown.

    >>> kind_name("Kommun", "Kommuner"), kind_name("Annat", "Ideella föreningar"), kind_name(None, None)
    ('municipalities', 'buyers of sector Annat, Ideella föreningar', None)
    """
    if not sector:
        return None
    known = KIND_NAMES.get((sector, legal_form or "")) or KIND_NAMES.get((legal_form or "", sector))
    return known or f"buyers of sector {sector}" + (f", {legal_form}" if legal_form else "")


def percentile(value: float | None, peers: Sequence[float]) -> float | None:
    """Percentile rank of ``value`` among ``peers``: the share of peers below it, ties counted half (0-100).

    >>> percentile(3, [1, 2, 3, 4]), percentile(None, [1]), percentile(1, [])
    (62.5, None, None)
    """
    if value is None or not peers:
        return None
    below = sum(1 for p in peers if p < value)
    equal = sum(1 for p in peers if p == value)
    return round(100 * (below + equal / 2) / len(peers), 1)


def median(values: Sequence[float]) -> float | None:
    """The median, None of nothing.

    >>> median([3, 1, 2]), median([1, 2]), median([])
    (2, 1.5, None)
    """
    s = sorted(values)
    if not s:
        return None
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _coverage_counts(awards: Sequence[Award]) -> dict[str, int]:
    """How many of the awards each value-based figure rests on (redacted excluded)."""
    named = [a for a in awards if not a.redacted]
    sized = [a for a in named if a.size]
    return {
        "named": len(named),
        "named_valued": sum(1 for a in named if not math.isnan(a.value)),
        "sized": len(sized),
        "sized_valued": sum(1 for a in sized if not math.isnan(a.value)),
    }


# -- one scope's figures --------------------------------------------------------------------------

# (key, label, attribute of MarketIndicators or a function of it)
FIGURES: tuple[tuple[str, str, Callable[[MarketIndicators], float | None]], ...] = (
    ("value", "purchasing volume (value of the awards)", lambda m: m.value if m.valued_awards else None),
    ("awards", "awards (lots won)", lambda m: float(m.awards)),
    ("suppliers", "distinct suppliers", lambda m: float(m.suppliers)),
    ("hhi", "concentration, HHI by awards", lambda m: m.hhi_count),
    ("hhi_value", "concentration, HHI by value", lambda m: m.hhi_value),
    ("top_share", "largest supplier's share of awards", lambda m: m.top_share_count),
    ("top_share_value", "largest supplier's share of value", lambda m: m.top_share_value),
    ("sme_share", "SME share by awards", lambda m: m.sme_share_count),
    ("sme_share_value", "SME share by value", lambda m: m.sme_share_value),
)


def _text(key: str, m: MarketIndicators, cov: Mapping[str, int], currency: str) -> tuple[str, str]:
    """The figure as words and what it rests on."""
    redacted = f"; {m.redacted_awards:,} redacted awards excluded" if m.redacted_awards else ""
    if key == "value":
        return (f"{m.value:,.0f} {currency}".strip() if m.valued_awards else "n/a",
                f"value known for {m.valued_awards:,} of {m.awards:,} awards")
    if key == "awards":
        return f"{m.awards:,}", f"{m.procurements:,} procurements; {m.redacted_awards:,} awards to natural persons, redacted"
    if key == "suppliers":
        return f"{m.suppliers:,}", f"of {cov['named']:,} non-redacted awards"
    if key == "hhi":
        rng = m.hhi_range
        text = "n/a" if m.hhi_count is None else f"{m.hhi_count:.3f}"
        if rng and m.redacted_awards:
            text += f" (range {rng[0]:.3f}–{rng[1]:.3f})"
        return text, f"{cov['named']:,} non-redacted awards{redacted}"
    if key == "hhi_value":
        return ("n/a" if m.hhi_value is None else f"{m.hhi_value:.3f}",
                f"value known for {cov['named_valued']:,} of {cov['named']:,} non-redacted awards")
    if key == "top_share":
        return _pct(m.top_share_count), f"{cov['named']:,} non-redacted awards"
    if key == "top_share_value":
        return _pct(m.top_share_value), f"value known for {cov['named_valued']:,} of {cov['named']:,} non-redacted awards"
    if key == "sme_share":
        return (_pct(m.sme_share_count) + (f" ({m.sme_awards:,} of {m.sized_awards:,})" if m.sized_awards else ""),
                f"{m.sized_awards:,} awards with a reported supplier size{redacted}")
    return (_pct(m.sme_share_value),
            f"value known for {cov['sized_valued']:,} of {cov['sized']:,} awards with a reported size{redacted}")


def scope_rows(m: MarketIndicators, awards: Sequence[Award], peers: Sequence[MarketIndicators], currency: str) -> list[dict[str, Any]]:
    """The key-findings rows of one buyer or pooled county ``m`` against ``peers`` (which may include it)."""
    cov = _coverage_counts(awards)
    rows = []
    for key, label, get in FIGURES:
        value = get(m)
        peer_values = [v for v in (get(p) for p in peers) if v is not None]
        text, coverage = _text(key, m, cov, currency)
        rows.append({
            "key": key, "label": f"{label}, {currency}" if key == "value" and currency else label, "value": round6(value), "text": text, "coverage": coverage,
            "median": round6(median(peer_values)), "percentile": percentile(value, peer_values), "peers": len(peer_values),
        })
    return rows


NUTS_PEERS = {0: "countries", 1: "NUTS 1 regions", 2: "NUTS 2 regions", 3: "counties"}


def same_level_regions(ind: Indicators, per_buyer: Mapping[str, Sequence[Award]], region: Mapping[str, Any],
                       ) -> tuple[MarketIndicators | None, list[MarketIndicators], str]:
    """The region's pooled figures, its peers (every region of its NUTS level with placed buyers) and what
    they are called: a county (NUTS 3) among the counties, a NUTS 2 region among the NUTS 2 regions,
    each pooling the buyers placed in its counties and nobody else (docs/indicators.md)."""
    code = str(region["nuts_code"])
    level = len(code) - 2  # NUTS codes: the country's two letters, then one character per level
    if level >= 3:
        county = next((c for c in ind.counties if c.key == code), None)
        return county, list(ind.counties), NUTS_PEERS[3]
    groups: dict[str, list[str]] = defaultdict(list)
    for buyer, county_code in sorted(ind.county_of.items()):
        groups[county_code[:len(code)]].append(buyer)
    pooled = {prefix: market_indicators(prefix, None, [a for b in members for a in per_buyer.get(b, [])], {},
                                        buyers=len(members)) for prefix, members in sorted(groups.items())}
    return pooled.get(code), list(pooled.values()), NUTS_PEERS.get(level, f"NUTS {level} regions")


DISTRIBUTION_SHOWN = 15


def distribution(ind: Indicators, highlighted: Sequence[MarketIndicators], scope: str) -> dict[str, Any]:
    """Every buyer's SME share and HHI by awards (buyers with at least MIN_AWARDS_FOR_SIGNAL awards of the
    figure's denominator), and the scope's buyers among them, for the chart beside the national distribution."""
    def sme_ok(m: MarketIndicators) -> bool:
        return m.sme_share_count is not None and m.sized_awards >= MIN_AWARDS_FOR_SIGNAL

    def hhi_ok(m: MarketIndicators) -> bool:
        return m.hhi_count is not None and m.awards - m.redacted_awards >= MIN_AWARDS_FOR_SIGNAL

    shown = sorted((m for m in highlighted if sme_ok(m) or hhi_ok(m)), key=lambda m: (-m.awards, m.key))
    return {
        "scope": scope,
        "min_awards": MIN_AWARDS_FOR_SIGNAL,
        "national": {"sme_share": sorted(round6(m.sme_share_count) for m in ind.buyers if sme_ok(m)),
                     "hhi": sorted(round6(m.hhi_count) for m in ind.buyers if hhi_ok(m))},
        "buyers_in_scope": len(shown),
        "highlighted": [{"org_id": m.key, "name": m.name or m.key, "awards": m.awards, "sized_awards": m.sized_awards,
                         "sme_share": round6(m.sme_share_count) if sme_ok(m) else None,
                         "hhi": round6(m.hhi_count) if hhi_ok(m) else None} for m in shown[:DISTRIBUTION_SHOWN]],
    }


def _dependencies(store: Any, awards: Sequence[Award], top: int = 3) -> list[dict[str, Any]]:
    """The suppliers a buyer depends on most: largest share of its non-redacted awards by value, then by count."""
    count: Counter[str] = Counter()
    value: dict[str, float] = defaultdict(float)
    for a in awards:
        if a.redacted:
            continue
        count[a.supplier] += 1
        if not math.isnan(a.value):
            value[a.supplier] += a.value
    n, total = sum(count.values()), sum(value.values())
    chosen = sorted(count, key=lambda s: (-value.get(s, 0.0), -count[s], s))[:top]
    names = org_names(store, chosen)
    return [{"org_id": s, "name": names.get(s) or s, "awards": count[s], "share": round6(count[s] / n),
             "share_value": round6(value.get(s, 0.0) / total) if total > 0 else None} for s in chosen]


def _region_dependencies(store: Any, in_region: Sequence[MarketIndicators], top: int = 3) -> list[dict[str, Any]]:
    """The region's buyers most dependent on one supplier (at least MIN_AWARDS_FOR_SIGNAL awards)."""
    ranked = sorted((m for m in in_region if m.awards >= MIN_AWARDS_FOR_SIGNAL and m.top_share_count is not None),
                    key=lambda m: (-(m.top_share_count or 0.0), m.key))[:top]
    names = org_names(store, [m.top_supplier for m in ranked] + [m.key for m in ranked])
    return [{"org_id": m.key, "name": m.name or names.get(m.key) or m.key,
             "supplier": {"org_id": m.top_supplier, "name": names.get(m.top_supplier or "") or m.top_supplier},
             "awards": m.awards, "share": round6(m.top_share_count), "share_value": round6(m.top_share_value)}
            for m in ranked]


# -- the whole block ------------------------------------------------------------------------------


def collect_findings(
    store: Any,
    ind: Indicators,
    per_buyer: Mapping[str, Sequence[Award]],
    *,
    region: Mapping[str, Any] | None,
    org: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The "Key findings" block: scope, sentences, and per scope a table of figures against peers."""
    currencies = [r["currency"] for r in query_rows(store, Q_CURRENCIES)]
    currency = currencies[0] if len(currencies) == 1 else ""
    kinds = {r["org_id"]: kind_name(r["sector"], r["legal_form"]) for r in query_rows(store, Q_BUYER_KIND)}
    buyers = {m.key: m for m in ind.buyers}
    tables: list[dict[str, Any]] = []
    sentences: list[str] = []
    dependencies: list[dict[str, Any]] = []
    in_region: list[MarketIndicators] = []
    if org is not None and org["org_id"] in buyers:
        m = buyers[org["org_id"]]
        kind = kinds.get(m.key)
        peers = [b for b in ind.buyers if kind and kinds.get(b.key) == kind]
        rows = scope_rows(m, per_buyer.get(m.key, []), peers, currency)
        tables.append({"scope": org_label(org["name"], org["org_id"]), "peers": kind, "rows": rows})
        dependencies = _dependencies(store, per_buyer.get(m.key, []))
        apply_display_names(store, dependencies)
        sentences += _buyer_sentences(org["name"], m, rows, kind, dependencies, currency)
    if org is not None:
        sentences += _org_eu_sentences(store, org)
    if region is not None:
        in_region = [b for b in ind.buyers if ind.county_of.get(b.key, "").startswith(region["nuts_code"])]
        county, peers_of_level, peer_kind = same_level_regions(ind, per_buyer, region)
        if county is not None:
            pooled = [a for b in in_region for a in per_buyer.get(b.key, [])]
            rows = scope_rows(county, pooled, peers_of_level, currency)
            tables.append({"scope": f"{region['name']} ({region['nuts_code']}), {county.buyers:,} buyer{'s' if county.buyers != 1 else ''} pooled",
                           "peers": peer_kind, "rows": rows})
            sentences += _region_sentences(region, county, rows, peer_kind)
        else:
            sentences.append(f"No buyer is placed in {region['name']} ({region['nuts_code']}): there is no procurement "
                             "figure to compare with other regions of its NUTS level.")
        if not dependencies:
            dependencies = _region_dependencies(store, in_region)
            apply_display_names(store, dependencies)
        sentences += _region_eu_sentences(region)
    if region is None and org is None and ind.buyers:
        nation = market_indicators("nation", "all buyers", [a for b in ind.buyers for a in per_buyer.get(b.key, [])], {},
                                   buyers=len(ind.buyers))
        rows = scope_rows(nation, [a for b in ind.buyers for a in per_buyer.get(b.key, [])], ind.buyers, currency)
        for row in rows:
            row["percentile"] = None  # the nation is not one of the buyers
        tables.append({"scope": f"all {len(ind.buyers):,} buyers pooled", "peers": "buyers", "rows": rows})
        sentences.append(
            f"{len(ind.buyers):,} buyers made {nation.awards:,} awards to {nation.suppliers:,} distinct suppliers; SMEs won "
            f"{_pct(nation.sme_share_count)} of the {nation.sized_awards:,} awards with a reported supplier size and "
            f"{_pct(nation.sme_share_value)} of their value ({nation.redacted_awards:,} awards to natural persons, redacted, excluded).")
    if not tables and not sentences:
        sentences.append("No procurement or EU project of this scope is in the graph.")
    out: dict[str, Any] = {"sentences": sentences, "tables": tables, "dependencies": dependencies, "competition": None}
    if region is not None and in_region:
        out["distribution"] = distribution(ind, in_region, f"{region['name']} ({region['nuts_code']})")
    elif org is not None and org["org_id"] in buyers:
        out["distribution"] = distribution(ind, [buyers[org["org_id"]]], org_label(org["name"], org["org_id"]))
    if "distribution" in out:
        apply_display_names(store, out["distribution"]["highlighted"])
    return out


def _compare(row: Mapping[str, Any], kind: str | None, as_share: bool = True) -> str:
    if row["median"] is None or row["percentile"] is None:
        return ""
    med = _pct(row["median"]) if as_share else f"{row['median']:.3f}"
    return f" (median of the {row['peers']:,} {kind}: {med}; percentile {row['percentile']:.0f})"


def _buyer_sentences(name: str, m: MarketIndicators, rows: Sequence[Mapping[str, Any]], kind: str | None,
                     deps: Sequence[Mapping[str, Any]], currency: str) -> list[str]:
    r = {row["key"]: row for row in rows}
    out = [
        f"{name} made {m.awards:,} awards in {m.procurements:,} procurements to {m.suppliers:,} distinct suppliers"
        + (f", worth {m.value:,.0f} {currency} where the value is known ({m.valued_awards:,} of {m.awards:,} awards)".replace("  ", " ")
           if m.valued_awards else "") + ".",
        f"SMEs won {r['sme_share']['text']} of its awards with a reported supplier size{_compare(r['sme_share'], kind)}"
        f" and {_pct(m.sme_share_value)} of their value{_compare(r['sme_share_value'], kind)}; "
        f"{m.redacted_awards:,} awards to natural persons (redacted) are left out.",
        f"Concentration: HHI {r['hhi']['text']} by awards{_compare(r['hhi'], kind, False)}, "
        f"{r['hhi_value']['text']} by value{_compare(r['hhi_value'], kind, False)}.",
    ]
    if deps:
        d = deps[0]
        out.append(f"Strongest dependency: {d['name']} holds {_pct(d['share'])} of its non-redacted awards"
                   + (f" and {_pct(d['share_value'])} of their value." if d["share_value"] is not None else "."))
    return out


def _org_eu_sentences(store: Any, org: Mapping[str, Any]) -> list[str]:
    ben = org["beneficiary"]
    if not ben["projects"]:
        return [f"{org['name']} takes part in no EU project in the graph."]
    partners = int(query_rows(store, Q_PARTNER_COUNT, {"id": org["org_id"]})[0]["partners"] or 0)
    funds = ", ".join(f"{k} {v:,}" for k, v in ben["projects_by_fund"].items())
    granted = ", ".join(f"{v:,.0f} {c}" for c, v in ben["granted"].items()) or "no known amount"
    return [f"{org['name']} takes part in {ben['projects']:,} EU projects ({funds}), granted {granted}, "
            + (f"with {partners:,} partner organisation{'s' if partners != 1 else ''}." if partners
               else "with no partner organisation recorded in the graph.")]


def _region_sentences(region: Mapping[str, Any], county: MarketIndicators, rows: Sequence[Mapping[str, Any]],
                      kind: str = "counties") -> list[str]:
    r = {row["key"]: row for row in rows}
    return [f"The {county.buyers:,} buyer{'s' if county.buyers != 1 else ''} placed in {region['name']} made {county.awards:,} awards; SMEs won "
            f"{r['sme_share']['text']} of those with a reported size{_compare(r['sme_share'], kind)} and "
            f"{r['sme_share_value']['text']} of their value{_compare(r['sme_share_value'], kind)}."]


def _region_eu_sentences(region: Mapping[str, Any]) -> list[str]:
    budget = ", ".join(f"{v:,.0f} {c}" for c, v in region["eu_budget"].items()) or "no known amount"
    return [f"{region['projects']:,} EU projects are located in {region['name']}, with {region['beneficiaries']:,} "
            f"beneficiaries; the {region['single_county_projects']:,} located there alone have an EU budget of {budget}."]


# -- as sections ----------------------------------------------------------------------------------

_SHARES = {"top_share", "top_share_value", "sme_share", "sme_share_value", "single_bid_rate"}


def _fmt(key: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if key in _SHARES:
        return _pct(value)
    if key in ("hhi", "hhi_value"):
        return f"{value:.3f}"
    if key == "tenders_mean":  # the competition hook's tenders per lot
        return f"{value:.2f}"
    return f"{value:,.0f}"


def _table_rows(rows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    return [[r["label"], r["text"], r["coverage"], _fmt(r["key"], r["median"]) + (f" (of {r['peers']:,})" if r["peers"] else ""),
             "n/a" if r["percentile"] is None else f"{r['percentile']:.0f}"] for r in rows]


def findings_sections(data: Mapping[str, Any] | None, table: Callable[[list[str], list[list[str]]], Any],
                      label: Callable[[Mapping[str, Any]], str]) -> list[tuple[str, list[Any]]]:
    """The "Key findings" section as (heading, blocks); ``table`` is the renderer's table type,
    ``label`` names an organisation as the report shows it."""
    if not data:
        return []
    blocks: list[Any] = list(data["sentences"])
    for t in data["tables"]:
        peers = t["peers"] or "peers"
        blocks.append(f"{t['scope']}, beside the median of the Swedish {peers} and its percentile among them "
                      "(0: lowest, 100: highest):")
        blocks.append(table(["figure", "value", "rests on", f"median of {peers}", "percentile"], _table_rows(t["rows"])))
    dist = data.get("distribution")
    if dist:
        blocks.append(f"The chart \"The scope's buyers beside all Swedish buyers\" (under Charts) places {dist['scope']}'s "
                      f"{dist['buyers_in_scope']:,} buyer{'s' if dist['buyers_in_scope'] != 1 else ''} with at least "
                      f"{dist['min_awards']} awards in the national distribution of SME share and HHI by awards.")
    if data.get("competition"):
        blocks.append("Competition (from the competition section):")
        blocks.append(table(["figure", "value", "rests on", "median of peers", "percentile"], _table_rows(data["competition"])))
    deps = data["dependencies"]
    if deps and "supplier" in deps[0]:
        blocks.append(f"Strongest dependencies: the region's buyers (at least {MIN_AWARDS_FOR_SIGNAL} awards) whose "
                      "largest supplier holds the largest share of their awards:")
        blocks.append(table(["buyer", "largest supplier", "awards", "share of awards", "share of value"],
                            [[label(d), label(d["supplier"]), f"{d['awards']:,}", _pct(d["share"]), _pct(d["share_value"])]
                             for d in deps]))
    elif deps:
        blocks.append("Strongest dependencies: the suppliers with the largest share of its non-redacted awards' value:")
        blocks.append(table(["supplier", "awards", "share of awards", "share of value"],
                            [[label(d), f"{d['awards']:,}", _pct(d["share"]), _pct(d["share_value"])] for d in deps]))
    blocks.append("Risk indicators, not verdicts; definitions, coverage and exclusions: docs/indicators.md. National "
                  "tables are in the appendix, database internals in \"About this report\".")
    return [("Key findings", blocks)]
