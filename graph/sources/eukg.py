"""The EU Knowledge Graph (Kohesio's Wikibase) harvested over SPARQL 1.1 into stakenet records.

The layers, each testable alone:

- query text: module constants (``PREFIXES``, ``KEYSET_TEMPLATE``, ``FACTS_TEMPLATE``, ``PROJECT_FACTS``, ...)
  turned into queries by the pure ``build_project_query`` / ``build_facts_query`` / ``build_reference_query``;
- ``fetch``: the one function that touches the network (SPARQLWrapper, JSON results, POST), one
  request, errors classified as transient (retry) or not;
- ``fetch_page``: retries ``fetch`` with exponential backoff and full jitter (honouring
  ``Retry-After``), a bounded number of attempts, then a SourceError; every answer is kept on disk
  (``PageCache``) keyed by endpoint + query, so a rerun replays cached pages without requests and an
  interrupted harvest resumes at the first missing page;
- ``parse_rows`` / ``parse_reference`` / ``parse_project_page``: pure parsers of SPARQL JSON
  results into ``Node``/``Rel`` records;
- ``iter_records``: joins them into one stream, and ``harvest`` loads that stream into a store.

Only standard SPARQL 1.1 is used (no ``SERVICE wikibase:label``, no Blazegraph hints): labels come
from ``rdfs:label`` and are chosen in the parser (English, then the project's own language). Pages
use keyset paging: items ordered by their IRI string, each page starts after the last IRI of the
previous one (``FILTER(STR(?item) > "...")``), never a deep OFFSET. A page is two requests: the
keyset step picks its items, then one query asks for exactly those items' facts (``VALUES ?item``)
in long form (one row per item and value), so rows grow with facts, not with their product. (A
single query joining a keyset subquery to the facts made pyoxigraph evaluate the facts over the
whole store: 25 s per page at 10,000 projects, against 0.3 s with VALUES.) Funds, programmes,
themes, regions and countries are few: they are fetched once per harvest by small reference
queries, and their nodes are yielded the first time a page refers to them, so a page's cost does
not grow as a two-million-project harvest proceeds (bench/bench_harvest.py measures it).

Budgets are quantities with units (``p:P835/psv:P835``): an amount in euro (unit Q226) goes to
``eu_budget_eur``/``total_budget_eur``; the national-currency amount and its ISO code go to
``eu_budget``/``total_budget``/``currency`` (for a euro country that is the euro amount). SEK is
never labelled EUR. The co-financing rate is kept as stored with its unit (0.5 "percent").
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import random
import re
import socket
import time
import urllib.error
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from graph import __version__
from graph.errors import SchemaError, SourceError
from graph.identity import Rename, load_renames, normalize_name, official_props
from graph.records import Node, Record, Rel
from graph.themes import theme_code, theme_id

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://query.linkedopendata.eu/bigdata/namespace/wdq/sparql"
SOURCE = "eukg"
USER_AGENT = f"stakenet/{__version__} (EU Knowledge Graph harvester; +https://github.com/stakenet)"
DEFAULT_PAGE_SIZE = 1000
REFERENCE_PAGE_SIZE = 2000

WD = "https://linkedopendata.eu/entity/"
WIKIDATA_ONE = "http://www.wikidata.org/entity/Q199"  # Wikibase's unit "1" (no unit)
EURO = WD + "Q226"
PERCENT = WD + "Q660"

# Units the EU KG uses for budgets, by their English label (the unit items carry no ISO code).
CURRENCY_BY_LABEL = {
    "euro": "EUR",
    "swedish krona": "SEK",
    "danish krone": "DKK",
    "polish złoty": "PLN",
    "polish zloty": "PLN",
    "czech koruna": "CZK",
    "hungarian forint": "HUF",
    "romanian leu": "RON",
    "bulgarian lev": "BGN",
    "croatian kuna": "HRK",
    "pound sterling": "GBP",
}

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
THEME_KIND_BY_CLASS = {
    WD + "Q236700": "thematic_objective",
    WD + "Q2547986": "policy_objective",
    WD + "Q200769": "intervention_category",
}
NUTS_LEVEL_BY_CLASS = {WD + "Q4407317": 1, WD + "Q4407316": 2, WD + "Q4407315": 3}
ROW_VARS = ("item", "prop", "value", "unit", "unitLabel", "ref", "refProp")

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


# -- queries (pure) -------------------------------------------------------------------------------
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


# -- the network --------------------------------------------------------------------------------
class TransientSourceError(SourceError):
    """A request failed in a way worth retrying (timeout, dropped connection, 429, 5xx, bad JSON)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


