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

from graph.errors import StakenetError
from graph.identity import normalize_name

Q_ORG_BY_ID = "MATCH (o:Organisation) WHERE o.org_id = $ref RETURN o.org_id, o.name"
Q_ORG_BY_NUMBER = "MATCH (o:Organisation) WHERE o.org_number = $ref RETURN o.org_id, o.name"
Q_ORG_BY_NAME = "MATCH (o:Organisation) WHERE o.name = $ref RETURN o.org_id, o.name"
Q_ORG_NAMES = "MATCH (o:Organisation) RETURN o.org_id, o.name, o.aliases"
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

    Names compare normalised (case, punctuation, legal form: "REGION GÄVLEBORG" finds "Region
    Gävleborg") and aliases count. Raises StakenetError suggesting close names when nothing
    matches, and listing the candidates when several do.
    """
    text = ref.strip()
    if not text:
        raise StakenetError("give an organisation: an org_id, a 10-digit organisation number or a name")
    digits = re.sub(r"[\s-]", "", text)
    attempts = [(Q_ORG_BY_ID, text)]
    if digits.isdigit():
        attempts += [(Q_ORG_BY_NUMBER, digits), (Q_ORG_BY_ID, f"SE-ON:{digits}")]
    attempts.append((Q_ORG_BY_NAME, text))
    for cypher, value in attempts:
        found = sorted({(str(r[0]), str(r[1] or r[0])) for r in store.rows(cypher, {"ref": value})})
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise StakenetError(_several(text, found))
    wanted = normalize_name(text)
    matches: set[tuple[str, str]] = set()
    names: dict[str, str] = {}
    for org_id, name, aliases in store.rows(Q_ORG_NAMES, {}):
        display = str(name or org_id)
        for candidate in (display, *(aliases or ())):
            norm = normalize_name(str(candidate))
            names.setdefault(norm, display)
            if norm == wanted:
                matches.add((str(org_id), display))
    if len(matches) == 1:
        return matches.pop()
    if len(matches) > 1:
        numbered = sorted(m for m in matches if m[0].startswith("SE-ON:"))
        if len(numbered) == 1:
            return numbered[0]
        raise StakenetError(_several(text, sorted(matches)))
    close = _suggest(text, names)
    hint = f" Did you mean: {'; '.join(close)}?" if close else " No organisation has a similar name."
    raise StakenetError(f"no organisation {text!r} in the graph (looked up as org_id, organisation number and name).{hint}")


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


