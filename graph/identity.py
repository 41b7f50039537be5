"""Organisation identity: organisation numbers, name normalisation, known renames, matching.

One real organisation must be one node whatever role it plays (buyer, supplier, beneficiary). The
strongest key is the Swedish organisation number (``org_id`` ``SE-ON:<10 digits>``); organisations
without one get a normalised-name key scoped by source (``NAME:<source>:<normalised name>``), and
are matched to numbered organisations by normalised name, then by the table of known renames in
``graph/data/renames.csv`` (landsting -> region), which carries the successor's number so that the
match works whichever file is loaded first. Redacted natural persons (``Personuppgift``) are never
matched: each gets its own anonymous key.

>>> parse_org_number("212000-2742").org_id
'SE-ON:2120002742'
>>> normalize_name("  GÄVLEBORGS  Läns Landsting ")
'gävleborgs läns landsting'
>>> OrgResolver().resolve("Gävleborgs Läns Landsting")
('SE-ON:2321000198', 'rename')
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from stdnum import luhn
from stdnum.fi import ytunnus
from stdnum.se import orgnr

REDACTED_NAMES = frozenset({"personuppgift"})

# Legal-form words and their canonical abbreviations. Whole words only, after case folding and
# punctuation removal; "a/s" and "ek. för." are handled before punctuation is removed.
_LEGAL_FORMS = {
    "aktiebolag": "ab",
    "aktiebolaget": "ab",
    "ab": "ab",
    "handelsbolag": "hb",
    "hb": "hb",
    "kommanditbolag": "kb",
    "kb": "kb",
    "ekonomisk förening": "ek för",
    "ek för": "ek för",
    "ekonomiska föreningen": "ek för",
    "as": "as",
    "asa": "asa",
    "oy": "oy",
    "oyj": "oyj",
    "aps": "aps",
    "gmbh": "gmbh",
    "ltd": "ltd",
    "limited": "ltd",
    "inc": "inc",
    "bv": "bv",
    "nv": "nv",
    "sa": "sa",
}
_LEGAL_RE = re.compile(
    r"(?<!\w)(" + "|".join(sorted((re.escape(k) for k in _LEGAL_FORMS), key=len, reverse=True)) + r")(?!\w)"
)
_PUNCT_RE = re.compile(r"[^\w\s]")
_SPACE_RE = re.compile(r"\s+")


@lru_cache(maxsize=1 << 16)
def normalize_name(name: str) -> str:
    """A comparable form of an organisation name: case-folded, single-spaced, punctuation-free.

    Swedish letters are kept (``ä`` is not ``a``: "Mälaren" is not "Malaren"); legal-form words
    are reduced to one canonical abbreviation, so "Aktiebolag" and "AB" compare equal.

    >>> normalize_name("IST Sverige Aktiebolag (publ)")
    'ist sverige ab'
    >>> normalize_name("Danske Bank A/S")
    'danske bank as'
    >>> normalize_name("Fören. Matvärden, ek. för.")
    'fören matvärden ek för'
    """
    s = unicodedata.normalize("NFC", name).casefold()
    s = s.replace("(publ)", " ").replace("a/s", " as ").replace("ek. för.", " ek för ").replace("&", " och ")
    s = _PUNCT_RE.sub(" ", s).replace("_", " ")
    s = _SPACE_RE.sub(" ", s).strip()
    return _LEGAL_RE.sub(lambda m: _LEGAL_FORMS[m.group(1)], s)


def name_stem(name: str) -> str:
    """The normalised name without a leading or trailing legal form (a weaker matching key).

    >>> name_stem("Gävle Energi Aktiebolag")
    'gävle energi'
    """
    tokens = normalize_name(name).split()
    forms = {v for v in _LEGAL_FORMS.values() if " " not in v}
    while len(tokens) > 1 and tokens[-1] in forms:
        tokens.pop()
    if len(tokens) > 2 and tokens[-2:] == ["ek", "för"]:
        tokens = tokens[:-2]
    while len(tokens) > 1 and tokens[0] in forms:
        tokens.pop(0)
    return " ".join(tokens)


def is_redacted(name: str) -> bool:
    """True for the placeholder of a redacted natural person (``Personuppgift``)."""
    return name.strip().casefold() in REDACTED_NAMES or normalize_name(name) in REDACTED_NAMES


# -- organisation numbers ---------------------------------------------------------------------


@dataclass(frozen=True)
class OrgNumber:
    """A parsed organisation identifier.

    ``number`` is the canonical form (10 digits for Swedish numbers), ``valid`` whether its check
    digit holds, ``kind`` one of ``se`` (Swedish), ``fi`` (Finnish business ID, e.g. Åland
    buyers), ``unknown``; ``problem`` says what is wrong when not valid.
    """

    raw: str
    number: str
    kind: str
    valid: bool
    problem: str | None = None

    @property
    def org_id(self) -> str:
        if self.kind == "se":
            return f"SE-ON:{self.number}"
        if self.kind == "fi":
            return f"FI-BID:{self.number}"
        return f"ON:{self.number}"

    @property
    def country(self) -> str | None:
        return {"se": "SE", "fi": "FI"}.get(self.kind)


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by Swedish organisation and personal numbers (``stdnum.luhn``).

    >>> luhn_ok("2120002742"), luhn_ok("2120002743")
    (True, False)
    """
    return luhn.is_valid(digits)


