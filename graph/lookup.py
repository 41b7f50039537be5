"""One resolver of what a user names: organisations and regions, for every command, query and view.

An organisation is named by its ``org_id`` (``SE-ON:2321000198``), its organisation number in any
spelling (``232100-0198``), or its name or a former name in any case and punctuation ("REGION
GÄVLEBORG" finds "Region Gävleborg"). A region is named by its NUTS code or its name. Nothing is
guessed: no match raises a StakenetError with close names, several matches list the candidates.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from graph.errors import AmbiguousReference, StakenetError
from graph.identity import normalize_name, renames_by_name

Q_ORG_BY_ID = "MATCH (o:Organisation) WHERE o.org_id = $ref RETURN o.org_id, o.name"
Q_ORG_BY_NUMBER = "MATCH (o:Organisation) WHERE o.org_number = $ref RETURN o.org_id, o.name"
Q_ORG_NAMES = "MATCH (o:Organisation) RETURN o.org_id, o.name, o.aliases, o.org_number_valid"
_ID_PREFIX_RE = re.compile(r"^(SE-ON|FI-BID|ON)\s*:\s*(.+)$", re.IGNORECASE)
Q_REGION = "MATCH (r:Region) WHERE r.nuts_code = $code RETURN r.nuts_code, r.name, r.level"
Q_REGIONS = "MATCH (r:Region) RETURN r.nuts_code, r.name"



def _suggest(text: str, candidates: Mapping[str, str], n: int = 5) -> list[str]:
    """Display names whose normalised form is close to ``text``'s (difflib), best first."""
    wanted = normalize_name(text)
    close = difflib.get_close_matches(wanted, list(candidates), n=n, cutoff=0.6)
    if len(close) < n:
        close += sorted(k for k in candidates if wanted and wanted in k and k not in close)[: n - len(close)]
    return list(dict.fromkeys(candidates[c] for c in close))


def resolve_organisation(store: Any, ref: str) -> tuple[str, str]:
    """``(org_id, name)`` of the organisation ``ref`` names: an org_id, an organisation number or a name.

    Numbers may be spelt 232100-0180, 2321000180 or SE-ON:232100-0180. Names compare normalised
    (case, punctuation, legal form: "REGION GÄVLEBORG" finds "Region Gävleborg"), aliases count,
    and a former name in the renames table (graph/data/renames.csv: "Landstinget Gävleborg")
    finds its successor. Raises StakenetError suggesting close names when nothing matches, and
    AmbiguousReference (a StakenetError; the CLI exits 2) listing the candidates when several do.
    """
    text = ref.strip()
    if not text:
        raise StakenetError("give an organisation: an org_id, a 10-digit organisation number or a name")
    for cypher, value in _exact_attempts(text):
        found = sorted({(str(r[0]), str(r[1] or r[0])) for r in store.rows(cypher, {"ref": value})})
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise AmbiguousReference(_several(text, found))
    wanted = normalize_name(text)
    matches: set[tuple[str, str]] = set()
    names: dict[str, str] = {}
    known_ids: dict[str, str] = {}
    valid: set[str] = set()
    for org_id, name, aliases, number_valid in store.rows(Q_ORG_NAMES, {}):
        if number_valid:
            valid.add(str(org_id))
        display = str(name or org_id)
        known_ids[str(org_id)] = display
        for candidate in (display, *(aliases or ())):
            norm = normalize_name(str(candidate))
            names.setdefault(norm, display)
            if norm == wanted:
                matches.add((str(org_id), display))
    if len(matches) == 1:
        return matches.pop()
    if len(matches) > 1:
        # A name shared by one valid number and numbers failing their check digit is one buyer
        # with mistyped numbers (as the loader merges them): the valid number is the organisation.
        for pick in ([m for m in matches if m[0] in valid], [m for m in matches if m[0].startswith("SE-ON:")]):
            if len(pick) == 1:
                return pick[0]
        raise AmbiguousReference(_several(text, sorted(matches)))
    rename = renames_by_name().get(wanted)
    if rename is not None and rename.org_id in known_ids:  # a former name: the renames table is authoritative
        return rename.org_id, known_ids[rename.org_id]
    close = _suggest(text, names)
    hint = f" Did you mean: {'; '.join(close)}?" if close else " No organisation has a similar name."
    raise StakenetError(f"no organisation {text!r} in the graph (looked up as org_id, organisation number, "
                        f"name and former name).{hint}")


def _exact_attempts(text: str) -> list[tuple[str, str]]:
    """The exact look-ups to try, in order, for ``text``: as an org_id, then as an organisation number.

    Names are not looked up exactly: "REGION DALARNA" and "Region Dalarna" must find the same
    organisation, so every name goes through the normalised comparison.

    >>> [v for _, v in _exact_attempts("se-on:232100-0180")]
    ['se-on:232100-0180', 'SE-ON:2321000180', '2321000180', 'SE-ON:2321000180']
    """
    attempts = [(Q_ORG_BY_ID, text)]
    prefixed = _ID_PREFIX_RE.match(text)
    number = text
    if prefixed:
        number = re.sub(r"[\s-]", "", prefixed.group(2))
        attempts.append((Q_ORG_BY_ID, f"{prefixed.group(1).upper()}:{number}"))
    digits = re.sub(r"[\s-]", "", number)
    if digits.isdigit():
        attempts += [(Q_ORG_BY_NUMBER, digits), (Q_ORG_BY_ID, f"SE-ON:{digits}")]
    return attempts


def _several(text: str, found: Sequence[tuple[str, str]]) -> str:
    listed = "; ".join(f"{name} ({org_id})" for org_id, name in found[:8])
    return f"{text!r} names {len(found)} organisations: {listed}. Give the org_id or organisation number instead."


def resolve_region(store: Any, ref: str) -> tuple[str, str]:
    """``(nuts_code, name)`` of a region given by NUTS code or name; StakenetError with close ones."""
    text = ref.strip()
    rows = list(store.rows(Q_REGION, {"code": text.upper()}))
    if rows:
        return str(rows[0][0]), str(rows[0][1] or rows[0][0])
    regions = {str(code): str(name or code) for code, name in store.rows(Q_REGIONS, {})}
    if not regions:
        raise StakenetError("the graph has no regions: load a NUTS file first (stakenet load nuts ...)")
    by_name = {normalize_name(n): c for c, n in regions.items()}
    wanted = normalize_name(text)
    if wanted in by_name:
        code = by_name[wanted]
        return code, regions[code]
    choices = {normalize_name(n): f"{c} {n}" for c, n in regions.items()} | {c.lower(): f"{c} {n}" for c, n in regions.items()}
    close = _suggest(text, choices)
    hint = f" Did you mean: {'; '.join(dict.fromkeys(close))}?" if close else ""
    raise StakenetError(f"no region {text!r} (a NUTS code such as SE313, or a region name).{hint}")


