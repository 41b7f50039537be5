"""EU Knowledge Graph SPARQL: the query text as constants and the pure builders that fill it in.

Only standard SPARQL 1.1 is used (no ``SERVICE wikibase:label``, no Blazegraph hints): labels come
from ``rdfs:label`` and are chosen in the parser (English, then the project's own language). Pages
use keyset paging: items ordered by their IRI string, each page starts after the last IRI of the
previous one (``FILTER(STR(?item) > "...")``), never a deep OFFSET. A page is two requests: the
keyset step picks its items, then one query asks for exactly those items' facts (``VALUES ?item``)
in long form (one row per item and value), so rows grow with facts, not with their product. (A
single query joining a keyset subquery to the facts made pyoxigraph evaluate the facts over the
whole store: 25 s per page at 10,000 projects, against 0.3 s with VALUES.) Funds, programmes,
themes, regions and countries are few: they are fetched once per harvest by small reference
queries (``REFERENCE_SELECTORS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from graph.errors import SourceError

DEFAULT_ENDPOINT = "https://query.linkedopendata.eu/bigdata/namespace/wdq/sparql"
SOURCE = "eukg"
DEFAULT_PAGE_SIZE = 1000
REFERENCE_PAGE_SIZE = 2000

WD = "https://linkedopendata.eu/entity/"

PREFIXES = """\
PREFIX wd: <https://linkedopendata.eu/entity/>
PREFIX wdt: <https://linkedopendata.eu/prop/direct/>
PREFIX p: <https://linkedopendata.eu/prop/>
PREFIX ps: <https://linkedopendata.eu/prop/statement/>
PREFIX psv: <https://linkedopendata.eu/prop/statement/value/>
PREFIX pq: <https://linkedopendata.eu/prop/qualifier/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

# Step 1 of a page: the next ``limit`` items after the last IRI of the previous page (keyset).
KEYSET_TEMPLATE = """\
{prefixes}SELECT DISTINCT ?item WHERE {{
{selector}
  FILTER(STR(?item) > "{after}")
}}
ORDER BY STR(?item)
LIMIT {limit}
"""

# The benchmark's baseline only (harvests never use it): the same page found by skipping items.
OFFSET_TEMPLATE = """\
{prefixes}SELECT DISTINCT ?item WHERE {{
{selector}
}}
ORDER BY STR(?item)
OFFSET {offset}
LIMIT {limit}
"""

# Step 2 of a page: the facts of exactly those items, in long form (one row per item and value),
# so rows grow with facts, not with their product. Items are given by VALUES: engines then look
# each item up by its subject (a subquery join made the local engine scan the whole store).
FACTS_TEMPLATE = """\
{prefixes}SELECT ?item ?prop ?value ?unit ?unitLabel ?ref ?refProp WHERE {{
  VALUES ?item {{ {items} }}
{branches}
}}
"""

DIRECT_BRANCH = "  {{ VALUES ?prop {{ {props} }} ?item ?prop ?value . }}"
QUANTITY_BRANCH = (
    "  UNION {{ VALUES (?prop ?valueProp) {{ {pairs} }} ?item ?prop ?st . ?st ?valueProp ?qv .\n"
    "    ?qv wikibase:quantityAmount ?value ; wikibase:quantityUnit ?unit .\n"
    "    FILTER NOT EXISTS {{ ?st wikibase:rank wikibase:DeprecatedRank }}\n"
    '    OPTIONAL {{ ?unit rdfs:label ?unitLabel . FILTER(LANGMATCHES(LANG(?unitLabel), "en")) }} }}'
)
LINKED_BRANCH = (
    "  UNION {{ VALUES ?prop {{ {links} }} VALUES ?refProp {{ {ref_props} }}\n"
    "    ?item ?prop ?ref . ?ref ?refProp ?value . }}"
)

PROJECT_SELECTOR = "  ?item wdt:P35 wd:Q9934 ."
COUNTRY_FILTER = '  ?item wdt:P32 ?filterCountry . ?filterCountry wdt:P173 "{code}" .'
COUNTRY_QID_FILTER = "  ?item wdt:P32 wd:{qid} ."
NUTS_FILTER = '  ?filterNuts wdt:P192 "{code}" . ?filterRegion wdt:P1845* ?filterNuts . ?item wdt:P1845 ?filterRegion .'

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
WDT = "https://linkedopendata.eu/prop/direct/"
P = "https://linkedopendata.eu/prop/"
PSV = "https://linkedopendata.eu/prop/statement/value/"