_FI_RE = re.compile(r"^\d{7}-\d$")


# Data-quality findings of buyers whose Swedish number fails its check digit (parse time and after loads).
MISTYPED_MERGED = ("buyers merged: organisation number fails its check digit, buyer name equals a valid-numbered "
                   "buyer's (number kept in org_number_aliases)")
MISTYPED_KEPT = "buyers kept apart: organisation number fails its check digit, no single valid-numbered buyer of that name"


def parse_org_number(raw: str) -> OrgNumber:
    """Parse an organisation number in any of its usual spellings.

    Accepts ``212000-2742``, ``2120002742``, ``SE-ON:2120002742``, ``SE2120002742`` and the
    12-digit form with a century prefix (``162120002742``). Finnish business IDs (``0205034-3``)
    are recognised as foreign. Never raises on bad data: the result says what is wrong.

    >>> parse_org_number("16212000-2742").number
    '2120002742'
    >>> n = parse_org_number("2331000180")
    >>> (n.org_id, n.valid, n.problem)
    ('SE-ON:2331000180', False, 'check digit fails')
    >>> n = parse_org_number("0205034-3")
    >>> (n.org_id, n.kind, n.valid)
    ('FI-BID:0205034-3', 'fi', True)
    """
    s = raw.strip()
    if _FI_RE.match(s):
        ok = ytunnus.is_valid(s)
        return OrgNumber(raw, s, "fi", ok, None if ok else "Finnish check digit fails")
    compact = re.sub(r"[\s\-+]", "", s)
    upper = compact.upper()
    for prefix in ("SE-ON:", "SEON:", "SE"):
        if upper.startswith(prefix) and upper[len(prefix):].isdigit():
            compact = compact[len(prefix):]
            break
    if compact.isdigit() and len(compact) == 12 and compact[:2] in ("16", "19", "20"):
        compact = compact[2:]
    if compact.isdigit() and len(compact) == 10:
        if orgnr.is_valid(compact):
            return OrgNumber(raw, compact, "se", True)
        return OrgNumber(raw, compact, "se", False, "check digit fails")
    return OrgNumber(raw, s, "unknown", False, "not a Swedish organisation number")


# -- keys ------------------------------------------------------------------------------------


def name_key(name: str, source: str) -> str:
    """The ``org_id`` of an organisation known only by name in ``source``.

    >>> name_key("Gävle Energi Aktiebolag", "upphandling")
    'NAME:upphandling:gävle energi ab'
    """
    return f"NAME:{source}:{normalize_name(name)}"


