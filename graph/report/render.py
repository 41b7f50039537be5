"""Renders a report's data as JSON text, Markdown and HTML (Jinja2 templates, autoescaped).

Markdown and HTML draw the same sections (``_sections``: headings with paragraphs, bullet lists
and tables of plain text); each renderer escapes the text for its own format.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from graph.report.charts import CHART_TITLES
from graph.report.collaboration import collaboration_sections
from graph.report.competition import competition_sections
from graph.report.findings import findings_sections
from graph.report.names import org_label
from graph.report.rows import MIN_AWARDS_FOR_SIGNAL, hhi_text, share

TEMPLATES = Path(__file__).resolve().parent / "templates"


def to_json(data: Mapping[str, Any]) -> str:
    """The report as stable JSON text (sorted keys, UTF-8 characters kept)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# -- the sections both formats draw ---------------------------------------------------------------


def _fmt_share(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _fmt_money(value: float | None, currency: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f} {currency}".strip()


def _fmt_num(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _fmt_amounts(amounts: Mapping[str, float]) -> str:
    return ", ".join(_fmt_money(v, c) for c, v in amounts.items()) or "n/a"


def _fmt_counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def _org_cell(row: Mapping[str, Any]) -> str:
    """An organisation as people read it: its display name and organisation number, never an internal key."""
    return org_label(row["name"], row["org_id"])


@dataclass
class _Table:
    """A table both renderers draw: header and plain-text cells (escaping is the renderer's job)."""

    header: list[str]
    rows: list[list[str]]


APPENDIX = "Appendix: "
CHARTS_AFTER = APPENDIX + "top organisations"


def _sections(data: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
    """The report as (heading, blocks) where a block is a paragraph string, a list of strings or a _Table.

    Key findings for the scope first, then the scoped sections (organisation, region, who works with
    whom, views), then the national tables as an appendix, and database internals last.
    """
    meta = data["meta"]
    sections: list[tuple[str, list[Any]]] = []
    sections.extend(findings_sections(data.get("key_findings"), _Table, _org_cell))
    if data["org"]:
        sections.append((f"Organisation profile: {data['org']['name']}", _org_blocks(data["org"])))
    if data["region"]:
        sections.append((f"Region profile: {data['region']['name']} ({data['region']['nuts_code']})", _region_blocks(data["region"])))
    sections.extend(collaboration_sections(data.get("collaboration"), _Table))
    sections.extend(competition_sections(data.get("competition"), _Table))
    sections.append(("Interactive views", [
        "Pages to explore beside this report, written into its folder by `stakenet report`. To write one again, "
        "run its command in the report's folder:",
        _Table(["view", "command"], [[v["title"], v["command"]] for v in data["views"]]),
    ]))

    top = data["top"]
    blocks: list[Any] = []
    for metric, label in (("pagerank", "PageRank"), ("betweenness", "Betweenness")):
        if top[metric] and metric == "betweenness" and any(r["stderr"] for r in top[metric]):
            blocks.append(f"By {label} (estimated from sampled sources: value ± standard error; the rank is a band, "
                          "value ± 2 standard errors):")
            blocks.append(_Table(["rank", "organisation", label],
                                 [[_band(r["rank_band"]), _org_cell(r), _estimate(r["value"], r["stderr"] or 0.0)] for r in top[metric]]))
        elif top[metric]:
            blocks.append(f"By {label}:")
            blocks.append(_Table(["#", "organisation", label], [[str(i), _org_cell(r), f"{r['value']:.6f}"] for i, r in enumerate(top[metric], 1)]))
        elif metric in top.get("ranking_notes", {}):
            blocks.append(top["ranking_notes"][metric] + ".")
        else:
            blocks.append(f"{label}: not computed (run `stakenet analyze`).")
    if top["money_received"]:
        blocks.append("Money received from EU projects (EU budget of the projects they take part in):")
        blocks.append(_Table(["organisation", "projects", "EU budget"], [[_org_cell(r), _fmt_num(r["projects"]), _fmt_money(r["amount"], r["currency"])] for r in top["money_received"]]))
    if top["money_awarded"]:
        blocks.append("Money awarded through procurement (contract value, as buyer):")
        blocks.append(_Table(["organisation", "procurements", "value"], [[_org_cell(r), _fmt_num(r["procurements"]), _fmt_money(r["amount"], r["currency"])] for r in top["money_awarded"]]))
    if top["awards_won"]:
        blocks.append("Awards won (as supplier):")
        blocks.append(_Table(["organisation", "size", "awards", "procurements"], [[_org_cell(r), r["size"] or "unknown", _fmt_num(r["awards"]), _fmt_num(r["procurements"])] for r in top["awards_won"]]))
    sections.append((APPENDIX + "top organisations", blocks))

    com = data["communities"]
    if com["largest"]:
        blocks = [
            f"{com['count']:,} communities (Louvain, seeded). The largest:",
            _Table(
                ["community", "size", "SME share (awards of known size)", "leading members", "dominant buyers (share of awards)"],
                [
                    [str(c["community"]), _fmt_num(c["size"]), f"{_fmt_share(c['sme_share'])} of {c['size_known']:,}",
                     "; ".join(m["name"] for m in c["leading_members"]),
                     "; ".join(f"{b['name']} ({_fmt_share(b['share'])})" for b in c["dominant_buyers"]) or "none"]
                    for c in com["largest"]
                ],
            ),
        ]
    else:
        blocks = ["Communities are not computed yet (run `stakenet analyze`)."]
    sections.append((APPENDIX + "communities", blocks))

    b = data["buyers"]
    cov = b["coverage"]
    sections.append((APPENDIX + "buyer indicators", [
        b["caveat"],
        f"{b['count']:,} buyers, {b['located_in_county']:,} of them placed in a county. The {len(b['top'])} with the most awards:",
        *_buyer_blocks(b["top"]),
        f"Highest supplier concentration (HHI by awards; buyers with at least {MIN_AWARDS_FOR_SIGNAL} awards):",
        *_buyer_blocks(b["most_concentrated"]),
        f"Lowest SME share (buyers with at least {MIN_AWARDS_FOR_SIGNAL} awards of known supplier size):",
        *_buyer_blocks(b["lowest_sme_share"]),
        "Coverage (buyers with data / missing / not applicable): " + "; ".join(
            f"{k} {c['with_data']:,}/{c['missing']:,}/{c['not_applicable']:,}" for k, c in cov.items()),
        "Flags by notice database (Annonsdatabas): procurements published there and how many it flags; a database "
        "that never fills a flag cannot tell a flagged purchase from an unflagged one:",
        _Table(["notice database", "procurements", "env. sust. flagged", "social flagged", "innovation flagged"],
               [[f["notice_db"], _fmt_num(f["procurements"]),
                 *(_fmt_num(f[f"{short}_flagged"]) if f[f"{short}_filled"] else "never filled"
                   for short in ("env", "social", "innovation"))] for f in b["flag_coverage"]]),
    ]))

    br = data["bridges"]
    blocks = [
        f"{br['count']:,} organisations take part in EU projects and in procurement "
        f"({br['as_buyer']:,} as buyers, {br['as_supplier']:,} as suppliers)."
    ]
    if br["top"]:
        blocks.append(_Table(["organisation", "EU projects", "procurements as buyer", "awards as supplier", "PageRank"],
                             [[_org_cell(r), _fmt_num(r["projects"]), _fmt_num(r["procurements_as_buyer"]), _fmt_num(r["awards_as_supplier"]), _fmt_num(r["pagerank"])] for r in br["top"]]))
    sections.append((APPENDIX + "bridges between EU funding and procurement", blocks))

    sections.append(("About this report", [
        [f"stakenet {meta['stakenet_version']}, store: {meta['store']}",
         f"command: {meta['command']}",
         f"generated at {meta['generated_at']}",
         f"metric coverage: {_fmt_counts(meta['metric_coverage'])}"],
        *_overview_blocks(data["overview"]),
    ]))
    return sections


def _overview_blocks(ov: Mapping[str, Any]) -> list[Any]:
    """Database internals: node and relationship counts, sources, data quality."""
    q = ov["quality"]
    blocks: list[Any] = [
        f"{ov['total_nodes']:,} nodes and {ov['total_relationships']:,} relationships.",
        _Table(["node label", "count"], [[k, _fmt_num(v)] for k, v in ov["nodes"].items()]),
        _Table(["relationship type", "count"], [[k, _fmt_num(v)] for k, v in ov["relationships"].items()]),
    ]
    if ov["sources"]:
        blocks.append(
            _Table(
                ["source", "kind", "path", "loaded at", "rows", "rejected", "notes"],
                [[s["source_id"], s["kind"] or "", s["path"] or "", s["loaded_at"] or "", _fmt_num(s["rows"]),
                  _fmt_num(s["rejected"]), s["notes"] or ""] for s in ov["sources"]],
            )
        )
    else:
        blocks.append("No provenance (Source) nodes in the graph: the loader that made it did not record its files.")
    blocks.append(
        [
            f"{q['organisations']:,} organisations, {q['with_org_number']:,} with an organisation number, "
            f"{q['without_org_number']:,} without: {q['name_only']:,} known by name only (names not matched to a "
            f"numbered organisation), {q['anonymous']:,} anonymous (redacted persons), "
            f"{q['without_org_number'] - q['name_only'] - q['anonymous']:,} keyed otherwise (e.g. foreign)",
            f"{q['invalid_org_numbers']:,} organisation numbers fail their check digit or format"
            + (" (e.g. " + "; ".join(f"{e['name']} {e['org_number']}" for e in q["invalid_examples"]) + ")"
               if q["invalid_examples"] else ""),
            f"{q['rejected_rows']:,} source rows rejected at load",
            *[f"quality flag `{k}`: {v:,} organisations" for k, v in q["flags"].items()],
        ]
    )
    return blocks



def _buyer_blocks(buyers: Sequence[Mapping[str, Any]], label: str = "buyer") -> list[Any]:
    if not buyers:
        return ["No procurements in the graph."]
    blocks: list[Any] = [
        _Table(
            [label, "awards (redacted)", "suppliers", "HHI", "top supplier (share)", "SME share (n)", "env. sust. flagged",
             "social flagged", "innovation flagged"],
            [
                [_org_cell(r), f"{r['awards']:,} ({r['redacted_awards']:,})", _fmt_num(r["distinct_suppliers"]), hhi_text(r),
                 f"{r['top_supplier']['name']} ({_fmt_share(r['top_supplier_share'])})" if r["top_supplier"] else "n/a",
                 f"{_fmt_share(r['sme_share'])} ({r['size_known_awards']:,})",
                 *(_flagged_cell(r, short) for short in ("env", "social", "innovation"))]
                for r in buyers
            ],
        )
    ]
    blocks.append(
        "Suppliers, HHI, top supplier and SME share leave out redacted awards (won by natural persons, "
        "`Personuppgift`: who won is unknown); the HHI range runs from those excluded to all of them pooled "
        "as one supplier. SME share: awards won by micro, small or medium suppliers, of the non-redacted "
        "awards whose supplier size is reported. Flagged columns: procurements flagged environmentally "
        "sustainable, socially sustainable or innovation procurement, of the buyer's procurements published "
        "in a notice database that fills the flag at all; \"not reported\" where none of its notice databases "
        "ever fills it (an empty flag there says nothing). Definitions: docs/indicators.md."
    )
    signals = [f"{r['name']}: {s}" for r in buyers for s in r["signals"]]
    if signals:
        blocks.append("Indicators worth a closer look:")
        blocks.append(signals)
    return blocks


def _band(band: Sequence[int]) -> str:
    return str(band[0]) if band[0] == band[1] else f"{band[0]}–{band[1]}"


def _estimate(value: float, stderr: float) -> str:
    """'0.0123 ± 0.0015': no more digits than the standard error allows ('0.012300' when exact)."""
    if stderr <= 0:
        return f"{value:.6f}"
    digits = max(0, -int(math.floor(math.log10(stderr))) + 1)
    return f"{value:.{digits}f} ± {stderr:.{digits}f}"


def _flagged_cell(row: Mapping[str, Any], short: str) -> str:
    """'12.0% (89 of 730)': flagged, of the procurements in notice databases that fill the flag; else 'not reported'."""
    if row[f"{short}_status"] != "reported":
        return "not reported"
    flagged, total = row[f"{short}_flagged"], row[f"{short}_filled"]
    return f"{_fmt_share(share(flagged, total))} ({flagged:,} of {total:,})"


def _regions_text(regions: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(f"{r['name']} ({r['nuts_code']})" for r in regions)


def _region_blocks(r: Mapping[str, Any]) -> list[Any]:
    blocks: list[Any] = [[
        f"NUTS level {r['level']}; part of: {_regions_text(r['parents']) or 'n/a'}",
        f"sub-regions: {_regions_text(r['children']) or 'none'}",
        f"{r['organisations_located']:,} organisations located here; {r['beneficiaries']:,} beneficiaries of its projects",
        f"{r['projects']:,} EU projects ({_fmt_counts(r['projects_by_fund'])}); EU budget of the "
        f"{r['single_county_projects']:,} located in this county alone {_fmt_amounts(r['eu_budget'])}",
        (f"{len(r['multi_county_projects']):,} more projects span several counties (EU budget "
         f"{_fmt_amounts(r['multi_county_eu_budget'])}, listed apart, not added in)" if r["multi_county_projects"]
         else "no project of the region spans other counties"),
        f"{r['buyers']:,} buyers placed in the region with {r['awards']:,} awards; SME share "
        f"{_fmt_share(r['sme_share'])} of {r['size_known_awards']:,} non-redacted awards with reported supplier size",
    ]]
    if r["multi_county_projects"]:
        blocks.append("Projects spanning several counties (listed apart):")
        blocks.append(_Table(["project", "title", "counties", "EU budget"],
                             [[p["project_id"], p["title"] or "", _fmt_num(p["counties"]), _fmt_money(p["eu_budget"], p["currency"])]
                              for p in r["multi_county_projects"]]))
    if r["top_beneficiaries"]:
        blocks.append("Beneficiaries of the region's EU projects:")
        blocks.append(_Table(["organisation", "projects", "by fund", "granted"],
                             [[_org_cell(b), _fmt_num(b["projects"]), _fmt_counts(b["projects_by_fund"]), _fmt_amounts(b["granted"])] for b in r["top_beneficiaries"]]))
    if r["county_indicators"]:
        blocks.append("The county's buyers pooled (buyers placed in this county by their own location (procurement buyers: placed by name at load) or by their projects):")
        blocks.extend(_buyer_blocks([r["county_indicators"]], "county"))
    if r["top_buyers"]:
        blocks.append("Buyers placed in the region (the buyers the county figures pool):")
        blocks.extend(_buyer_blocks(r["top_buyers"]))
    return blocks


def _org_blocks(o: Mapping[str, Any]) -> list[Any]:
    ben, sup = o["beneficiary"], o["supplier"]
    m = o["metrics"]
    blocks: list[Any] = [[
        f"organisation number {o['org_number'] or 'unknown'}"
        + (" (fails its check digit)" if o["org_number_valid"] is False else ""),
        f"sector {o['sector'] or 'unknown'}; legal form {o['legal_form'] or 'unknown'}; size {o['size'] or 'unknown'}; country {o['country'] or 'unknown'}",
        f"also known as: {', '.join(o['aliases']) or 'no other names'}",
        f"located in: {_regions_text(o['regions']) or 'unknown'}",
        f"metrics: PageRank {_fmt_num(m['pagerank'])}, betweenness {_fmt_num(m['betweenness'])}, degree {_fmt_num(m['degree'])}, community {_fmt_num(m['community'])}",
        f"sources: {o['source'] or 'unknown'}" + (f"; quality flags: {o['quality']}" if o["quality"] else ""),
        f"EU projects: {ben['projects']:,} ({_fmt_counts(ben['projects_by_fund'])}), granted {_fmt_amounts(ben['granted'])}",
        f"as supplier: {sup['awards']:,} awards from {sup['buyers']:,} buyers",
    ]]
    if ben["top_projects"]:
        blocks.append(_Table(["project", "title", "role", "EU budget", "period"],
                             [[p["project_id"], p["title"] or "", p["role"] or "", _fmt_money(p["eu_budget"], p["currency"]), f"{p['start_date'] or '?'} – {p['end_date'] or '?'}"] for p in ben["top_projects"]]))
    if ben["partners"]:
        blocks.append("Project partners:")
        blocks.append(_Table(["organisation", "shared projects"], [[_org_cell(p), _fmt_num(p["projects"])] for p in ben["partners"]]))
    if o["buyer"]:
        blocks.append("As buyer:")
        blocks.extend(_buyer_blocks([o["buyer"]]))
        rows = [[_org_cell(s), s["size"] or "unknown", _fmt_num(s["awards"]), _fmt_share(s["share"])] for s in o["top_suppliers"]]
        redacted = o["buyer"]["redacted_awards"]
        if redacted:  # one row for them all: who won is unknown, and a list of "Personuppgift" says nothing
            rows.append([f"{redacted:,} awards to natural persons, redacted", "", _fmt_num(redacted),
                         _fmt_share(share(redacted, o["buyer"]["awards"]))])
        blocks.append(_Table(["supplier", "size", "awards", "share"], rows))
    if sup["top_buyers"]:
        blocks.append("Buyers awarding to it:")
        blocks.append(_Table(["buyer", "awards"], [[_org_cell(b), _fmt_num(b["awards"])] for b in sup["top_buyers"]]))
    return blocks


# -- Markdown -----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\*_\[\]|])")


def md_escape(value: Any) -> str:
    """Text from data made safe for a Markdown table cell (tags escaped, Markdown marks escaped).

    >>> md_escape("<b>A|B</b>")
    '&lt;b&gt;A\\\\|B&lt;/b&gt;'
    """
    text = "" if value is None else str(value)
    # < and > are what could open raw HTML in a Markdown viewer; & stays readable (A & B).
    text = text.replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ").replace("\r", " ")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if text.count("`") % 2:  # an unbalanced backtick would open a code span over the rest of the line
        text = text.replace("`", "\\`")
    return "\\" + text if text.startswith("#") else text


def _md_code(text: str) -> str:
    return text.replace("`", "'")


def render_markdown(data: Mapping[str, Any], chart_files: Mapping[str, str] | None = None) -> str:
    """The report as Markdown; ``chart_files`` maps chart names to image paths relative to the file."""
    meta = data["meta"]
    lines = [f"# {md_escape(meta['title'])}", ""]
    for note in meta["notes"]:
        lines += [f"> **{md_escape(note)}**", ""]
    lines += [f"stakenet {md_escape(meta['stakenet_version'])} · generated {md_escape(meta['generated_at'])} · `{_md_code(meta['command'])}`", ""]
    for heading, blocks in _sections(data):
        lines += [f"## {md_escape(heading)}", ""]
        for block in blocks:
            if isinstance(block, _Table):
                lines.append("| " + " | ".join(md_escape(h) for h in block.header) + " |")
                lines.append("|" + "---|" * len(block.header))
                lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in block.rows]
            elif isinstance(block, list):
                lines += [f"- {md_escape(item)}" for item in block]
            else:
                lines.append(md_escape(block))
            lines.append("")
        if heading == CHARTS_AFTER and chart_files:
            lines += ["## Charts", ""]
            for name, path in chart_files.items():
                lines += [f"![{CHART_TITLES[name]}]({path})", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# -- HTML ---------------------------------------------------------------------------------------

def _html_escape(value: Any) -> Markup:
    """Every ``{{ value }}`` in the HTML templates: None as empty text, escaped by ``html.escape``.

    Autoescaping is on; this ``finalize`` only makes it use the standard library's entities (``&#x27;``,
    ``&quot;``) that the report has always written, so the HTML stays byte-identical.
    """
    return Markup(html.escape("" if value is None else str(value), quote=True))


def _anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-") or "section"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        finalize=_html_escape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["anchor"] = _anchor
    env.tests["table"] = lambda block: isinstance(block, _Table)
    env.tests["bullets"] = lambda block: isinstance(block, list)
    return env


def render_html(data: Mapping[str, Any], charts: Mapping[str, bytes] | None = None) -> str:
    """The report as one self-contained HTML page: no scripts, charts inlined as base64 PNG."""
    sections = _sections(data)
    headings = [h for h, _ in sections]
    if charts:
        headings.insert(headings.index(CHARTS_AFTER) + 1, "Charts")
    figures = [(CHART_TITLES[name], base64.b64encode(png).decode("ascii")) for name, png in (charts or {}).items()]
    return _environment().get_template("report.html").render(
        meta=data["meta"], headings=headings, sections=sections, figures=figures, views=data["views"],
        charts_after=CHARTS_AFTER,
    )
