"""EU Knowledge Graph SPARQL JSON results to stakenet records: pure parsers, no network.

Budgets are quantities with units (``p:P835/psv:P835``): an amount in euro (unit Q226) goes to
``eu_budget_eur``/``total_budget_eur``; the national-currency amount and its ISO code go to
``eu_budget``/``total_budget``/``currency`` (for a euro country that is the euro amount). SEK is
never labelled EUR. The co-financing rate is kept as stored with its unit (0.5 "percent").
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graph.errors import SchemaError, SourceError
from graph.identity import Rename, load_renames, normalize_name, official_props
from graph.records import Node, Rel
from graph.sources.eukg.queries import PROJECT_FACTS, RDFS_LABEL, SOURCE, WD  # noqa: F401  (PROJECT_FACTS: doctest)
from graph.text import safe_text
from graph.themes import theme_code, theme_id

log = logging.getLogger(__name__)

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

THEME_KIND_BY_CLASS = {
    WD + "Q236700": "thematic_objective",
    WD + "Q2547986": "policy_objective",
    WD + "Q200769": "intervention_category",
}
NUTS_LEVEL_BY_CLASS = {WD + "Q4407317": 1, WD + "Q4407316": 2, WD + "Q4407315": 3}
ROW_VARS = ("item", "prop", "value", "unit", "unitLabel", "ref", "refProp")


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
            log.warning(safe_text(message) + (" (further warnings of this kind are counted, not shown)" if n == self.shown else ""))


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


def finite_amount(text: str) -> float | None:
    """The number in a quantity's ``text``; None when it is not one or not finite (``NaN``, ``1e309``).

    >>> finite_amount("+1835970.61"), finite_amount("1e309"), finite_amount("NaN"), finite_amount("abc")
    (1835970.61, None, None, None)
    """
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _amounts(
    facts: list[Fact], units: Mapping[str, str], what: str, warn: Callable[[str], None], prop: str = "amount"
) -> dict[str, float]:
    """``{currency: amount}`` from quantity facts; units that are not known currencies are warned about,
    and so are amounts that are not finite numbers (left out: never stored as inf or NaN)."""
    out: dict[str, float] = {}
    for f in sorted(facts, key=lambda f: (f.unit or "", f.value)):
        currency = units.get(f.unit or "")
        if currency is None:
            warn(f"{what}: amount {f.value} has unit {f.unit}, not a known currency; amount left out")
            continue
        amount = finite_amount(f.value)
        if amount is None:
            warn(f"{what}: {prop} {f.value[:40]!r} is not a finite number; amount left out")
            continue
        if currency in out and out[currency] != amount:
            warn(f"{what}: several {currency} amounts ({out[currency]}, {amount}); keeping the first")
            continue
        out[currency] = amount
    return out


def _rate(facts: list[Fact], units: Mapping[str, str], what: str,
          warn: Callable[[str], None]) -> tuple[float | None, str | None]:
    """The co-financing rate as stored (the first finite one by text, as before) and its unit; non-finite ones are warned about."""
    rates = []
    for f in sorted(facts, key=lambda f: f.value):
        if finite_amount(f.value) is None:
            warn(f"{what}: cofinancing_rate {f.value[:40]!r} is not a finite number; rate left out")
        else:
            rates.append(f)
    if not rates:
        return None, None
    unit_iri = rates[0].unit or ""
    return finite_amount(rates[0].value), units.get(unit_iri) or (None if unit_iri == WIKIDATA_ONE else qid(unit_iri))


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
        eu_eur, eu_nat, eu_cur = _split_money(_amounts(facts.get("eu_budget", []), units, what, warn, "eu_budget"))
        tot_eur, tot_nat, tot_cur = _split_money(
            _amounts(facts.get("total_budget", []), units, what, warn, "total_budget"))
        if eu_cur and tot_cur and eu_cur != tot_cur:
            warn(f"{what}: EU budget in {eu_cur} but total budget in {tot_cur}; national total left out")
            tot_nat = None
        rate_value, rate_unit = _rate(facts.get("cofinancing_rate", []), units, what, warn)
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
                    "cofinancing_rate": rate_value,
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