def _curie(iri: str) -> str:
    for prefix, ns in (("wdt:", WDT), ("psv:", PSV), ("p:", P), ("wd:", WD)):
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return "rdfs:label" if iri == RDFS_LABEL else f"<{iri}>"


# Fact keys by the property that holds them: (prop, None) for a direct value or quantity,
# (link, refProp) for a fact of a linked item (the beneficiary's label and country).
PROJECT_FACTS: dict[tuple[str, str | None], str] = {
    (RDFS_LABEL, None): "label",
    (WDT + "P581563", None): "curated_label",
    (WDT + "P836", None): "summary",
    (WDT + "P20", None): "start",
    (WDT + "P33", None): "end",
    (WDT + "P838", None): "expected_end",
    (WDT + "P460", None): "postal_code",
    (WDT + "P32", None): "country",
    (WDT + "P1845", None): "region",
    (WDT + "P1584", None): "fund",
    (WDT + "P1368", None): "programme",
    (WDT + "P888", None): "intervention_category",
    (WDT + "P1848", None): "thematic_objective",
    (WDT + "P1849", None): "policy_objective",
    (WDT + "P574247", None): "priority_axis",
    (WDT + "P889", None): "beneficiary",
    (WDT + "P841", None): "beneficiary_name",
    (P + "P835", None): "eu_budget",
    (P + "P474", None): "total_budget",
    (P + "P837", None): "cofinancing_rate",
    (WDT + "P889", RDFS_LABEL): "beneficiary_label",
    (WDT + "P889", WDT + "P32"): "beneficiary_country",
    (WDT + "P574247", RDFS_LABEL): "priority_axis_label",
}
QUANTITY_PROPS = ("P835", "P474", "P837")

# Reference data (few items, fetched once per harvest): how to select each kind, and its facts.
REFERENCE_SELECTORS: dict[str, str] = {
    "country": "  ?item wdt:P173 ?anyCode .",
    "fund": "  ?item wdt:P35 wd:Q2504365 .",
    "programme": "  ?item wdt:P35 wd:Q2463047 .",
    "theme": "  VALUES ?themeClass { wd:Q236700 wd:Q2547986 wd:Q200769 } ?item wdt:P35 ?themeClass .",
    "region": "  ?item wdt:P192 ?anyNuts .",
}
REFERENCE_FACTS: dict[str, dict[tuple[str, str | None], str]] = {
    "country": {(RDFS_LABEL, None): "label", (WDT + "P173", None): "code"},
    "fund": {(RDFS_LABEL, None): "label", (WDT + "P1583", None): "code"},
    "programme": {(RDFS_LABEL, None): "label", (WDT + "P1367", None): "code"},
    "theme": {
        (RDFS_LABEL, None): "label",
        (WDT + "P35", None): "class",
        (WDT + "P1105", None): "code",
        (WDT + "P1747", None): "code",
        (WDT + "P869", None): "code",
    },
    "region": {
        (RDFS_LABEL, None): "label",
        (WDT + "P192", None): "code",
        (WDT + "P35", None): "class",
        (WDT + "P1845", None): "parent",
        (WDT + "P32", None): "country",
    },
}
_NUTS_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
_COUNTRY_RE = re.compile(r"^(?:[A-Z]{2}|Q[0-9]+)$")
_ITEM_RE = re.compile(r"^https://linkedopendata\.eu/entity/Q[0-9]+$")


def _branches(facts: Mapping[tuple[str, str | None], str]) -> str:
    """The UNION branches that fetch ``facts`` (direct values, quantities, linked items' facts)."""
    quantity_iris = {P + q for q in QUANTITY_PROPS}
    direct = sorted({_curie(p) for (p, ref) in facts if ref is None and p not in quantity_iris})
    quantities = sorted(p[len(P):] for (p, ref) in facts if ref is None and p in quantity_iris)
    linked = sorted({p for (p, ref) in facts if ref is not None})
    ref_props = sorted({ref for (_, ref) in facts if ref is not None})
    out = [DIRECT_BRANCH.format(props=" ".join(direct))]
    if quantities:
        out.append(QUANTITY_BRANCH.format(pairs=" ".join(f"(p:{q} psv:{q})" for q in quantities)))
    if linked:
        out.append(LINKED_BRANCH.format(links=" ".join(map(_curie, linked)), ref_props=" ".join(map(_curie, ref_props))))
    return "\n".join(out)


PROJECT_BRANCHES = _branches(PROJECT_FACTS)
REFERENCE_BRANCHES = {kind: _branches(facts) for kind, facts in REFERENCE_FACTS.items()}


