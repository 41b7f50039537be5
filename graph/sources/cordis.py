"""CORDIS participations in FP7 and Horizon 2020 projects (a CSV table, one row per participation).

Field meanings (the CORDIS participation table as exported by the Commission's open data portal):

- ``project_id``: the grant's number -> ``project_id`` ``CORDIS:<number>``; ``project_acronym`` its
  title, ``start_date`` / ``end_date`` its period; ``eu_budget`` (EUR) is the sum of the EC
  contributions of its participations in the file.
- ``framework_programme``: ``FP7`` or ``H2020`` -> a ``Fund`` of that code (the instrument that pays,
  as ERDF pays for Interreg, so money by fund covers research funding too); ``legal_basis`` (the
  specific programme, FP7-ICT ...) -> ``Programme`` ``CORDIS:<legal basis>`` where given.
- ``pic``: the participant identification code: one participant across files and years. A PIC
  already in the store keeps its organisation; otherwise a Swedish participant is identified with
  the organisations already known by ``PartnerResolver`` with ASCII-folded names (CORDIS writes
  "HOGSKOLAN I GAVLE"), each match recording its rule; everyone else is ``PIC:<pic>``.
- ``legal_name``: the participant's name (the most frequent spelling of a PIC names the node, the
  others are aliases); ``legal_entity_type`` (HES, PRC, PUB, REC, OTH) -> ``org_type``;
  ``country_code`` -> ``country`` and LOCATED_IN the Country.
- ``partner_role``: Coordinator / Participant / Partner / Thirdparty -> ``role``;
  ``ec_contribution`` (EUR) -> ``budget_eur`` on BENEFICIARY_OF. A participant listed more than
  once in a project (a third party next to its participation) is one relationship with the
  strongest role and the contributions summed; rows identical in every column the loader reads count
  once (the 2014 file lists two participations twice, differing only in how eu_contribution is split).
- ``NA`` means missing. A row with neither PIC nor name is rejected, as is a contribution that is
  not a number.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import RowError
from graph.identity import PartnerResolver, name_key, normalize_name, official_props, type_match_note
from graph.io.cells import parse_amount, parse_date
from graph.io.reports import FileReport
from graph.io.rows import iter_table
from graph.records import Node, Record, Rel

SOURCE = "cordis"
REQUIRED = ("project_id", "pic", "partner_role", "legal_name", "legal_entity_type", "country_code",
            "ec_contribution", "project_acronym", "framework_programme", "start_date", "end_date", "legal_basis")
KNOWN = ("pillar_abbr", "pillar_descr", "thematic_priority_abbr", "signature_date", "call_deadline_date",
         "eu_contribution", "legal_short_name", "legal_url", "net_ec_contribution", "thematic_priority", "topic_code",
         "topic_description", "participations", "funding_scheme", "country", "re_contribution", "pillar",
         "signature_year", "call_year", "start_year")
FUNDS = {"FP7": "Seventh Framework Programme (FP7)", "H2020": "Horizon 2020"}
ROLES = {"coordinator": "coordinator", "participant": "participant", "partner": "partner", "thirdparty": "third_party"}
ROLE_ORDER = ("coordinator", "participant", "partner", "third_party")
MISSING = "NA"
_PROJECT_RE = re.compile(r"^\d+$")


def _cell(value: str) -> str:
    return "" if value.strip() == MISSING else value.strip()


@dataclass
class _Participation:
    project: str
    pic: str
    name: str
    role: str | None
    contribution: float | None
    org_type: str
    country: str


@dataclass
class _ProjectInfo:
    fund: str
    titles: set[str] = field(default_factory=set)
    starts: set[str] = field(default_factory=set)
    ends: set[str] = field(default_factory=set)
    programmes: set[str] = field(default_factory=set)


def _parse(number: int, row: Mapping[str, str], projects: dict[str, _ProjectInfo]) -> _Participation:
    """One participation row; RowError names the field when it cannot be loaded."""
    number_text = _cell(row["project_id"])
    if not _PROJECT_RE.match(number_text):
        raise RowError("project_id", row["project_id"], "not a grant number")
    fund = _cell(row["framework_programme"])
    if fund not in FUNDS:
        raise RowError("framework_programme", row["framework_programme"], f"not one of {', '.join(FUNDS)}")
    pic, name = _cell(row["pic"]), _cell(row["legal_name"])
    if not pic and not name:
        raise RowError("pic", row["pic"], "neither a PIC nor a legal_name: the participant cannot be identified")
    contribution = parse_amount(_cell(row["ec_contribution"]), "ec_contribution")
    start = parse_date(_cell(row["start_date"]), "start_date")
    end = parse_date(_cell(row["end_date"]), "end_date")
    key = f"CORDIS:{number_text}"
    info = projects.setdefault(key, _ProjectInfo(fund))
    if info.fund != fund:
        raise RowError("framework_programme", fund, f"project {number_text} is {info.fund} in an earlier row")
    info.titles.update([_cell(row["project_acronym"])] if _cell(row["project_acronym"]) else [])
    info.starts.update([start] if start else [])
    info.ends.update([end] if end else [])
    info.programmes.update([_cell(row["legal_basis"])] if _cell(row["legal_basis"]) else [])
    role = _cell(row["partner_role"]).casefold()
    return _Participation(key, pic, name, ROLES.get(role, role or None), contribution,
                          _cell(row["legal_entity_type"]) or "unknown type", _cell(row["country_code"]))


def iter_records(
    path: Path,
    *,
    encoding: str = "utf-8",
    resolver: PartnerResolver | None = None,
    report: FileReport | None = None,
    pics: dict[str, str] | None = None,
) -> Iterator[Record]:
    """Projects, funds, programmes, participants and participations of one CORDIS file; nodes first.

    ``pics`` maps PICs to the ``org_id`` they were loaded as (from the store and earlier files); it
    is updated with this file's participants, so the same PIC in the next file is the same node.
    The file is read whole and grouped before anything is yielded: row order does not matter.
    """
    path = Path(path)
    report = report if report is not None else FileReport(str(path), SOURCE)
    resolver = resolver if resolver is not None else PartnerResolver()
    pics = pics if pics is not None else {}
    projects: dict[str, _ProjectInfo] = {}
    rows: list[_Participation] = []
    seen_rows: set[tuple[str, ...]] = set()
    for number, row in iter_table(path, encoding, REQUIRED, KNOWN, report, "project_id"):
        ident = tuple(row[c] for c in REQUIRED)
        if ident in seen_rows:
            report.notes["rows identical in the columns read (counted once)"] += 1
            continue
        seen_rows.add(ident)
        try:
            rows.append(_parse(number, row, projects))
        except RowError as exc:
            report.reject(number, exc.field, exc.value, exc.reason)
    roles = {p.role for p in rows if p.role and p.role not in ROLE_ORDER}
    for role in sorted(roles):
        report.flag("unknown partner roles (kept as given)", role)
    yield from _project_records(projects, rows)
    yield from _participant_records(rows, resolver, report, pics)


def _project_records(projects: dict[str, _ProjectInfo], rows: list[_Participation]) -> Iterator[Record]:
    budget: dict[str, list[float]] = defaultdict(list)
    for p in rows:
        if p.contribution is not None:
            budget[p.project].append(p.contribution)
    emitted: set[str] = set()
    for key in sorted(projects):
        info = projects[key]
        if info.fund not in emitted:
            emitted.add(info.fund)
            yield Node("Fund", {"code": info.fund, "name": FUNDS[info.fund], "source": SOURCE})
        yield Node("Project", {
            "project_id": key, "title": min(info.titles, default=None), "start_date": min(info.starts, default=None),
            "end_date": max(info.ends, default=None),
            "eu_budget": sum(sorted(budget[key])) if budget[key] else None,
            "eu_budget_eur": sum(sorted(budget[key])) if budget[key] else None,
            "currency": "EUR" if budget[key] else None, "source": SOURCE,
        })
        yield Rel("FUNDED_BY", ("Project", key), ("Fund", info.fund), {"source": SOURCE})
        for programme in sorted(info.programmes):
            cci = f"CORDIS:{programme}"
            if cci not in emitted:
                emitted.add(cci)
                yield Node("Programme", {"cci": cci, "name": programme, "source": SOURCE})
            yield Rel("IN_PROGRAMME", ("Project", key), ("Programme", cci), {"source": SOURCE})


NOTE_HOW = {"rename": "rename", "ascii_rename": "rename", "name_only": "name_only"}


def _identify(participant: str, group: list[_Participation], resolver: PartnerResolver, pics: dict[str, str],
              report: FileReport) -> tuple[str, str]:
    """``(org_id, rule)`` of one participant (a PIC, or a name where the PIC is missing)."""
    pic = group[0].pic
    names = Counter(p.name for p in group if p.name)
    name = sorted(names, key=lambda n: (-names[n], n))[0] if names else ""
    swedish = any(p.country == "SE" for p in group)
    if pic and pic in pics:
        org_id, rule = pics[pic], "pic"
    elif swedish and name:
        found, how = resolver.match(name, ascii=True)
        org_id, rule = (found, how or "") if found else ("", "name_only")
    else:
        org_id, rule = "", "name_only"
    if not org_id:
        org_id = f"PIC:{pic}" if pic else name_key(name, SOURCE)
    if pic:
        pics[pic] = org_id
    if swedish:
        types = Counter(p.org_type for p in group)
        report.notes[type_match_note(sorted(types, key=lambda t: (-types[t], t))[0], rule)] += 1
        resolver.note(f"cordis:{participant}", NOTE_HOW.get(rule, "name"))
    return org_id, rule


def _participant_records(rows: list[_Participation], resolver: PartnerResolver, report: FileReport,
                         pics: dict[str, str]) -> Iterator[Record]:
    groups: dict[str, list[_Participation]] = defaultdict(list)
    for p in rows:
        groups[f"pic:{p.pic}" if p.pic else f"name:{normalize_name(p.name)}"].append(p)
    identity: dict[str, tuple[str, str]] = {}
    countries: set[str] = set()
    for participant in sorted(groups):
        group = groups[participant]
        org_id, rule = _identify(participant, group, resolver, pics, report)
        identity[participant] = (org_id, rule)
        names = Counter(p.name for p in group if p.name)
        ordered = sorted(names, key=lambda n: (-names[n], n))
        types = Counter(p.org_type for p in group)
        country = sorted({p.country for p in group if p.country})
        props: dict[str, Any] = {"org_id": org_id, "aliases": sorted(names) or None,
                                 "org_type": sorted(types, key=lambda t: (-types[t], t))[0],
                                 "pic": group[0].pic or None, "country": country[0] if len(country) == 1 else None,
                                 "source": SOURCE}
        if not org_id.startswith("SE-ON:"):
            props["name"] = ordered[0] if ordered else None
            if not ordered:
                report.flag("participants without a name (kept by PIC)", group[0].pic)
        props.update(official_props(org_id))
        yield Node("Organisation", props)
        for code in country:
            if code not in countries:
                countries.add(code)
                yield Node("Country", {"code": code, "source": SOURCE})
            yield Rel("LOCATED_IN", ("Organisation", org_id), ("Country", code), {"source": SOURCE})
    merged: dict[tuple[str, str], list[_Participation]] = defaultdict(list)
    for p in rows:
        participant = f"pic:{p.pic}" if p.pic else f"name:{normalize_name(p.name)}"
        merged[(identity[participant][0], p.project)].append(p)
    for (org_id, project), group in sorted(merged.items()):
        if len(group) > 1:
            report.notes["participants listed more than once in a project (one relationship)"] += 1
        roles = {p.role for p in group if p.role}
        amounts = sorted(p.contribution for p in group if p.contribution is not None)
        first = min(group, key=lambda p: (p.pic, p.name))
        participant = f"pic:{first.pic}" if first.pic else f"name:{normalize_name(first.name)}"
        yield Rel("BENEFICIARY_OF", ("Organisation", org_id), ("Project", project), {
            "role": next((r for r in ROLE_ORDER if r in roles), min(roles, default=None)),
            "budget_eur": sum(amounts) if amounts else None,
            "name_as_given": first.name or None, "match_rule": identity[participant][1], "source": SOURCE,
        })