def fetch(endpoint: str, query: str, *, timeout: float = 120.0) -> bytes:
    """POST ``query`` to ``endpoint`` once and return the raw JSON bytes (the only network access).

    Raises TransientSourceError for what a retry may cure and SourceError for what it cannot
    (a rejected query, an unknown endpoint).
    """
    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, EndPointNotFound, QueryBadFormed, Unauthorized

    client = SPARQLWrapper(endpoint, agent=USER_AGENT)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    client.setMethod(POST)
    client.setTimeout(timeout)  # type: ignore[arg-type]  # urllib takes float seconds
    try:
        response = client.query().response
        body: bytes = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 429 or exc.code >= 500:
            raise TransientSourceError(f"HTTP {exc.code} from {endpoint}", _retry_after(exc.headers)) from exc
        raise SourceError(f"{endpoint} refused the query with HTTP {exc.code} {exc.reason}") from exc
    except EndPointInternalError as exc:
        raise TransientSourceError(f"HTTP 500 from {endpoint}") from exc
    except QueryBadFormed as exc:
        raise SourceError(
            f"{endpoint} rejected the query as malformed (HTTP 400): {str(exc).splitlines()[-1][:300]}"
        ) from exc
    except EndPointNotFound as exc:
        raise SourceError(f"no SPARQL endpoint at {endpoint} (HTTP 404); check --endpoint") from exc
    except Unauthorized as exc:
        raise SourceError(f"{endpoint} refused access (HTTP 401/403); check --endpoint or try later") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise TransientSourceError(f"timed out after {timeout:g} s waiting for {endpoint}") from exc
        raise TransientSourceError(f"cannot reach {endpoint}: {exc.reason}") from exc
    except TimeoutError as exc:
        raise TransientSourceError(f"timed out after {timeout:g} s waiting for {endpoint}") from exc
    except (ConnectionError, http.client.HTTPException, OSError) as exc:
        raise TransientSourceError(f"connection to {endpoint} failed: {exc.__class__.__name__} {exc}") from exc
    return body


def decode_result(body: bytes, what: str) -> dict[str, Any]:
    """The SPARQL JSON result in ``body``; TransientSourceError when it is not one (truncated, HTML).

    >>> decode_result(b'{"head": {"vars": []}, "results": {"bindings": []}}', "page 1")["results"]
    {'bindings': []}
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TransientSourceError(f"{what}: the endpoint sent malformed JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("results", {}).get("bindings"), list):
        raise TransientSourceError(f"{what}: the endpoint's JSON is not a SPARQL SELECT result")
    return data


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter; ``Retry-After`` is honoured.

    >>> policy = RetryPolicy(base=1.0, cap=8.0)
    >>> all(0 <= policy.delay(n, None, random.Random(1)) <= min(8.0, 2 ** n) for n in range(6))
    True
    >>> policy.delay(0, 3.0, random.Random(1)) >= 3.0
    True
    """

    attempts: int = 6
    base: float = 1.0
    cap: float = 60.0
    max_retry_after: float = 600.0
    timeout: float = 120.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        backoff = rng.uniform(0, min(self.cap, self.base * 2**attempt))
        if retry_after is not None:
            return retry_after + backoff * 0.1
        return backoff