def procurement_key(buyer_org_id: str, upphandlings_id: str) -> str:
    """The ``procurement_id`` of one buyer's procurement: ``<buyer org_id>|<Upphandlings-ID>``.

    The export's ``Upphandlings-ID`` is not unique across buyers (MT4321 is both Region Skåne's
    call-off and Adda's framework agreement), so a procurement is (buyer, ID). The buyer is the
    org_id of the number as given on the row (a mistyped number folded into its organisation
    later keeps its procurements' keys).

    >>> procurement_key("SE-ON:2321000255", "MT4321")
    'SE-ON:2321000255|MT4321'
    """
    return f"{buyer_org_id}|{upphandlings_id}"


def anonymous_key(source: str, *parts: str) -> str:
    """The ``org_id`` of one redacted natural person, from the fields of the row that names it.

    >>> anonymous_key("upphandling", "MT1", "CAN-1", "2")
    'ANON:upphandling:MT1:CAN-1:2'
    """
    return "ANON:" + ":".join((source, *parts))


# -- renames -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rename:
    """A known rename: ``former_name`` became ``current_name`` (organisation number kept)."""

    former_name: str
    current_name: str
    org_number: str
    renamed_on: str
    source: str

    @property
    def org_id(self) -> str:
        return f"SE-ON:{self.org_number}"


@cache
def load_renames() -> tuple[Rename, ...]:
    """The known renames shipped in ``graph/data/renames.csv``."""
    text = resources.files("graph").joinpath("data/renames.csv").read_text(encoding="utf-8")
    return tuple(Rename(**row) for row in csv.DictReader(text.splitlines()))


def renames_by_name(renames: Iterable[Rename] | None = None) -> dict[str, Rename]:
    """Known former names (normalised) -> their rename.

    >>> renames_by_name()["landstinget gävleborg"].current_name
    'Region Gävleborg'
    """
    return {normalize_name(r.former_name): r for r in (load_renames() if renames is None else renames)}


def current_names() -> dict[str, str]:
    """org_id -> the current official name of every organisation in the renames table."""
    return {r.org_id: r.current_name for r in load_renames()}


def official_props(org_id: str) -> dict[str, object]:
    """Organisation properties the renames table vouches for (empty when ``org_id`` is not in it).

    >>> official_props("SE-ON:2321000198")["name"]
    'Region Gävleborg'
    """
    name = current_names().get(org_id)
    if name is None:
        return {}
    number = org_id.removeprefix("SE-ON:")
    return {"name": name, "org_number": number, "org_number_valid": luhn_ok(number), "country": "SE", "is_public": True}


# -- matching ----------------------------------------------------------------------------------


@dataclass
class MatchCounts:
    """How the distinct organisations of one load were identified."""

    with_org_number: int = 0
    matched_by_name: int = 0
    merged_by_rename: int = 0
    name_only: int = 0
    anonymous: int = 0
    ambiguous: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.with_org_number + self.matched_by_name + self.merged_by_rename + self.name_only + self.anonymous

    def rates(self) -> dict[str, float]:
        """Each count as a share of all distinct organisations (0.0 when there are none)."""
        t = self.total or 1
        return {
            "with_org_number": self.with_org_number / t,
            "matched_by_name": self.matched_by_name / t,
            "merged_by_rename": self.merged_by_rename / t,
            "name_only": self.name_only / t,
            "anonymous": self.anonymous / t,
        }