def sparql_string(text: str) -> str:
    """``text`` escaped for a double-quoted SPARQL string literal.

    >>> sparql_string('a"b\\\\c')
    'a\\\\"b\\\\\\\\c'
    """
    return (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )


def check_country(country: str) -> str:
    """``country`` as an ISO 3166 alpha-2 code or an item id (Q11), or a SourceError.

    >>> check_country("se")
    'SE'
    """
    code = country.strip().upper()
    if not _COUNTRY_RE.match(code):
        raise SourceError(f"--country {country!r} is not a two-letter country code (SE) or an item id (Q11)")
    return code


def check_nuts(nuts: str) -> str:
    """``nuts`` as a NUTS code (SE313, SE31, SE3), or a SourceError.

    >>> check_nuts("se313")
    'SE313'
    """
    code = nuts.strip().upper()
    if not _NUTS_RE.match(code):
        raise SourceError(f"--nuts {nuts!r} is not a NUTS code such as SE313, SE31 or SE3")
    return code


def project_selector(country: str | None = None, nuts: str | None = None) -> str:
    """The graph pattern choosing the projects to harvest (filters validated, never pasted raw).

    >>> print(project_selector(country="SE"))
      ?item wdt:P35 wd:Q9934 .
      ?item wdt:P32 ?filterCountry . ?filterCountry wdt:P173 "SE" .
    """
    lines = [PROJECT_SELECTOR]
    if country:
        code = check_country(country)
        if code.startswith("Q"):
            lines.append(COUNTRY_QID_FILTER.format(qid=code))
        else:
            lines.append(COUNTRY_FILTER.format(code=sparql_string(code)))
    if nuts:
        lines.append(NUTS_FILTER.format(code=sparql_string(check_nuts(nuts))))
    return "\n".join(lines)


def build_keyset_query(selector: str, after: str = "", limit: int = DEFAULT_PAGE_SIZE) -> str:
    """Step 1 of a page: up to ``limit`` items matching ``selector`` whose IRI sorts after ``after``.

    >>> q = build_keyset_query(PROJECT_SELECTOR, "https://linkedopendata.eu/entity/Q1", 10)
    >>> 'FILTER(STR(?item) > "https://linkedopendata.eu/entity/Q1")' in q, "LIMIT 10" in q, "OFFSET" in q
    (True, True, False)
    """
    if limit < 1:
        raise SourceError("page size must be at least 1")
    return KEYSET_TEMPLATE.format(prefixes=PREFIXES, selector=selector, after=sparql_string(after), limit=int(limit))


def build_offset_query(selector: str, offset: int, limit: int = DEFAULT_PAGE_SIZE) -> str:
    """The same page found by OFFSET (the benchmark's baseline; harvests never use it)."""
    return OFFSET_TEMPLATE.format(prefixes=PREFIXES, selector=selector, offset=int(offset), limit=int(limit))


def build_project_query(
    after: str = "", limit: int = DEFAULT_PAGE_SIZE, *, country: str | None = None, nuts: str | None = None
) -> str:
    """Step 1 of a project page (keyset), with the --country / --nuts filters."""
    return build_keyset_query(project_selector(country, nuts), after, limit)


def build_facts_query(items: Iterable[str], branches: str = PROJECT_BRANCHES) -> str:
    """Step 2 of a page: the facts of ``items`` (entity IRIs, checked) in long form.

    >>> q = build_facts_query(["https://linkedopendata.eu/entity/Q2661002"])
    >>> "VALUES ?item { wd:Q2661002 }" in q, "psv:P835" in q
    (True, True)
    """
    names = []
    for iri in items:
        if not _ITEM_RE.match(iri):
            raise SourceError(f"the endpoint returned {iri!r} where an EU KG item IRI was expected")
        names.append("wd:" + iri[len(WD):])
    return FACTS_TEMPLATE.format(prefixes=PREFIXES, items=" ".join(names), branches=branches)


def build_reference_query(kind: str, after: str = "", limit: int = REFERENCE_PAGE_SIZE) -> str:
    """Step 1 of a page of reference items of ``kind`` (country, fund, programme, theme, region).

    >>> "wd:Q2504365" in build_reference_query("fund")
    True
    """
    try:
        selector = REFERENCE_SELECTORS[kind]
    except KeyError:
        raise SourceError(f"unknown reference kind {kind!r}; known: {', '.join(REFERENCE_SELECTORS)}") from None
    return build_keyset_query(selector, after, limit)

