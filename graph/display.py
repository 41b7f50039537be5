"""Names as people write them: one display name per organisation, its organisation number beside it.

Internal keys (``NAME:...``, ``SE-ON:...``, ``ANON:...``) never reach visible text: a Swedish
organisation number is shown as people write it (``232100-0198``), any other key not at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words kept in capitals (legal forms, abbreviations) and written in lower case inside a name.
_UPPER = {"AB", "HB", "KB", "AS", "ASA", "A/S", "APS", "OY", "GMBH", "AG", "SA", "BV", "NV", "LTD", "PLC", "LLC", "(PUBL)",
          "EU", "IT", "VA", "HVB", "SKL", "SKR", "SOS", "UF", "KTH", "SLU", "MSB", "SCB", "SVT", "SJ", "ICA", "IKEA", "ABB",
          "AV", "NCC", "PEAB", "WSP", "(AV)"}
_LOWER = {"kommun", "kommuns", "län", "läns", "landsting", "i", "och", "för", "av", "på", "till", "med", "stad", "stads",
          "region", "regionen", "kommunalförbund", "förbund", "stift", "församling", "bostäder", "fastigheter", "de", "la",
          "und", "of", "the", "and"}
_ORG_NUMBER = re.compile(r"^SE-ON:(\d{6})(\d{4})$")
INTERNAL_KEY = re.compile(r"\b(?:NAME|SE-ON|ANON|EU-PIC|ORG):\S")


def recase(name: str) -> str:
    """An all-capitals name in the case people write it; any other name unchanged.

    >>> recase("GÄVLE KOMMUN"), recase("SWECO SVERIGE AB"), recase("Region Gävleborg"), recase("REGION GÄVLEBORG")
    ('Gävle kommun', 'Sweco Sverige AB', 'Region Gävleborg', 'Region Gävleborg')
    """
    letters = [c for c in name if c.isalpha()]
    if not letters or any(c.islower() for c in letters):
        return name
    words = name.split(" ")
    out = []
    for i, word in enumerate(words):
        if word.upper() in _UPPER or (len(word) <= 3 and word.startswith("(")):
            out.append(word)
        elif i > 0 and word.lower() in _LOWER:
            out.append(word.lower())
        else:
            out.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
    return " ".join(out)


def display_name(name: str | None, aliases: Iterable[str] | None = (), org_id: str | None = None) -> str:
    """The name to show: a mixed-case spelling of the same name from any source, else the name recased.

    >>> display_name("REGION GÄVLEBORG", ["Region Gävleborg", "Gävleborgs Läns Landsting"])
    'Region Gävleborg'
    >>> display_name(None, [], "NAME:upphandling:x")
    '(unnamed organisation)'
    """
    if not name:
        return "(unnamed organisation)" if org_id is None or INTERNAL_KEY.match(org_id) else org_id
    key = " ".join(name.casefold().split())
    for alias in sorted(aliases or ()):
        if " ".join(alias.casefold().split()) == key and any(c.islower() for c in alias):
            return alias
    return recase(name)


def org_number_text(org_id: str | None) -> str | None:
    """The Swedish organisation number of an ``SE-ON:`` key as people write it, else None.

    >>> org_number_text("SE-ON:2321000198"), org_number_text("NAME:upphandling:x")
    ('232100-0198', None)
    """
    m = _ORG_NUMBER.match(org_id or "")
    return f"{m.group(1)}-{m.group(2)}" if m else None


def org_label(name: str | None, org_id: str | None) -> str:
    """'Region Gävleborg (232100-0198)', or the name alone where no organisation number is known."""
    number = org_number_text(org_id)
    shown = name or "(unnamed organisation)"
    return f"{shown} ({number})" if number else shown