class OrgResolver:
    """Resolves organisation names to ``org_id`` s: numbered organisations first, then renames.

    Feed it the numbered organisations already in the store (``add_known``) and those a source
    meets; ``resolve`` then returns ``(org_id, how)`` where ``how`` is ``name``, ``rename`` or
    ``None`` (no match). A name that fits several numbered organisations matches the one with a
    valid number when there is exactly one such, else none (it is recorded as ambiguous).

    >>> r = OrgResolver()
    >>> r.add_known("SE-ON:2120002338", "GÄVLE KOMMUN")
    >>> r.resolve("Gävle kommun")
    ('SE-ON:2120002338', 'name')
    >>> r.resolve("Okänd AB")
    (None, None)
    """

    def __init__(self, renames: Iterable[Rename] | None = None) -> None:
        self._by_name: dict[str, set[str]] = defaultdict(set)
        self._by_stem: dict[str, set[str]] = defaultdict(set)
        self._valid: dict[str, bool] = {}
        self.renames = renames_by_name(renames)
        self.counts = MatchCounts()
        self._seen: dict[str, str] = {}

    def add_known(self, org_id: str, name: str | None, valid: bool = True, aliases: Iterable[str] = ()) -> None:
        """Register a numbered organisation under its name and aliases."""
        self._valid[org_id] = valid
        for n in (name, *aliases):
            if n and not is_redacted(n):
                self._by_name[normalize_name(n)].add(org_id)
                self._by_stem[name_stem(n)].add(org_id)

    def _pick(self, candidates: set[str]) -> str | None:
        if len(candidates) == 1:
            return next(iter(candidates))
        valid = [c for c in candidates if self._valid.get(c, True)]
        return valid[0] if len(valid) == 1 else None

    def resolve(self, name: str, *, stems: bool = True) -> tuple[str | None, str | None]:
        """``(org_id, how)`` of a numbered organisation called ``name``, or ``(None, None)``.

        ``stems=False`` matches exact normalised names only (no match with the legal form dropped).
        """
        norm = normalize_name(name)
        if norm in REDACTED_NAMES or not norm:
            return None, None
        rename = self.renames.get(norm)
        if rename is not None:  # a known former name: the table is authoritative
            return rename.org_id, "rename"
        indexes = ((self._by_name, norm), (self._by_stem, name_stem(name))) if stems else ((self._by_name, norm),)
        for index, key in indexes:
            candidates = index.get(key)
            if candidates:
                picked = self._pick(candidates)
                if picked:
                    return picked, "name"
                if name not in self.counts.ambiguous:
                    self.counts.ambiguous.append(name)
                return None, None
        return None, None

    def note(self, entity: str, how: str) -> None:
        """Count a distinct organisation of a source (e.g. ``supplier:<name>``) once, by how it was identified."""
        if entity in self._seen:
            return
        self._seen[entity] = how
        attr = {
            "org_number": "with_org_number",
            "name": "matched_by_name",
            "rename": "merged_by_rename",
            "name_only": "name_only",
            "anonymous": "anonymous",
        }[how]
        setattr(self.counts, attr, getattr(self.counts, attr) + 1)


# -- partners of EU projects (Interreg, CORDIS): public bodies by the tables, ASCII-folded names --

# How a partner's name was identified with an organisation already known (recorded on its
# BENEFICIARY_OF as ``match_rule``). No rule guesses: each is an equality of keys.
MATCH_RULES = {
    "pic": "the same CORDIS PIC as an organisation loaded before",
    "rename": "a former name in graph/data/renames.csv",
    "name": "the same normalised name (case, spacing, punctuation, legal-form words)",
    "public_body": "the same municipality, region or county board, by the municipalities table "
                   "(graph/data/municipalities.csv: '<X> kommun', '<X>s stad', 'Municipality of X', "
                   "'Region <county>', 'Länsstyrelsen i <county>')",
    "legal_form": "the same normalised name once a leading or trailing legal form is dropped",
    "ascii_rename": "a former name of the renames table, compared ASCII-folded (CORDIS: OSTERGOTLANDS LANS LANDSTING)",
    "ascii_name": "the same normalised name compared ASCII-folded (å/ä -> a, ö -> o, é -> e, ae/oe -> a/o)",
    "ascii_public_body": "the same public body (as public_body) with names compared ASCII-folded",
    "name_only": "no organisation known by that name: a node of its own, keyed by name or PIC",
}

_DIGRAPHS = re.compile(r"(?<=[a-z])(ae|oe)")


