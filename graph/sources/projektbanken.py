"""Tillväxtverket's Projektbanken exports of ERDF projects (a JSON list of cases).

Field meanings (one record per case):

- ``ärende-id``: the case number, 8 digits. It is the ``project_id`` as is ("20200535"), the same
  format as the seed record's identifier 20203353, so the two meet without translation. A case
  number met again with the same content is read once; with different content the later record
  is rejected (never merged into the first) and every differing field is listed in the
  data-quality findings with file and record number.
- ``beviljat_belopp_sek``: the ERDF support granted (beviljat = granted), in SEK: ``eu_budget``
  with ``currency`` SEK. The export has no total budget, so ``total_budget`` stays unknown.
- ``beviljat_belopp_eur``: always 0 in the export: missing, not zero, so ``eu_budget_eur`` stays
  unknown (never 0).
- ``stödmottagare``: the beneficiary, by name only. Identity: a numbered organisation with that
  name, else the renames table (Gävleborgs Läns Landsting -> Region Gävleborg), else a name key.
- ``län``: comma-separated counties -> one LOCATED_IN per county (NUTS 3); ``kommuner`` ->
  ``municipalities``; ``insatsområde`` -> priority-axis Theme; ``tematiskt_mål`` -> thematic-objective
  Theme (TO01-TO11 as in the EU regulation, ``TA`` for technical assistance).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph.counties import NUTS_VERSION, county_name, county_nuts3
from graph.errors import RowError
from graph.identity import OrgResolver, name_key, normalize_name, official_props
from graph.io.cells import parse_amount, parse_date
from graph.io.reports import FileReport
from graph.io.rows import read_json_records, scalar_problem
from graph.records import Node, Record, Rel
from graph.themes import theme_id

SOURCE = "projektbanken"
FUND = ("ERDF", "European Regional Development Fund")

REQUIRED = ("ärende-id", "stödmottagare", "beviljat_belopp_sek", "projektnamn", "projekt_starttid",
            "projekt_sluttid", "län")
OPTIONAL = ("projektbeskrivning", "kommuner", "insatsområde", "tematiskt_mål", "beviljat_belopp_eur")
KNOWN = (*REQUIRED, *OPTIONAL, "_source", "uppdateringsdatum", "område")

# Thematic objectives (Regulation (EU) 1303/2013, art. 9) by a word their Swedish wording always has.
THEMATIC_OBJECTIVES = (
    ("forskning", "TO01"),
    ("ikt", "TO02"),
    ("informations- och kommunikationsteknik", "TO02"),
    ("smf", "TO03"),
    ("små och medelstora", "TO03"),
    ("koldioxidsnål", "TO04"),
    ("klimatförändring", "TO05"),
    ("miljön", "TO06"),
    ("transporter", "TO07"),
    ("sysselsättning", "TO08"),
    ("social delaktighet", "TO09"),
    ("utbildning", "TO10"),
    ("institutionell kapacitet", "TO11"),
    ("tekniskt stöd", "TA"),
)
_CASE_RE = re.compile(r"^\d{8}$")
DUPLICATE = "case numbers met twice with different content (file, record, field; the later record not loaded)"
NEGATIVE = "negative granted amounts (loaded as given)"


def thematic_objective(text: str) -> str | None:
    """The thematic objective code of a Swedish ``tematiskt_mål`` text, or None.

    >>> thematic_objective("Att stärka forskning, teknisk utveckling och innovation")
    'TO01'
    >>> thematic_objective("Att öka konkurrenskraften hos SMF, inom jordbruket (för Ejflu)")
    'TO03'
    """
    t = text.casefold()
    for word, code in THEMATIC_OBJECTIVES:
        if re.search(r"(?<!\w)" + re.escape(word), t):
            return code
    return None


def _split(text: Any) -> list[str]:
    return [p.strip() for p in str(text or "").split(",") if p.strip()]


def read_cases(path: Path, encoding: str) -> list[dict[str, Any]]:
    """The JSON list of cases, or SourceError saying what is wrong with the file."""
    return read_json_records(path, encoding, REQUIRED, "project objects (a Projektbanken export)",
                             "Is this a Projektbanken export, or was a field renamed?")


def _repeated(path: Path, number: int, case: dict[str, Any], first: dict[str, tuple[int, dict[str, Any]]],
              report: FileReport) -> bool:
    """True when ``case`` repeats a case number already read: identical (counted) or not (rejected, listed)."""
    project_id = str(case.get("ärende-id")).strip()
    if project_id not in first:
        first[project_id] = (number, case)
        return False
    earlier, old = first[project_id]
    fields = [k for k in sorted({*old, *case} - {"_source", "uppdateringsdatum"}) if old.get(k) != case.get(k)]
    if not fields:
        report.notes["case numbers repeated with identical content (read once)"] += 1
        return True
    for k in fields:
        report.flag(DUPLICATE, f"{path.name} record {number}: {k} of {project_id} is {case.get(k)!r}, "
                               f"record {earlier} has {old.get(k)!r}")
    report.reject(number, fields[0], case.get(fields[0]),
                  f"case number {project_id} already read in record {earlier} with a different {', '.join(fields)}")
    return True


def iter_records(
    path: Path,
    *,
    encoding: str = "utf-8",
    resolver: OrgResolver | None = None,
    report: FileReport | None = None,
) -> Iterator[Record]:
    """Projects, their beneficiaries, fund, counties and themes; nodes before their relationships."""
    path = Path(path)
    report = report if report is not None else FileReport(str(path), SOURCE)
    resolver = resolver if resolver is not None else OrgResolver()
    cases = read_cases(path, encoding)
    for k in sorted({k for d in cases for k in d} - set(KNOWN)):
        report.flag("unknown fields (ignored)", k)
    yield Node("Fund", {"code": FUND[0], "name": FUND[1], "source": SOURCE})
    emitted: set[tuple[str, str]] = set()
    beneficiaries: dict[str, str] = {}
    first: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, case in enumerate(cases, start=1):
        report.rows += 1
        if _repeated(path, number, case, first, report):
            continue
        try:
            if (wrong := scalar_problem(case, f"$[{number - 1}]")) is not None:
                raise wrong
            project_id = str(case["ärende-id"]).strip()
            if not _CASE_RE.match(project_id):
                raise RowError("ärende-id", project_id, "not an 8-digit case number")
            name = str(case["stödmottagare"] or "").strip()
            if not name:
                raise RowError("stödmottagare", "", "empty beneficiary")
            granted = parse_amount(str(case["beviljat_belopp_sek"] if case["beviljat_belopp_sek"] is not None else ""),
                                   "beviljat_belopp_sek")
            start = parse_date(str(case["projekt_starttid"] or ""), "projekt_starttid")
            end = parse_date(str(case["projekt_sluttid"] or ""), "projekt_sluttid")
        except RowError as exc:
            report.reject(number, exc.field, exc.value, exc.reason)
            continue
        if granted is not None and granted < 0:
            report.flag(NEGATIVE, f"{path.name} record {number}: {project_id} {case['beviljat_belopp_sek']}")
        eur = case.get("beviljat_belopp_eur")
        if eur in (0, "0", None, ""):
            report.notes["beviljat_belopp_eur 0 read as unknown"] += 1
            eur_value = None
        else:
            try:
                eur_value = parse_amount(str(eur), "beviljat_belopp_eur")
            except RowError as exc:
                report.reject(number, exc.field, exc.value, exc.reason)
                continue
        yield Node("Project", {
            "project_id": project_id,
            "title": str(case["projektnamn"] or "").strip() or None,
            "summary": str(case.get("projektbeskrivning") or "").strip() or None,
            "start_date": start,
            "end_date": end,
            "eu_budget": granted,
            "eu_budget_eur": eur_value,
            "currency": "SEK" if granted is not None else None,
            "municipalities": _split(case.get("kommuner")) or None,
            "country": "SE",
            "source": SOURCE,
        })
        yield Rel("FUNDED_BY", ("Project", project_id), ("Fund", FUND[0]), {"source": SOURCE})

        org_id = beneficiaries.get(name)
        if org_id is None:
            matched, how = resolver.resolve(name)
            org_id = matched or name_key(name, SOURCE)
            beneficiaries[name] = org_id
            resolver.note(f"beneficiary:{normalize_name(name)}", how or "name_only")
            if how == "rename":
                report.flag("beneficiaries merged by the renames table", f"{name} -> {org_id}")
            elif how == "name":
                report.notes["beneficiaries matched by name to a numbered organisation"] += 1
        if ("Organisation", f"{org_id}\t{name}") not in emitted:  # each name met becomes an alias
            emitted.add(("Organisation", f"{org_id}\t{name}"))
            props: dict[str, Any] = {"org_id": org_id, "aliases": [name], "source": SOURCE}
            if org_id.startswith("NAME:"):
                props["name"] = name
            props.update(official_props(org_id))
            yield Node("Organisation", props)
        yield Rel("BENEFICIARY_OF", ("Organisation", org_id), ("Project", project_id),
                  {"role": "beneficiary", "source": SOURCE})

        for county in _split(case["län"]):
            code = county_nuts3(county)
            if code is None:
                report.flag("unknown county names (no LOCATED_IN)", county)
                continue
            if ("Region", code) not in emitted:
                emitted.add(("Region", code))
                yield Node("Region", {"nuts_code": code, "name": county_name(code), "level": 3,
                                      "nuts_version": NUTS_VERSION, "source": SOURCE})
            yield Rel("LOCATED_IN", ("Project", project_id), ("Region", code), {"source": SOURCE})

        axis = str(case.get("insatsområde") or "").strip()
        if axis:
            axis_id = theme_id("priority_axis", normalize_name(axis))
            if ("Theme", axis_id) not in emitted:
                emitted.add(("Theme", axis_id))
                yield Node("Theme", {"theme_id": axis_id, "kind": "priority_axis", "name": axis, "source": SOURCE})
            yield Rel("HAS_THEME", ("Project", project_id), ("Theme", axis_id), {"source": SOURCE})
        objective = str(case.get("tematiskt_mål") or "").strip()
        if objective:
            code = thematic_objective(objective)
            if code is None:
                report.flag("unknown thematic objectives (no theme)", objective)
            else:
                objective_id = theme_id("thematic_objective", code)
                if ("Theme", objective_id) not in emitted:
                    emitted.add(("Theme", objective_id))
                    yield Node("Theme", {"theme_id": objective_id, "kind": "thematic_objective", "code": code,
                                         "name": objective, "source": SOURCE})
                yield Rel("HAS_THEME", ("Project", project_id), ("Theme", objective_id), {"source": SOURCE})