class PageCache:
    """Raw page answers on disk, one file per (endpoint, query), written atomically."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.dir = Path(directory)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SourceError(f"cannot create the cache folder {self.dir}: {exc.strerror}") from exc

    @staticmethod
    def key(endpoint: str, query: str) -> str:
        return hashlib.sha256(f"{endpoint}\n{query}".encode()).hexdigest()

    def path(self, endpoint: str, query: str) -> Path:
        return self.dir / f"{self.key(endpoint, query)}.json"

    def get(self, endpoint: str, query: str) -> bytes | None:
        path = self.path(endpoint, query)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def put(self, endpoint: str, query: str, body: bytes) -> None:
        path = self.path(endpoint, query)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(body)
        os.replace(tmp, path)
        path.with_suffix(".rq").write_text(f"# endpoint: {endpoint}\n{query}", encoding="utf-8")


@dataclass
class FetchStats:
    """What the harvest asked of the network."""

    requests: int = 0
    retries: int = 0
    cached_pages: int = 0
    fetched_pages: int = 0


def fetch_page(
    endpoint: str,
    query: str,
    what: str,
    *,
    retry: RetryPolicy,
    cache: PageCache | None = None,
    stats: FetchStats | None = None,
    rng: random.Random | None = None,
    sleep: Callable[[float], None] = time.sleep,
    fetcher: Callable[..., bytes] = fetch,
) -> dict[str, Any]:
    """The decoded result of ``query``: from the cache, else fetched with retries and then cached."""
    stats = stats if stats is not None else FetchStats()
    if cache is not None:
        body = cache.get(endpoint, query)
        if body is not None:
            stats.cached_pages += 1
            try:
                return decode_result(body, what)
            except TransientSourceError as exc:
                raise SourceError(
                    f"{what}: cached file {cache.path(endpoint, query)} is damaged ({exc}); delete it and rerun"
                ) from exc
    rng = rng or random.Random()
    last: TransientSourceError | None = None
    for attempt in range(max(1, retry.attempts)):
        if attempt:
            wait = retry.delay(attempt - 1, last.retry_after if last else None, rng)
            if last is not None and last.retry_after is not None and last.retry_after > retry.max_retry_after:
                raise SourceError(
                    f"{what}: {endpoint} asks to wait {last.retry_after:.0f} s (Retry-After); "
                    "rerun later, the pages fetched so far are cached"
                )
            stats.retries += 1
            log.info("%s: %s; retry %d in %.2f s", what, last, attempt, wait)
            sleep(wait)
        stats.requests += 1
        try:
            body = fetcher(endpoint, query, timeout=retry.timeout)
            result = decode_result(body, what)
        except TransientSourceError as exc:
            last = exc
            continue
        if cache is not None:
            cache.put(endpoint, query, body)
        stats.fetched_pages += 1
        return result
    resume = " Rerun with the same --cache to resume where it stopped." if cache is not None else (
        " Use --cache DIR so a rerun resumes where it stopped."
    )
    raise SourceError(f"{what}: gave up after {retry.attempts} attempts: {last}.{resume}")


# -- parsing (pure) -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fact:
    """One value of one fact of one item, as the endpoint gave it."""

    value: str
    lang: str | None = None
    datatype: str | None = None
    unit: str | None = None
    ref: str | None = None
    unit_label: str | None = None


ItemFacts = dict[str, list[Fact]]


class Warnings:
    """Warn about each kind of problem a few times, then only count it (2M projects must not flood).

    The kind is the message with item ids and numbers masked, so "project Q1: unit Q9" and
    "project Q2: unit Q9" are one kind.

    >>> warn = Warnings(shown=1)
    >>> warn("EU KG project Q1: odd"); warn("EU KG project Q2: odd")
    >>> warn.counts
    {'EU KG project Q#: odd': 2}
    """

    def __init__(self, shown: int = 3) -> None:
        self.shown = shown
        self.counts: dict[str, int] = {}

    def __call__(self, message: str) -> None:
        kind = re.sub(r"Q[0-9]+|[0-9]+(?:\.[0-9]+)?", lambda m: "Q#" if m.group().startswith("Q") else "#", message)
        n = self.counts[kind] = self.counts.get(kind, 0) + 1
        if n <= self.shown:
            log.warning(message + (" (further warnings of this kind are counted, not shown)" if n == self.shown else ""))


def parse_items(result: Mapping[str, Any], warn: Callable[[str], None] = log.warning) -> list[str]:
    """The item IRIs of a keyset page, in order.

    >>> parse_items({"results": {"bindings": [{"item": {"type": "uri", "value": WD + "Q1"}}]}})
    ['https://linkedopendata.eu/entity/Q1']
    """
    out = []
    for row in result["results"]["bindings"]:
        row = dict(row)
        item = row.pop("item", None)
        if row:
            warn(f"EU KG item page has unknown variables {sorted(row)}; ignored (has the query changed?)")
        if item is None or item.get("type") != "uri":
            warn(f"EU KG item page row without an item IRI: {item!r}; ignored")
            continue
        out.append(item["value"])
    return out


def parse_rows(
    result: Mapping[str, Any],
    facts_by_prop: Mapping[tuple[str, str | None], str],
    items: Iterable[str] = (),
    warn: Callable[[str], None] = log.warning,
) -> dict[str, ItemFacts]:
    """Group the long-form rows of a facts query into ``{item IRI: {key: [Fact, ...]}}``.

    ``items`` are included even when they have no facts. Every binding's fields are popped;
    unknown variables and unknown properties are warned about.

    >>> res = {"results": {"bindings": [
    ...     {"item": {"type": "uri", "value": "https://linkedopendata.eu/entity/Q1"},
    ...      "prop": {"type": "uri", "value": RDFS_LABEL},
    ...      "value": {"type": "literal", "value": "Hej", "xml:lang": "sv"}}]}}
    >>> parse_rows(res, PROJECT_FACTS)["https://linkedopendata.eu/entity/Q1"]["label"]
    [Fact(value='Hej', lang='sv', datatype=None, unit=None, ref=None, unit_label=None)]
    """
    grouped: dict[str, ItemFacts] = {iri: {} for iri in items}
    for row in result["results"]["bindings"]:
        row = dict(row)
        item = row.pop("item", None)
        prop = row.pop("prop", None)
        value = row.pop("value", None)
        unit = row.pop("unit", None)
        unit_label = row.pop("unitLabel", None)
        ref = row.pop("ref", None)
        ref_prop = row.pop("refProp", None)
        if row:
            warn(f"EU KG result has unknown variables {sorted(row)}; ignored (has the query changed?)")
        if item is None or prop is None or value is None:
            warn("EU KG result row without ?item, ?prop or ?value; ignored")
            continue
        key = facts_by_prop.get((prop["value"], ref_prop["value"] if ref_prop else None))
        if key is None:
            warn(f"EU KG result has unknown property {prop['value']} {ref_prop['value'] if ref_prop else ''}; ignored")
            continue
        grouped.setdefault(item["value"], {}).setdefault(key, []).append(
            Fact(
                value["value"],
                value.get("xml:lang"),
                value.get("datatype"),
                unit["value"] if unit else None,
                ref["value"] if ref else None,
                unit_label["value"] if unit_label else None,
            )
        )
    return grouped


def qid(iri: str) -> str:
    """The item id at the end of an entity IRI.

    >>> qid("https://linkedopendata.eu/entity/Q2661002")
    'Q2661002'
    """
    return iri.rsplit("/", 1)[-1]


def pick_text(facts: Iterable[Fact], languages: Iterable[str] = ("en",)) -> Fact | None:
    """The fact in the first preferred language present, else the first by language (stable).

    >>> pick_text([Fact("Hej", "sv"), Fact("Hi", "en")]).value
    'Hi'
    >>> pick_text([Fact("Hej", "sv"), Fact("Hallo", "de")], ["en", "sv"]).value
    'Hej'
    """
    facts = sorted(facts, key=lambda f: (f.lang or "", f.value))
    for lang in languages:
        for f in facts:
            if f.lang and (f.lang == lang or f.lang.startswith(lang + "-")):
                return f
    return facts[0] if facts else None


@dataclass
class Reference:
    """Reference items by IRI: the node each becomes, and for regions the node above it."""

    nodes: dict[str, Node] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)  # region IRI -> parent region/country IRI
    countries: dict[str, str] = field(default_factory=dict)  # country IRI -> ISO code

    def add(self, other: Reference) -> None:
        self.nodes.update(other.nodes)
        self.parents.update(other.parents)
        self.countries.update(other.countries)


def _one(facts: ItemFacts, key: str) -> str | None:
    values = sorted({f.value for f in facts.get(key, [])})
    return values[0] if values else None


def parse_reference(kind: str, items: Mapping[str, ItemFacts], warn: Callable[[str], None] = log.warning) -> Reference:
    """Reference nodes of ``kind`` from grouped rows (see ``parse_rows``).

    >>> ref = parse_reference("fund", {WD + "Q9": {"code": [Fact("ERDF")], "label": [Fact("Regional", "en")]}})
    >>> ref.nodes[WD + "Q9"].props["code"], ref.nodes[WD + "Q9"].props["name"]
    ('ERDF', 'Regional')
    """
    ref = Reference()
    for iri, facts in sorted(items.items()):
        label = pick_text(facts.get("label", []))
        name = label.value if label else None
        code = _one(facts, "code")
        if kind == "country":
            if code is None:
                continue
            ref.countries[iri] = code
            ref.nodes[iri] = Node("Country", {"code": code, "name": name, "source": SOURCE})
        elif kind == "fund":
            ref.nodes[iri] = Node("Fund", {"code": code or f"EUKG:{qid(iri)}", "name": name, "source": SOURCE})
        elif kind == "programme":
            ref.nodes[iri] = Node("Programme", {"cci": code or f"EUKG:{qid(iri)}", "name": name, "source": SOURCE})
        elif kind == "theme":
            kinds = sorted({THEME_KIND_BY_CLASS[f.value] for f in facts.get("class", []) if f.value in THEME_KIND_BY_CLASS})
            if not kinds:
                continue
            the_code: str | None
            try:
                # One id scheme for all sources (graph/themes.py): a harvested TO03 is Projektbanken's TO03.
                the_id, the_code = theme_id(kinds[0], code or ""), theme_code(kinds[0], code or "")
            except SchemaError as exc:
                warn(f"EU KG {kinds[0]} {qid(iri)}: {exc}; kept under its item id")
                the_id, the_code = f"EUKG-THEME:{qid(iri)}", code
            ref.nodes[iri] = Node(
                "Theme",
                {"theme_id": the_id, "kind": kinds[0], "code": the_code, "name": name, "source": SOURCE},
            )
        elif kind == "region":
            if code is None:
                continue
            levels = sorted({NUTS_LEVEL_BY_CLASS[f.value] for f in facts.get("class", []) if f.value in NUTS_LEVEL_BY_CLASS})
            level = levels[0] if levels else (len(code) - 2 if 2 < len(code) <= 5 else None)
            ref.nodes[iri] = Node("Region", {"nuts_code": code, "name": name, "level": level, "source": SOURCE})
            parent = _one(facts, "parent") or _one(facts, "country")
            if parent and parent != iri:
                ref.parents[iri] = parent
        else:
            raise SourceError(f"unknown reference kind {kind!r}")
    return ref


def _date(facts: list[Fact]) -> str | None:
    values = sorted({f.value[:10] for f in facts if re.match(r"^\d{4}-\d{2}-\d{2}", f.value)})
    return values[0] if values else None


def _amounts(
    facts: list[Fact], units: Mapping[str, str], what: str, warn: Callable[[str], None]
) -> dict[str, float]:
    """``{currency: amount}`` from quantity facts; units that are not known currencies are warned about."""
    out: dict[str, float] = {}
    for f in sorted(facts, key=lambda f: (f.unit or "", f.value)):
        currency = units.get(f.unit or "")
        if currency is None:
            warn(f"{what}: amount {f.value} has unit {f.unit}, not a known currency; amount left out")
            continue
        amount = float(f.value)
        if currency in out and out[currency] != amount:
            warn(f"{what}: several {currency} amounts ({out[currency]}, {amount}); keeping the first")
            continue
        out[currency] = amount
    return out


def _split_money(amounts: dict[str, float]) -> tuple[float | None, float | None, str | None]:
    """(EUR amount, national amount, national currency) from ``{currency: amount}``."""
    eur = amounts.get("EUR")
    national = sorted(c for c in amounts if c != "EUR")
    if national:
        return eur, amounts[national[0]], national[0]
    if eur is not None:
        return eur, eur, "EUR"
    return None, None, None


def unit_currencies(items: Mapping[str, ItemFacts]) -> dict[str, str]:
    """Unit IRI -> ISO currency code (or "percent") for the units mentioned in a page."""
    units = {EURO: "EUR", PERCENT: "percent"}
    for facts in items.values():
        for key in ("eu_budget", "total_budget", "cofinancing_rate"):
            for f in facts.get(key, []):
                if f.unit and f.unit_label and f.unit not in units:
                    label = f.unit_label.strip().lower()
                    code = CURRENCY_BY_LABEL.get(label) or ("percent" if label == "percent" else None)
                    if code:
                        units[f.unit] = code
    return units


def _norm_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


@cache
def _renames_by_any_name() -> dict[str, Rename]:
    """Former and current names (normalised) in graph/data/renames.csv -> their rename entry."""
    out: dict[str, Rename] = {}
    for r in load_renames():
        out.setdefault(normalize_name(r.current_name), r)
    for r in load_renames():
        out[normalize_name(r.former_name)] = r
    return out


def renamed(country: str | None, names: Iterable[str | None]) -> Rename | None:
    """The renames-table entry of a Swedish (or country-unknown) beneficiary called one of ``names``.

    The table (graph/data/renames.csv) carries the organisation number, so the beneficiary gets
    the key the Swedish loaders give it (``SE-ON:...``) whichever source is loaded first. Former
    and current names both match, exactly after ``normalize_name``; other countries never do.

    >>> renamed("SE", ["Gävleborgs Läns Landsting"]).org_id
    'SE-ON:2321000198'
    >>> renamed("DK", ["Gävleborgs Läns Landsting"]) is None, renamed("SE", ["Gävle kommun"]) is None
    (True, True)
    """
    if country not in (None, "SE"):
        return None
    table = _renames_by_any_name()
    for n in names:
        if n:
            hit = table.get(normalize_name(n))
            if hit is not None:
                return hit
    return None


@dataclass
class ProjectPage:
    """One parsed page: nodes first, then the relationships among them and to reference items."""

    nodes: list[Node]
    rels: list[Rel]
    refs: set[str]  # IRIs of reference items the relationships point at
    items: int  # items the page held
    last: str | None  # the page's last item IRI (the next page's keyset)
    # beneficiary key as harvested (EUKG:Q... / EUKG-NAME:...) -> "rename" (given its SE-ON: key) or "eukg"
    identity: dict[str, str] = field(default_factory=dict)


def parse_project_page(
    items: Mapping[str, ItemFacts], reference: Reference, warn: Callable[[str], None] = log.warning
) -> ProjectPage:
    """Projects, their beneficiary organisations and their relationships from grouped rows.

    Relationships to reference items name them by their node key; the IRIs they need are in
    ``refs`` so the caller can yield those nodes first.
    """
    nodes: list[Node] = []
    rels: list[Rel] = []
    refs: set[str] = set()
    orgs: dict[str, dict[str, Any]] = {}
    identity: dict[str, str] = {}
    units = unit_currencies(items)
    for iri in sorted(items):
        facts = items[iri]
        pid = f"EUKG:{qid(iri)}"
        what = f"EU KG project {qid(iri)}"
        summary = pick_text(facts.get("summary", []))
        own_lang = [summary.lang] if summary and summary.lang else []
        languages = ["en", *own_lang]
        title = pick_text(facts.get("label", []), languages) or pick_text(facts.get("curated_label", []), languages)
        eu_eur, eu_nat, eu_cur = _split_money(_amounts(facts.get("eu_budget", []), units, what, warn))
        tot_eur, tot_nat, tot_cur = _split_money(_amounts(facts.get("total_budget", []), units, what, warn))
        if eu_cur and tot_cur and eu_cur != tot_cur:
            warn(f"{what}: EU budget in {eu_cur} but total budget in {tot_cur}; national total left out")
            tot_nat = None
        rate = sorted(facts.get("cofinancing_rate", []), key=lambda f: f.value)
        rate_unit = None
        if rate:
            unit_iri = rate[0].unit or ""
            rate_unit = units.get(unit_iri) or (None if unit_iri == WIKIDATA_ONE else qid(unit_iri))
        country_iri = _one(facts, "country")
        country = reference.countries.get(country_iri) if country_iri else None
        if country_iri and country is None:
            warn(f"{what}: country {country_iri} is not a known country item; left out")
        nodes.append(
            Node(
                "Project",
                {
                    "project_id": pid,
                    "title": title.value if title else None,
                    "summary": summary.value if summary else None,
                    "start_date": _date(facts.get("start", [])),
                    "end_date": _date(facts.get("end", [])) or _date(facts.get("expected_end", [])),
                    "eu_budget": eu_nat,
                    "total_budget": tot_nat,
                    "currency": eu_cur or tot_cur,
                    "eu_budget_eur": eu_eur,
                    "total_budget_eur": tot_eur,
                    "cofinancing_rate": float(rate[0].value) if rate else None,
                    "cofinancing_unit": rate_unit,
                    "postal_code": _one(facts, "postal_code"),
                    "country": country,
                    "source": SOURCE,
                },
            )
        )
        src = ("Project", pid)
        if country_iri and country:
            refs.add(country_iri)
            rels.append(Rel("LOCATED_IN", src, ("Country", country), {"source": SOURCE}))
        for key, rel_type in (
            ("region", "LOCATED_IN"),
            ("fund", "FUNDED_BY"),
            ("programme", "IN_PROGRAMME"),
            ("intervention_category", "HAS_THEME"),
            ("thematic_objective", "HAS_THEME"),
            ("policy_objective", "HAS_THEME"),
        ):
            for target in sorted({f.value for f in facts.get(key, [])}):
                node = reference.nodes.get(target)
                if node is None:
                    warn(f"{what}: {key} {target} is not a known {key} item; relationship left out")
                    continue
                refs.add(target)
                rels.append(Rel(rel_type, src, (node.label, node.key), {"source": SOURCE}))
        axis_labels: dict[str, list[Fact]] = defaultdict(list)
        for f in facts.get("priority_axis_label", []):
            if f.ref:
                axis_labels[f.ref].append(f)
        for axis in sorted({f.value for f in facts.get("priority_axis", [])}):
            label = pick_text(axis_labels.get(axis, []), languages)
            axis_id = theme_id("priority_axis", f"EUKG:{qid(axis)}")  # axes are programme-specific: scoped
            nodes.append(
                Node("Theme", {"theme_id": axis_id, "kind": "priority_axis", "code": qid(axis),
                               "name": label.value if label else None, "source": SOURCE})
            )
            rels.append(Rel("HAS_THEME", src, ("Theme", axis_id), {"source": SOURCE}))
        raw_names = sorted({f.value.strip() for f in facts.get("beneficiary_name", []) if f.value.strip()})
        beneficiaries = sorted({f.value for f in facts.get("beneficiary", [])})
        b_labels: dict[str, list[Fact]] = defaultdict(list)
        b_countries: dict[str, set[str]] = defaultdict(set)
        for f in facts.get("beneficiary_label", []):
            if f.ref:
                b_labels[f.ref].append(f)
        for f in facts.get("beneficiary_country", []):
            if f.ref:
                b_countries[f.ref].add(f.value)
        for b in beneficiaries:
            label = pick_text(b_labels.get(b, []), languages)
            name = label.value if label else (raw_names[0] if len(raw_names) == 1 and len(beneficiaries) == 1 else None)
            aliases = [n for n in raw_names if len(beneficiaries) == 1 and name and _norm_name(n) != _norm_name(name)]
            b_country_iri = sorted(b_countries.get(b, set()))
            b_country = reference.countries.get(b_country_iri[0]) if b_country_iri else None
            key = f"EUKG:{qid(b)}"
            rename = renamed(b_country, [name, *aliases])
            identity[key] = "rename" if rename else "eukg"
            if rename:  # the organisation-number key the Swedish loaders give it, whichever loads first
                oid = rename.org_id
                slot = orgs.setdefault(oid, {"org_id": oid, **official_props(oid), "eukg_item": qid(b), "source": SOURCE})
                slot["aliases"] = sorted({*(slot.get("aliases") or ()), *(n for n in (name, *aliases) if n)})
            else:
                oid = key
                slot = orgs.setdefault(oid, {"org_id": oid, "name": name, "aliases": aliases or None,
                                             "country": b_country, "eukg_item": qid(b), "source": SOURCE})
            if b_country_iri and b_country:
                refs.add(b_country_iri[0])
                slot["_country_rel"] = b_country
            rels.append(Rel("BENEFICIARY_OF", ("Organisation", oid), src, {"role": "beneficiary", "source": SOURCE}))
        if not beneficiaries:
            # Only the managing authority's raw name: a name key scoped by this source.
            for n in raw_names:
                key = f"EUKG-NAME:{_norm_name(n)}"
                rename = renamed(country, [n])
                identity[key] = "rename" if rename else "eukg"
                if rename:
                    oid = rename.org_id
                    slot = orgs.setdefault(oid, {"org_id": oid, **official_props(oid), "source": SOURCE})
                    slot["aliases"] = sorted({*(slot.get("aliases") or ()), n})
                else:
                    oid = key
                    orgs.setdefault(oid, {"org_id": oid, "name": n, "source": SOURCE})
                rels.append(Rel("BENEFICIARY_OF", ("Organisation", oid), src, {"role": "beneficiary", "source": SOURCE}))
    for oid in sorted(orgs):
        props = dict(orgs[oid])
        country_code = props.pop("_country_rel", None)
        nodes.append(Node("Organisation", props))
        if country_code:
            rels.append(Rel("LOCATED_IN", ("Organisation", oid), ("Country", country_code), {"source": SOURCE}))
    last = max(items) if items else None
    return ProjectPage(nodes, rels, refs, len(items), last, identity)


# -- the harvest --------------------------------------------------------------------------------
@dataclass
class HarvestStats:
    """Progress and totals of a harvest."""

    pages: int = 0
    projects: int = 0
    records: int = 0
    fetch: FetchStats = field(default_factory=FetchStats)
    started: float = field(default_factory=time.monotonic)
    page_seconds: list[float] = field(default_factory=list)  # per page: select + facts + parse
    select_seconds: list[float] = field(default_factory=list)  # per page: the keyset step alone
    warnings: dict[str, int] = field(default_factory=dict)  # warnings by kind (see Warnings)
    # distinct harvested beneficiaries by how they were identified: "rename" (renames table, at
    # parse time), "name" (folded after loading into a numbered organisation of that exact name;
    # "rename" again if folded by the table) and "eukg" (left under their EU KG key)
    beneficiaries: Counter[str] = field(default_factory=Counter)
    identity: dict[str, str] = field(default_factory=dict, repr=False)  # harvested key -> how, as counted

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def progress_line(self) -> str:
        """One line for a progress display: pages, projects, elapsed time and rate."""
        elapsed = max(self.elapsed, 1e-9)
        return (
            f"pages {self.pages:,}  projects {self.projects:,}  elapsed {elapsed:,.0f} s  "
            f"rate {self.projects / elapsed:,.0f} projects/s"
        )

    def summary(self) -> str:
        """What the harvest did, for the end of a command."""
        f = self.fetch
        return (
            f"harvested {self.projects:,} projects in {self.pages:,} pages ({self.records:,} records) in "
            f"{self.elapsed:,.1f} s: {f.requests:,} requests, {f.retries:,} retries, "
            f"{f.cached_pages:,} answers from the cache"
            + (f"; {sum(self.warnings.values()):,} warnings of {len(self.warnings)} kinds (see stderr)" if self.warnings else "")
            + "\n" + self.identity_line()
        )

    def identity_line(self) -> str:
        """How the harvested beneficiaries were identified with organisations of other sources.

        >>> HarvestStats(beneficiaries=Counter(rename=1, name=2, eukg=7)).identity_line()
        'beneficiaries: 10 distinct; 1 by the renames table, 2 by exact name into numbered organisations, 7 left as EU KG keys'
        """
        b = self.beneficiaries
        return (
            f"beneficiaries: {sum(b.values()):,} distinct; {b['rename']:,} by the renames table, "
            f"{b['name']:,} by exact name into numbered organisations, {b['eukg']:,} left as EU KG keys"
        )


def fetch_reference(
    endpoint: str,
    *,
    retry: RetryPolicy,
    cache: PageCache | None,
    stats: FetchStats,
    rng: random.Random,
    warn: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    page_size: int = REFERENCE_PAGE_SIZE,
) -> Reference:
    """Every reference item (countries, funds, programmes, themes, regions), keyset-paged."""
    reference = Reference()
    for kind in REFERENCE_SELECTORS:
        after = ""
        page = 0
        while True:
            page += 1
            what = f"{kind} page {page}"
            ids = fetch_page(endpoint, build_reference_query(kind, after, page_size), what + " (items)",
                             retry=retry, cache=cache, stats=stats, rng=rng, sleep=sleep)
            iris = parse_items(ids, warn)
            if iris:
                result = fetch_page(endpoint, build_facts_query(iris, REFERENCE_BRANCHES[kind]), what + " (facts)",
                                    retry=retry, cache=cache, stats=stats, rng=rng, sleep=sleep)
                reference.add(parse_reference(kind, parse_rows(result, REFERENCE_FACTS[kind], iris, warn), warn))
            if len(iris) < page_size:
                break
            after = max(iris)
    return reference


def _reference_records(iri: str, reference: Reference, emitted: set[str], out: list[Record], depth: int = 0) -> None:
    """Append the node of reference item ``iri`` (and, for a region, its chain upwards) once."""
    if iri in emitted or depth > 20:
        return
    emitted.add(iri)
    node = reference.nodes.get(iri)
    if node is None:
        return
    out.append(node)
    parent = reference.parents.get(iri)
    if node.label == "Region" and parent:
        _reference_records(parent, reference, emitted, out, depth + 1)
        above = reference.nodes.get(parent)
        if above is not None and above.label in ("Region", "Country"):
            out.append(Rel("PART_OF", ("Region", node.key), (above.label, above.key), {"source": SOURCE}))


def iter_records(
    endpoint: str = DEFAULT_ENDPOINT,
    *,
    country: str | None = None,
    nuts: str | None = None,
    limit: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    cache: str | os.PathLike[str] | None = None,
    retry: RetryPolicy | None = None,
    stats: HarvestStats | None = None,
    progress: Callable[[HarvestStats], None] | None = None,
    seed: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Record]:
    """Harvest projects (and what they refer to) from ``endpoint`` as a stream of records.

    Each page yields the reference nodes it needs for the first time, then its projects and
    organisations, then its relationships, so a store may load the stream in any batch size.
    ``limit`` caps the number of projects; ``cache`` keeps every page's raw answer on disk.
    """
    if page_size < 1:
        raise SourceError("--page-size must be at least 1")
    if limit is not None and limit < 0:
        raise SourceError("--limit must not be negative")
    project_selector(country, nuts)  # validate the filters before any request
    retry = retry or RetryPolicy()
    stats = stats if stats is not None else HarvestStats()
    page_cache = PageCache(cache) if cache is not None else None
    rng = random.Random(seed)
    warn = Warnings()
    stats.warnings = warn.counts
    reference = fetch_reference(endpoint, retry=retry, cache=page_cache, stats=stats.fetch, rng=rng, warn=warn, sleep=sleep)
    emitted: set[str] = set()
    after = ""
    while limit is None or stats.projects < limit:
        size = page_size if limit is None else min(page_size, limit - stats.projects)
        started = time.perf_counter()
        what = f"project page {stats.pages + 1}"
        ids = fetch_page(endpoint, build_project_query(after, size, country=country, nuts=nuts), what + " (items)",
                         retry=retry, cache=page_cache, stats=stats.fetch, rng=rng, sleep=sleep)
        iris = parse_items(ids, warn)
        stats.select_seconds.append(time.perf_counter() - started)
        if not iris:
            break
        result = fetch_page(endpoint, build_facts_query(iris), what + " (facts)",
                            retry=retry, cache=page_cache, stats=stats.fetch, rng=rng, sleep=sleep)
        page = parse_project_page(parse_rows(result, PROJECT_FACTS, iris, warn), reference, warn)
        for key in sorted(page.identity.keys() - stats.identity.keys()):
            stats.identity[key] = page.identity[key]
            stats.beneficiaries[page.identity[key]] += 1
        records: list[Record] = []
        for iri in sorted(page.refs):
            _reference_records(iri, reference, emitted, records)
        records.extend(page.nodes)
        records.extend(page.rels)
        stats.pages += 1
        stats.projects += page.items
        stats.records += len(records)
        stats.page_seconds.append(time.perf_counter() - started)
        yield from records
        if progress:
            progress(stats)
        if len(iris) < size:
            break
        after = max(iris)


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
    from graph.load import fold_name_keyed

    for old, fold in fold_name_keyed(store, batch_size=batch_size).items():
        if stats.identity.get(old) == "eukg":
            stats.identity[old] = fold.how
            stats.beneficiaries["eukg"] -= 1
            stats.beneficiaries[fold.how] += 1
    filters = ";".join(f"{k}={v}" for k, v in (("country", country), ("nuts", nuts), ("limit", limit)) if v)
    store.load(
        [
            Node(
                "Source",
                {
                    "source_id": f"eukg:{endpoint}" + (f"?{filters}" if filters else ""),
                    "kind": SOURCE,
                    "path": endpoint,
                    "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "rows": stats.projects,
                    "rejected": 0,
                    "notes": (
                        f"{stats.pages} pages, {stats.fetch.fetched_pages} fetched, {stats.fetch.cached_pages} "
                        f"from cache, {stats.fetch.retries} retries" + (f"; {filters}" if filters else "")
                    ),
                },
            )
        ]
    )
    return stats