@lru_cache(maxsize=1 << 16)
def ascii_fold(name: str) -> str:
    """The normalised name in plain ASCII, as CORDIS writes Swedish names (no å/ä/ö; "oe" for ö at times).

    Used only to compare two names both folded; a folded name is never shown.

    >>> ascii_fold("Högskolan i Gävle") == ascii_fold("HOGSKOLAN I GAVLE") == "hogskolan i gavle"
    True
    >>> ascii_fold("KUNGLIGA TEKNISKA HOEGSKOLAN") == ascii_fold("Kungliga Tekniska Högskolan")
    True
    """
    s = unicodedata.normalize("NFKD", normalize_name(name))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return _DIGRAPHS.sub(lambda m: m.group(1)[0], s)


@cache
def _public_body_tables(folded: bool) -> tuple[dict[str, set[str]], dict[str, str]]:
    """(municipality name or genitive -> kommunkoder, county name forms -> NUTS 3) from municipalities.csv."""
    key = ascii_fold if folded else normalize_name
    text = resources.files("graph").joinpath("data/municipalities.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    exact: dict[str, set[str]] = defaultdict(set)
    genitive: dict[str, set[str]] = defaultdict(set)
    counties: dict[str, str] = {}
    for r in rows:
        name = key(r["name"])
        exact[name].add(r["kommunkod"])
        genitive[name if name.endswith("s") else name + "s"].add(r["kommunkod"])
        county = key(r["county"]).removesuffix(" län").removesuffix(" lan")
        for form in {county, county.removesuffix("s")}:
            counties[form] = r["nuts3"]
    genitive[key("Falu")].add(next(r["kommunkod"] for r in rows if r["name"] == "Falun"))
    for alias, base in (("sörmland", "södermanland"), ("jämtland härjedalen", "jämtland")):
        k, b = (ascii_fold(alias), ascii_fold(base)) if folded else (alias, base)
        if b in counties:
            counties[k] = counties[b]
    municipalities = {k: v for k, v in genitive.items() if k not in exact}
    municipalities.update(exact)  # an exact name wins over another's genitive
    return municipalities, counties


_MUNI_RES = (re.compile(r"^(?P<x>.+) (kommun|stad|municipality)$"), re.compile(r"^(city|municipality) of (?P<x>.+)$"))
_REGION_RES = (re.compile(r"^region (?P<x>.+)$"), re.compile(r"^(?P<x>.+) (läns|lans) landsting$"),
               re.compile(r"^landstinget (i )?(?P<x>.+)$"), re.compile(r"^(?P<x>.+)regionen$"))
_BOARD_RE = re.compile(r"^(länsstyrelsen|lansstyrelsen) (i )?(?P<x>.+?)( län| lan)?$")


def public_body_key(name: str, *, folded: bool = False) -> str | None:
    """``kommun:<kommunkod>``, ``region:<NUTS 3>`` or ``county_board:<NUTS 3>`` of a public body's name, else None.

    Two names with the same key are the same body. Only whole-name patterns count ("Stadsbyggnads-
    förvaltningen Göteborgs stad" is a department, not the city); a name that two municipalities
    could be (Håbo and Habo, ASCII-folded) has no key.

    >>> public_body_key("Strömstad kommun") == public_body_key("STRÖMSTADS KOMMUN") == public_body_key("Municipality of Strömstad")
    True
    >>> public_body_key("Region Jönköpings"), public_body_key("Länsstyrelsen Skåne")
    ('region:SE211', 'county_board:SE224')
    >>> public_body_key("OSTERGOTLANDS LANS LANDSTING", folded=True), public_body_key("HABO KOMMUN", folded=True)
    ('region:SE123', None)
    """
    norm = ascii_fold(name) if folded else normalize_name(name)
    municipalities, counties = _public_body_tables(folded)
    for rx in _MUNI_RES:
        m = rx.match(norm)
        if m:
            codes = municipalities.get(m.group("x"))
            return f"kommun:{next(iter(codes))}" if codes and len(codes) == 1 else None
    for rx in _REGION_RES:
        m = rx.match(norm)
        if m and m.group("x").strip() in counties:
            return f"region:{counties[m.group('x').strip()]}"
    m = _BOARD_RE.match(norm)
    if m and m.group("x") in counties:
        return f"county_board:{counties[m.group('x')]}"
    return None


class PartnerResolver(OrgResolver):
    """An OrgResolver that also knows public bodies by the tables and ASCII-folded names (for CORDIS).

    ``match`` returns ``(org_id, rule)`` with a rule of ``MATCH_RULES``, or ``(None, None)``.

    >>> r = PartnerResolver()
    >>> r.add_known("SE-ON:2120002338", "GÄVLE KOMMUN")
    >>> r.add_known("SE-ON:2021002890", "HÖGSKOLAN I GÄVLE")
    >>> r.match("Gävle kommun"), r.match("Municipality of Gävle"), r.match("HOGSKOLAN I GAVLE", ascii=True)
    (('SE-ON:2120002338', 'name'), ('SE-ON:2120002338', 'public_body'), ('SE-ON:2021002890', 'ascii_name'))
    >>> r.match("OSTERGOTLANDS LANS LANDSTING", ascii=True)
    ('SE-ON:2321000040', 'ascii_rename')
    """

    def __init__(self, renames: Iterable[Rename] | None = None) -> None:
        super().__init__(renames)
        self._bodies: dict[str, set[str]] = defaultdict(set)
        self._folded: dict[str, set[str]] = defaultdict(set)
        self._folded_bodies: dict[str, set[str]] = defaultdict(set)
        self._folded_renames = {ascii_fold(r.former_name): r for r in self.renames.values()}

    def add_known(self, org_id: str, name: str | None, valid: bool = True, aliases: Iterable[str] = ()) -> None:
        aliases = tuple(aliases)
        super().add_known(org_id, name, valid, aliases)
        for n in (name, *aliases):
            if n and not is_redacted(n):
                self._folded[ascii_fold(n)].add(org_id)
                for index, key in ((self._bodies, public_body_key(n)), (self._folded_bodies, public_body_key(n, folded=True))):
                    if key:
                        index[key].add(org_id)

    def _lookup(self, index: dict[str, set[str]], key: str | None, name: str) -> str | None:
        candidates = index.get(key) if key else None
        if not candidates:
            return None
        picked = self._pick(candidates)
        if picked is None and name not in self.counts.ambiguous:
            self.counts.ambiguous.append(name)
        return picked

    def match(self, name: str, *, ascii: bool = False) -> tuple[str | None, str | None]:
        """``(org_id, rule)`` of the known organisation ``name`` is, trying the rules in the order of MATCH_RULES."""
        norm = normalize_name(name)
        if not norm or norm in REDACTED_NAMES:
            return None, None
        if norm in self.renames:
            return self.renames[norm].org_id, "rename"
        steps: list[tuple[str, dict[str, set[str]], str | None]] = [
            ("name", self._by_name, norm),
            ("public_body", self._bodies, public_body_key(name)),
            ("legal_form", self._by_stem, name_stem(name)),
        ]
        if ascii:
            folded = ascii_fold(name)
            if folded in self._folded_renames:
                return self._folded_renames[folded].org_id, "ascii_rename"
            steps += [("ascii_name", self._folded, folded),
                      ("ascii_public_body", self._folded_bodies, public_body_key(name, folded=True))]
        for rule, index, key in steps:
            found = self._lookup(index, key, name)
            if found:
                return found, rule
        return None, None


TYPE_MATCH_NOTE = "identity by type: "


def type_match_note(org_type: str, rule: str) -> str:
    """The ``FileReport.notes`` key counting one distinct partner of ``org_type`` identified by ``rule``.

    >>> parse_type_match_note(type_match_note("Local public authority", "name"))
    ('Local public authority', 'name')
    """
    return f"{TYPE_MATCH_NOTE}{org_type}\x1f{rule}"


def parse_type_match_note(key: str) -> tuple[str, str] | None:
    """``(organisation type, rule)`` of a ``type_match_note`` key, None for any other note."""
    if not key.startswith(TYPE_MATCH_NOTE):
        return None
    org_type, _, rule = key.removeprefix(TYPE_MATCH_NOTE).partition("\x1f")
    return org_type, rule
