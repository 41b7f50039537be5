"""Interreg 2021-2027 partner lists (a JSON list, one object per Swedish partner of a project).

Field meanings (one record per partner row, compiled from the programmes' project lists):

- ``program`` + ``projektnamn``: the project. The ``id`` field is a row counter, not a project id,
  so a project is ``INTERREG:<programme>:<project name>`` (both normalised; "DISCO" runs in two
  programmes and is two projects). A feasibility study and the regular project that follows it
  share a name in the same programme and are one project here: their dates are spanned and a
  partner's budgets summed.
- ``program`` -> ``Programme`` ``INTERREG:<programme>``, the fund is ERDF (Interreg is ERDF's
  European territorial cooperation goal).
- ``organisationsnamn``: the partner by name only (no organisation number); identified with the
  organisations already known by ``graph.identity.PartnerResolver`` (each match records its rule),
  else ``NAME:interreg:<normalised name>``. A row without a name keeps its project but its partner
  is rejected with the reason (never one shared "unknown" organisation).
- ``organisationsroll``: LP lead, PP partner, AP associated -> ``role`` on BENEFICIARY_OF; a
  partner listed twice in a project keeps the strongest role.
- ``partnerbudget``: the partner's budget in EUR -> ``budget_eur`` on BENEFICIARY_OF.
- ``nuts3``: the partner's county by name -> LOCATED_IN the NUTS 3 region, for the partner and the
  project; a row without a county keeps its partner without LOCATED_IN (reported).
- ``politisktmal`` (PO1..PO5, PO6 / ISO for the Interreg-specific objective) and ``specifiktmal``
  (RSO1.1, ISO6.6) -> policy-objective and specific-objective themes (``graph/themes.py``).
- ``organisationstyp`` -> ``org_type``; ``organisationsagande`` Public/Private -> ``is_public`` of
  organisations known by name only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import RowError, SchemaError
from graph.identity import PartnerResolver, name_key, normalize_name, official_props, type_match_note
from graph.io.cells import parse_amount, parse_date
from graph.io.reports import FileReport
from graph.io.rows import read_json_records
from graph.records import Node, Record, Rel
from graph.sources.nuts import NUTS_VERSION, county_name, county_nuts3
from graph.themes import theme_id

SOURCE = "interreg"
FUND = ("ERDF", "European Regional Development Fund")
REQUIRED = ("program", "projektnamn", "organisationsnamn", "organisationsroll", "partnerbudget", "nuts3",
            "startdatum", "slutdatum")
USED = (*REQUIRED, "organisationstyp", "organisationsagande", "politisktmal", "specifiktmal")
# Read and knowingly not loaded: a row counter, derived or constant fields.
IGNORED = ("id", "projekttyp", "nuts2", "projektår", "land", "aktiv", "strand_kod", "strand_namn")
ROLES = {"LP": "lead", "PP": "partner", "AP": "associated"}
ROLE_ORDER = ("lead", "partner", "associated")
PUBLIC = {"Public": True, "Private": False}
# The Interreg-specific objective "a better cooperation governance" (Regulation (EU) 2021/1059
# art. 14(4)) is coded ISO in some programme lists and PO6 in others; its specific objectives are ISO6.x.
POLICY_ALIASES = {"ISO": "PO6"}
POLICY_NAMES = {
    "PO1": "A more competitive and smarter Europe",
    "PO2": "A greener, low-carbon Europe",
    "PO3": "A more connected Europe",
    "PO4": "A more social and inclusive Europe",
    "PO5": "Europe closer to citizens",
    "PO6": "Interreg: a better cooperation governance",
}


def project_key(programme: str, name: str) -> str:
    """The ``project_id`` of an Interreg project: programme and project name, normalised.

    >>> project_key("Interreg North Sea", "DISCO") != project_key("Interreg europe", "DISCO")
    True
    >>> project_key("AURORA", "Boost  Nordic Biogas") == project_key("Aurora", "boost nordic biogas")
    True
    """
    return f"INTERREG:{normalize_name(programme)}:{normalize_name(name)}"


def programme_key(programme: str) -> str:
    """The ``cci`` of an Interreg programme node (the lists give no CCI code)."""
    return f"INTERREG:{normalize_name(programme)}"


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@dataclass
class _Project:
    programme: str
    titles: set[str] = field(default_factory=set)
    starts: set[str] = field(default_factory=set)
    ends: set[str] = field(default_factory=set)
    themes: set[tuple[str, str]] = field(default_factory=set)
    counties: set[str] = field(default_factory=set)


@dataclass
class _Partner:
    names: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    budgets: list[float] = field(default_factory=list)


@dataclass
class _Row:
    project: str
    name: str
    role: str | None
    budget: float | None
    county: str | None
    org_type: str
    public: bool | None


def read_partners(path: Path, encoding: str) -> list[dict[str, Any]]:
    """The JSON list of partner rows, or SourceError naming what is missing."""
    return read_json_records(path, encoding, REQUIRED, "partner objects (an Interreg partner list)",
                             "Is this an Interreg partner list (program, projektnamn, organisationsnamn, ...)?")


def _theme_codes(row: dict[str, Any], number: int, report: FileReport) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for kind, value in (("policy_objective", _text(row.pop("politisktmal", None))),
                        ("specific_objective", _text(row.pop("specifiktmal", None)))):
        if not value:
            continue
        value = POLICY_ALIASES.get(value.upper(), value) if kind == "policy_objective" else value
        try:
            out.add((kind, theme_id(kind, value)))
        except SchemaError:  # an unknown code is reported, the row is kept
            report.flag(f"unknown {kind.replace('_', ' ')} codes (no theme)", f"{value} (record {number})")
    return out


def _date(value: Any, field_: str, number: int, report: FileReport) -> str | None:
    """An ISO date; an impossible one (the lists have 2027-02-31) is reported and read as unknown, the row kept."""
    try:
        return parse_date(_text(value), field_)
    except RowError:
        report.flag("impossible dates (read as unknown, row kept)", f"{field_} {value} (record {number})")
        return None


def _parse_row(number: int, row: dict[str, Any], report: FileReport,
               projects: dict[str, _Project]) -> _Row | None:
    """One partner row into the project table; the partner, or None when rejected (with its reason)."""
    row = dict(row)
    programme, title = _text(row.pop("program")), _text(row.pop("projektnamn"))
    try:
        if not programme:
            raise RowError("program", "", "no programme: the project cannot be identified")
        if not title:
            raise RowError("projektnamn", "", "no project name: the project cannot be identified")
        budget_value = row.pop("partnerbudget")
        if isinstance(budget_value, bool):
            raise RowError("partnerbudget", str(budget_value), "not a number")
        budget = parse_amount(_text(budget_value), "partnerbudget")
        start, end = _date(row.pop("startdatum"), "startdatum", number, report), _date(row.pop("slutdatum"), "slutdatum", number, report)
        role_code = _text(row.pop("organisationsroll")).upper()
        if role_code and role_code not in ROLES:
            raise RowError("organisationsroll", role_code, f"unknown role (expected {', '.join(ROLES)})")
    except RowError as exc:
        report.reject(number, exc.field, exc.value, exc.reason)
        return None
    key = project_key(programme, title)
    project = projects.setdefault(key, _Project(programme))
    project.titles.add(title)
    project.starts.update([start] if start else [])
    project.ends.update([end] if end else [])
    project.themes |= _theme_codes(row, number, report)
    name, county_text = _text(row.pop("organisationsnamn")), _text(row.pop("nuts3"))
    org_type, ownership = _text(row.pop("organisationstyp", None)), _text(row.pop("organisationsagande", None))
    for k in sorted(set(row) - set(IGNORED)):
        report.flag("unknown fields (ignored)", k)
    if not name:
        report.reject(number, "organisationsnamn", "", "no organisation name: partner not loaded (its project is)")
        return None
    county = county_nuts3(county_text) if county_text else None
    if not county_text:
        report.flag("partners without a county (kept, not LOCATED_IN a region)", f"{name} (record {number})")
    elif county is None:
        report.flag("unknown county names (no LOCATED_IN)", county_text)
    if county:
        project.counties.add(county)
    return _Row(key, name, ROLES.get(role_code), budget, county, org_type or "unknown type", PUBLIC.get(ownership))


def iter_records(
    path: Path,
    *,
    encoding: str = "utf-8",
    resolver: PartnerResolver | None = None,
    report: FileReport | None = None,
) -> Iterator[Record]:
    """Projects, programmes, partners, counties and themes of an Interreg partner list; nodes first.

    The whole list is read and grouped before anything is yielded, so the records do not depend
    on the order of the rows.
    """
    path = Path(path)
    report = report if report is not None else FileReport(str(path), SOURCE)
    resolver = resolver if resolver is not None else PartnerResolver()
    data = read_partners(path, encoding)
    projects: dict[str, _Project] = {}
    rows: list[_Row] = []
    for number, raw in enumerate(data, start=1):
        report.rows += 1
        parsed = _parse_row(number, raw, report, projects)
        if parsed is not None:
            rows.append(parsed)
    yield from _project_records(projects, report)
    yield from _partner_records(rows, resolver, report)


def _project_records(projects: dict[str, _Project], report: FileReport) -> Iterator[Record]:
    yield Node("Fund", {"code": FUND[0], "name": FUND[1], "source": SOURCE})
    emitted: set[tuple[str, str]] = set()
    for key in sorted(projects):
        p = projects[key]
        if len(p.starts) > 1 or len(p.ends) > 1:
            report.notes["projects listed with several periods (spanned)"] += 1
        yield Node("Project", {
            "project_id": key, "title": sorted(p.titles)[0], "start_date": min(p.starts, default=None),
            "end_date": max(p.ends, default=None), "country": "SE", "source": SOURCE,
        })
        yield Rel("FUNDED_BY", ("Project", key), ("Fund", FUND[0]), {"source": SOURCE})
        programme = programme_key(p.programme)
        if ("Programme", programme) not in emitted:
            emitted.add(("Programme", programme))
            yield Node("Programme", {"cci": programme, "name": p.programme, "source": SOURCE})
        yield Rel("IN_PROGRAMME", ("Project", key), ("Programme", programme), {"source": SOURCE})
        for kind, tid in sorted(p.themes):
            if ("Theme", tid) not in emitted:
                emitted.add(("Theme", tid))
                code = tid.removeprefix("SO:")
                yield Node("Theme", {"theme_id": tid, "kind": kind, "code": code, "name": POLICY_NAMES.get(code),
                                     "source": SOURCE})
            yield Rel("HAS_THEME", ("Project", key), ("Theme", tid), {"source": SOURCE})
        for code in sorted(p.counties):
            if ("Region", code) not in emitted:
                emitted.add(("Region", code))
                yield _region(code)
            yield Rel("LOCATED_IN", ("Project", key), ("Region", code), {"source": SOURCE})


def _region(code: str) -> Node:
    return Node("Region", {"nuts_code": code, "name": county_name(code), "level": 3, "nuts_version": NUTS_VERSION,
                           "source": SOURCE})


NOTE_HOW = {"rename": "rename", "ascii_rename": "rename", "name_only": "name_only"}


def _partner_records(rows: list[_Row], resolver: PartnerResolver, report: FileReport) -> Iterator[Record]:
    by_name: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        by_name[normalize_name(r.name)].append(r)
    identity: dict[str, tuple[str, str]] = {}
    regions: set[str] = set()
    for norm in sorted(by_name):
        group = by_name[norm]
        names = sorted({r.name for r in group})
        org_id, rule = resolver.match(names[0])
        org_id, rule = (org_id, rule or "") if org_id else (name_key(names[0], SOURCE), "name_only")
        identity[norm] = (org_id, rule)
        types = Counter(r.org_type for r in group)
        org_type = sorted(types, key=lambda t: (-types[t], t))[0]
        resolver.note(f"interreg:{norm}", NOTE_HOW.get(rule, "name"))
        report.notes[type_match_note(org_type, rule)] += 1
        props: dict[str, Any] = {"org_id": org_id, "aliases": names, "org_type": org_type, "country": "SE",
                                 "source": SOURCE}
        if org_id.startswith("NAME:"):
            publics = {r.public for r in group} - {None}
            props.update(name=names[0], is_public=publics.pop() if len(publics) == 1 else None)
        props.update(official_props(org_id))
        yield Node("Organisation", props)
        for code in sorted({r.county for r in group if r.county}):
            if code not in regions:
                regions.add(code)
                yield _region(code)
            yield Rel("LOCATED_IN", ("Organisation", org_id), ("Region", code), {"source": SOURCE})
    partners: dict[tuple[str, str], _Partner] = defaultdict(_Partner)
    for r in rows:
        p = partners[(identity[normalize_name(r.name)][0], r.project)]
        p.names.add(r.name)
        p.roles.update([r.role] if r.role else [])
        p.budgets.extend([r.budget] if r.budget is not None else [])
    for (org_id, project), p in sorted(partners.items()):
        name = sorted(p.names)[0]
        yield Rel("BENEFICIARY_OF", ("Organisation", org_id), ("Project", project), {
            "role": next((r for r in ROLE_ORDER if r in p.roles), None),
            "budget_eur": sum(sorted(p.budgets)) if p.budgets else None,
            "name_as_given": name, "match_rule": identity[normalize_name(name)][1], "source": SOURCE,
        })
