"""Placing public buyers in their county (NUTS 3) from their name, and saying which rule did it.

The procurement statistics carry no buyer address, but a public body's legal name often says where
it is. Only names that leave no doubt are used (a wrong county is worse than none), in this order:

``municipality``
    "<X> kommun" / "<X>s kommun" / "<X> stad" (genitive ``-s`` dropped only when "<X>" itself is
    no municipality), and "Region Gotland" (the municipality of Gotland, kommunkod 0980), looked
    up in ``graph/data/municipalities.csv`` (SCB kommunkoder, all 290 municipalities).
``region``
    "Region <X>", "<X> läns landsting", "Landstinget (i) <X>" where <X> is a county, and the
    organisations of the renames table whose former name is such a county-council name
    ("Västra Götalandsregionen" via "Västra Götalands läns landsting").
``county_board``
    "Länsstyrelsen i <X> län" / "Länsstyrelsen <X>".
``municipal_company``
    A buyer whose sector is ``Kommun`` (municipal companies, foundations, federations) and whose
    name contains exactly one municipality name, as whole words ("Gävle Energi AB") or as the
    head of a compound with a housing/premises word of ``COMPOUND_SUFFIXES`` ("Sandvikenhus AB",
    "AB Ljusdalshem"), not followed by "län(s)" (a county) and not one of ``COMMON_WORD_NAMES``
    (municipality names that are also everyday words). Two municipalities ("Eskilstuna Strängnäs
    Energi och Miljö AB") place nothing, even in one county; so do regional compounds
    ("Göteborgsregionens kommunalförbund" spans two counties).

Everything else (state agencies, universities, regional companies, associations) stays unplaced.
A name that looks like a municipality or county but is not in the tables is not placed either; the
caller reports it.

>>> p = Placer()
>>> p.place("SANDVIKENS KOMMUN")
Placement(nuts3='SE313', rule='municipality', place='Sandviken')
>>> p.place("Länsstyrelsen i Gävleborgs län").nuts3, p.place("REGION JÄMTLAND HÄRJEDALEN").nuts3
('SE313', 'SE322')
>>> p.place("GÄVLE ENERGI AKTIEBOLAG", sector="Kommun").rule
'municipal_company'
>>> p.place("GÄVLE ENERGI AKTIEBOLAG", sector="Annat") is None
True
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from graph.counties import SE_COUNTIES, county_nuts3
from graph.identity import Rename, load_renames, normalize_name

RULES = ("municipality", "region", "county_board", "municipal_company")
MUNICIPAL_SECTOR = "Kommun"
# Municipality names that are also everyday Swedish words (mark = land, berg = mountain, vara =
# goods, kil = wedge, boden = the shed, klippan = the cliff): not evidence inside a company name.
COMMON_WORD_NAMES = frozenset({"mark", "berg", "vara", "kil", "boden", "klippan"})
# Compound endings of municipal companies' names: "<municipality>(s)<ending>" ("Hudiksvallsbostäder").
COMPOUND_SUFFIXES = ("bostäder", "byggen", "fastigheter", "gårdar", "hem", "hus", "lokaler")
# Names of a municipality that are not "<name> kommun".
MUNICIPALITY_ALIASES = {"region gotland": "0980"}
# Genitives that are not "<name>s": Falun's official name is "Falu kommun".
GENITIVES = {"falu": "2080"}


@dataclass(frozen=True)
class Municipality:
    """One row of ``graph/data/municipalities.csv``."""

    kommunkod: str
    name: str
    county: str
    nuts3: str


@dataclass(frozen=True)
class Placement:
    """Where a buyer is (``nuts3``), by which rule, and the municipality or county name that said so."""

    nuts3: str
    rule: str
    place: str


@cache
def load_municipalities() -> tuple[Municipality, ...]:
    """The 290 Swedish municipalities shipped in ``graph/data/municipalities.csv`` (``#`` lines are comments).

    >>> [m.name for m in load_municipalities() if m.kommunkod == "2180"]
    ['Gävle']
    """
    text = resources.files("graph").joinpath("data/municipalities.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(Municipality(r["kommunkod"], r["name"], r["county"], r["nuts3"]) for r in rows)


_MUNICIPALITY_RE = re.compile(r"^(?P<x>.+) (kommun|stad)$")
_REGION_RES = (
    re.compile(r"^region (?P<x>.+)$"),
    re.compile(r"^(?P<x>.+) läns landsting$"),
    re.compile(r"^landstinget (i )?(?P<x>.+)$"),
)
_BOARD_RE = re.compile(r"^länsstyrelsen (i )?(?P<x>.+)$")


def _county(text: str) -> tuple[str, str] | None:
    """``(nuts3, county base name)`` of a county name in any usual form, else None."""
    code = county_nuts3(text)
    if code is None:
        return None
    return code, next(b for b, c in SE_COUNTIES.items() if c == code)


class Placer:
    """Places buyers by name with the rules of this module; build once per load (indexes the tables).

    >>> Placer().place("Göteborgs Stad")
    Placement(nuts3='SE232', rule='municipality', place='Göteborg')
    >>> Placer().place("VÄSTRA GÖTALANDSREGIONEN", org_id="SE-ON:2321000131").rule
    'region'
    >>> Placer().place("ESKILSTUNA STRÄNGNÄS ENERGI OCH MILJÖ AKTIEBOLAG", sector="Kommun") is None
    True
    """

    def __init__(self, municipalities: Iterable[Municipality] | None = None,
                 renames: Iterable[Rename] | None = None) -> None:
        rows = tuple(load_municipalities() if municipalities is None else municipalities)
        self.municipalities = {normalize_name(m.name): m for m in rows}
        by_code = {m.kommunkod: m for m in rows}
        for alias, code in MUNICIPALITY_ALIASES.items():
            if code in by_code:
                self.municipalities.setdefault(alias, by_code[code])
        self.genitives = {g: by_code[code] for g, code in GENITIVES.items() if code in by_code}
        self._longest = max((len(k.split()) for k in self.municipalities), default=0)
        # org_id -> county of the renamed county councils (the former name says which county).
        self.renamed: dict[str, tuple[str, str]] = {}
        for r in load_renames() if renames is None else renames:
            county = self._council(normalize_name(r.former_name))
            if county is not None:
                self.renamed[r.org_id] = county

    def municipality(self, name: str) -> Municipality | None:
        """The municipality a normalised name is, exactly or in the genitive (``gävles`` -> Gävle)."""
        m = self.municipalities.get(name) or self.genitives.get(name)
        if m is None and name.endswith("s"):
            m = self.municipalities.get(name[:-1])
        return m

    @staticmethod
    def _council(norm: str) -> tuple[str, str] | None:
        for rx in _REGION_RES:
            match = rx.match(norm)
            if match:
                return _county(match.group("x"))
        return None

    def _company(self, norm: str) -> Municipality | None:
        """The one municipality named (as whole words, longest match first) in a company name, else None."""
        tokens = norm.split()
        found: list[Municipality] = []
        i = 0
        while i < len(tokens):
            for length in range(min(self._longest, len(tokens) - i), 0, -1):
                words = " ".join(tokens[i:i + length])
                m = self.municipality(words)
                if m is None:
                    continue
                if normalize_name(m.name) in COMMON_WORD_NAMES or (i + length < len(tokens) and tokens[i + length] in ("län", "läns")):
                    return None  # an everyday word or a county: no evidence of one municipality
                found.append(m)
                i += length
                break
            else:
                head = next((tokens[i][:-len(e)] for e in COMPOUND_SUFFIXES
                             if tokens[i].endswith(e) and len(tokens[i]) > len(e)), "")
                m = self.municipality(head) if head else None
                if m is not None:
                    if normalize_name(m.name) in COMMON_WORD_NAMES:
                        return None
                    found.append(m)
                i += 1
        return found[0] if len({m.kommunkod for m in found}) == 1 else None

    def place(self, name: str | None, *, sector: str | None = None, org_id: str | None = None) -> Placement | None:
        """Where the buyer called ``name`` is, or None when its name does not say so reliably.

        ``sector`` is the buyer's sector as the export gives it (``Kommun``, ``Region``, ``Stat``,
        ``Annat``); ``org_id`` finds renamed county councils in the renames table.
        """
        norm = normalize_name(name or "")
        if norm in MUNICIPALITY_ALIASES:
            m = self.municipalities.get(norm)
            return Placement(m.nuts3, "municipality", m.name) if m else None
        match = _MUNICIPALITY_RE.match(norm)
        if match:
            m = self.municipality(match.group("x"))
            if m is not None:
                return Placement(m.nuts3, "municipality", m.name)
        county = self._council(norm)
        if county is None and org_id is not None:
            county = self.renamed.get(org_id)
        if county is not None:
            return Placement(county[0], "region", county[1])
        match = _BOARD_RE.match(norm)
        if match:
            county = _county(match.group("x"))
            if county is not None:
                return Placement(county[0], "county_board", county[1])
        if sector == MUNICIPAL_SECTOR and norm:
            m = self._company(norm)
            if m is not None:
                return Placement(m.nuts3, "municipal_company", m.name)
        return None

    def looks_placeable(self, name: str | None) -> bool:
        """True for names shaped like a municipality, region or county board (to report misses).

        >>> Placer().looks_placeable("Atlantis kommun"), Placer().looks_placeable("Atlantis AB")
        (True, False)
        """
        norm = normalize_name(name or "")
        return bool(_MUNICIPALITY_RE.match(norm) or _BOARD_RE.match(norm) or any(rx.match(norm) for rx in _REGION_RES[1:]))
