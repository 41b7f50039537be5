"""Upphandlingsmyndigheten's procurement statistics exports (CSV, or XLSX with the same columns).

One row per contracted tender (lot x supplier). A procurement is (buyer, ``Upphandlings-ID``): the
ID is not unique across buyers, so ``procurement_id`` is ``<buyer org_id>|<Upphandlings-ID>``
(``graph.identity.procurement_key``) and ``upphandlings_id`` keeps the export's ID. The buyer carries a 10-digit organisation number;
suppliers carry none, so a supplier is identified by its normalised name (``NAME:upphandling:...``)
unless that name belongs to a numbered organisation already known (a public body that also
sells). ``Personuppgift`` marks a redacted natural person: each such award gets its own anonymous
supplier node, keyed by procurement, lot and its position among the redacted suppliers of that lot,
so hundreds of unrelated people never become one hub. Empty cells are unknown (``None``), flags are
``True``/``False``/empty. Amounts are SEK.

Reported facts stay where they were reported: the supplier size of each row is the award's
``supplier_size`` (never imputed from other rows); the organisation's ``size`` is derived after the
load from its awards (``graph.ingest.folding.derive_sizes``). The result does not depend on the
order of the rows: a property several rows give (a buyer's name, sector and legal form, a
procurement's title and dates, a name-keyed supplier's spelling) is the most frequent value among
them, ties going to the smallest, and is written when the file has been read; rows of one
procurement that disagree are listed (file, row, field) in the data-quality findings.

The export has no buyer address: a buyer whose name says where it is (a municipality, a region, a
county administrative board, a municipal company named after its one municipality; see
``graph.placement``) is LOCATED_IN that county's NUTS 3 Region, with ``source``
``upphandling:name-place:<rule>`` so that the placement can be traced; the others stay unplaced.

>>> SIZES["Mikroföretag"]
'micro'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from graph import themes
from graph.counties import NUTS_VERSION, county_name
from graph.errors import RowError
from graph.identity import (
    MISTYPED_MERGED,
    OrgNumber,
    OrgResolver,
    anonymous_key,
    current_names,
    is_redacted,
    name_key,
    normalize_name,
    official_props,
    parse_org_number,
    procurement_key,
)
from graph.io.cells import parse_amount, parse_count, parse_date, parse_flag
from graph.io.reports import FileReport
from graph.io.rows import csv_rows, iter_table
from graph.placement import Placer
from graph.records import Node, Record, Rel

SOURCE = "upphandling"
PLACE_SOURCE = f"{SOURCE}:name-place"  # LOCATED_IN of a buyer placed by its name: source is PLACE_SOURCE:<rule>

BUYER_NAME = "Namn för köpare"
BUYER_NUMBER = "Organisationsnummer för köpare"
BUYER_SECTOR = "Sektor för köpare"
BUYER_FORM = "Juridisk form för köpare"
CPV_MAIN = "Huvudsaklig CPV-kod"
CPV_DIVISION = "CPV-Huvudgrupp"
PROCEDURE = "Förfarande"
CONTRACT_TYPE = "Typ av avtal"
COORDINATED = "Samordnad upphandling"
ENV = "Miljömässigt hållbar upphandling"
SOCIAL = "Socialt hållbar upphandling"
INNOVATION = "Innovationsupphandling"
PROCUREMENT_ID = "Upphandlings-ID"
TITLE = "Upphandlingens titel"
PUBLISHED = "Publiceringsdatum"
LOT_ID = "Anbudsområdes-ID"
SUPPLIER_NAME = "Namn för leverantör"
SUPPLIER_SECTOR = "Sektor för leverantör"
SUPPLIER_SIZE = "Företagsstorlek för leverantör"
SUPPLIER_FORM = "Juridisk form för leverantör"
BIDS = "Antal kontrakterade anbud*, Summa"
NOTICE_DB = "Annonsdatabas"
VALUE = "Kontrakterat värde, Summa"

PROCUREMENT_COLUMNS = (
    BUYER_NAME, BUYER_NUMBER, BUYER_SECTOR, BUYER_FORM, CPV_MAIN, CPV_DIVISION, PROCEDURE, CONTRACT_TYPE,
    COORDINATED, ENV, SOCIAL, INNOVATION, NOTICE_DB, PROCUREMENT_ID, TITLE, PUBLISHED,
)
AWARD_COLUMNS = (
    *PROCUREMENT_COLUMNS, LOT_ID, SUPPLIER_NAME, SUPPLIER_SECTOR, SUPPLIER_SIZE, SUPPLIER_FORM, BIDS,
)
VALUE_COLUMNS = (BUYER_NUMBER, PROCUREMENT_ID, VALUE)
# Columns of the export that stakenet reads past on purpose.
KNOWN_COLUMNS = (
    "År", "Delsektor för köpare", "SNI-Avdelning för köpare", "Upphandlingsslag", "CPV-Grupp", "CPV-Undergrupp",
    "CPV-Kategori", "CPV-Underkategori", "Rättslig grund", "Direktivstyrd", "Dynamiskt inköpssystem",
    "Elektronisk auktion", "Anbudsområden", "Reserverad upphandling", "Reserverat genomförande", "Annonsdatabas",
    "Överprövad", "SNI-Avdelning för leverantör", "SNI-Huvudgrupp för leverantör", "SNI-Grupp för leverantör",
    "SNI-Undergrupp för leverantör", "SNI-Detaljgrupp för leverantör",
    *AWARD_COLUMNS,
)

SIZES = {"Mikroföretag": "micro", "Små företag": "small", "Medelstora företag": "medium", "Stora företag": "large"}
SIZE_ORDER = ("micro", "small", "medium", "large")
INT64_MAX = (1 << 63) - 1
FLAG_COLUMNS = (("env_sustainable", ENV), ("social_sustainable", SOCIAL), ("innovation", INNOVATION),
                ("coordinated", COORDINATED))
# Procurement properties read from every row of it: (property, column).
PROCUREMENT_FIELDS = (("title", TITLE), ("published", PUBLISHED), ("procedure", PROCEDURE),
                      ("contract_type", CONTRACT_TYPE), ("cpv_main", CPV_MAIN), ("cpv_division", CPV_DIVISION),
                      ("notice_db", NOTICE_DB), *FLAG_COLUMNS)
NO_SIZE = "award rows without a reported supplier size (supplier_size left empty, never imputed)"
SHARED_IDS = "Upphandlings-IDs used by several buyers (one procurement per buyer, kept apart)"
DISAGREE = "rows of one procurement that disagree (file, row, field; the most frequent value is kept)"
NEGATIVE = "negative contracted values (loaded as given)"
PUBLIC_BUYER_SECTORS = frozenset({"Kommun", "Region", "Stat"})
SUPPLIER_PUBLIC = {"Offentlig": True, "Privat": False}


def _strip_code(text: str) -> str:
    """``"79000000 Företagstjänster"`` -> ``"Företagstjänster"``."""
    head, _, rest = text.partition(" ")
    return rest.strip() if head.isdigit() else text


def most_frequent(counts: Counter[Any], order: tuple[Any, ...] = ()) -> Any:
    """The most frequent key of ``counts`` (None when empty); ties go to the latest in ``order`` when
    given (the larger size class), else to the smallest value as text, so no row order shows.

    >>> most_frequent(Counter({"b": 2, "a": 2, "c": 1})), most_frequent(Counter({"small": 1, "large": 1}), SIZE_ORDER)
    ('a', 'large')
    """
    if not counts:
        return None
    if order:
        return max(counts, key=lambda v: (counts[v], order.index(v) if v in order else -1))
    return min(counts, key=lambda v: (-counts[v], "" if v is None else str(v)))


def checked_rows(path: Path, encoding: str, required: tuple[str, ...], known: tuple[str, ...],
                 report: FileReport) -> Iterator[tuple[int, dict[str, str]]]:
    """``iter_table`` rows, with a CSV row whose number of fields differs from the header's rejected as
    such ("row has 12 fields, expected 43"), not as whatever its first empty cell would say.

    The raw rows are read in step with ``iter_table`` (which pads short rows); XLSX rows are not
    checked (a sheet drops trailing empty cells).
    """
    raw = None if path.suffix.lower() in (".xlsx", ".xlsm") else csv_rows(path, encoding)
    expected = -1
    try:
        for number, row in iter_table(path, encoding, required, known, report, PROCUREMENT_ID):
            if raw is not None:
                if expected < 0:
                    expected = len(next(raw)[1])
                width = expected
                for n, cells in raw:
                    if n == number:
                        width = len(cells)
                        break
                if width != expected:
                    report.reject(number, "(row)", "", f"row has {width} fields, expected {expected} "
                                                       "(a line cut short or a stray delimiter?)")
                    continue
            yield number, row
    finally:
        if raw is not None:
            raw.close()


def read_values(path: Path, encoding: str, report: FileReport) -> dict[str, float]:
    """Contracted value (SEK) per procurement key (``<buyer org_id>|<Upphandlings-ID>``).

    The value file carries the buyer, so it joins on (buyer, ID) like the awards: MT4321 of Region
    Skåne and of Adda are two values. Several rows of one buyer and ID are summed; negative values
    are loaded as given and listed in the data-quality findings.
    """
    values: dict[str, float] = {}
    rows_per_id: Counter[str] = Counter()
    buyers_per_id: dict[str, set[str]] = {}
    numbers: dict[str, str] = {}
    for number, row in checked_rows(path, encoding, VALUE_COLUMNS, (*KNOWN_COLUMNS, VALUE), report):
        pid, buyer = row[PROCUREMENT_ID], row[BUYER_NUMBER]
        if not pid:
            report.reject(number, PROCUREMENT_ID, "", "empty Upphandlings-ID")
            continue
        if not buyer:
            report.reject(number, BUYER_NUMBER, "", "empty buyer organisation number")
            continue
        try:
            value = parse_amount(row[VALUE], VALUE)
        except RowError as exc:
            report.reject(number, exc.field, exc.value, exc.reason)
            continue
        buyer_id = numbers.get(buyer) or numbers.setdefault(buyer, parse_org_number(buyer).org_id)
        key = procurement_key(buyer_id, pid)
        rows_per_id[key] += 1
        buyers_per_id.setdefault(pid, set()).add(buyer_id)
        if value is not None:
            if value < 0:
                report.flag(NEGATIVE, f"{path.name} row {number}: {pid} ({buyer}) {row[VALUE]}")
            values[key] = values.get(key, 0.0) + value
    several = sum(1 for n in rows_per_id.values() if n > 1)
    if several:
        report.notes["procurements (buyer and ID) with several value rows (summed)"] = several
    shared = sum(1 for b in buyers_per_id.values() if len(b) > 1)
    if shared:
        report.notes["Upphandlings-IDs with values of several buyers (kept apart)"] = shared
    return values


def iter_records(
    path: Path,
    *,
    encoding: str = "utf-8",
    values: dict[str, float] | None = None,
    resolver: OrgResolver | None = None,
    report: FileReport | None = None,
    seen: set[str] | None = None,
    placer: Placer | None = None,
    lots: dict[str, dict[str, set[str]]] | None = None,
) -> Iterator[Record]:
    """Nodes and relationships of one awards export, nodes before the relationships using them.

    ``values`` (from ``read_values``, keyed by procurement key) adds Procurement.value;
    ``resolver`` matches suppliers to numbered organisations; ``report`` collects rejects and
    data-quality findings; ``seen`` collects the procurement keys met (to tell which value rows
    had no awards); ``placer`` places buyers in their county by name (``report.placements``
    counts them by rule); ``lots`` (Anbudsområdes-ID -> file -> buyers, shared by the files of one
    load) flags a lot given with different buyers (``upphandling_lots.lot_conflicts``).
    """
    path = Path(path)
    reader = _AwardsReader(
        path, report if report is not None else FileReport(str(path), SOURCE),
        resolver if resolver is not None else OrgResolver(), values, seen if seen is not None else set(),
        placer if placer is not None else Placer())
    reader.twins = mistyped_twins(path, encoding)
    reader.lots_seen = lots
    for number, row in checked_rows(path, encoding, AWARD_COLUMNS, KNOWN_COLUMNS, reader.report):
        yield from reader.row(number, row)
    yield from reader.finish()


def mistyped_twins(path: Path, encoding: str) -> dict[str, str]:
    """Buyer numbers of this file that fail the Swedish check digit, mapped to the one valid number
    whose buyer has the same normalised name in this file (REGION DALARNA 2331000180 -> 2321000180).

    A first, light pass over the buyer columns, so the buyer is one node from its first row on (a
    node made and folded away after the load would make a reload look like a change). Numbers
    with no such twin, or several, stay as they are; folding after the load handles twins met in
    another file.
    """
    names: dict[str, set[str]] = {}
    scratch = FileReport(str(path), SOURCE)  # the real pass reports this file's problems
    for _, row in iter_table(path, encoding, (BUYER_NUMBER, BUYER_NAME), KNOWN_COLUMNS, scratch, PROCUREMENT_ID):
        if row[BUYER_NUMBER] and row[BUYER_NAME]:
            names.setdefault(row[BUYER_NUMBER], set()).add(normalize_name(row[BUYER_NAME]))
    valid: dict[str, set[str]] = {}
    for raw, normalised in names.items():
        on = parse_org_number(raw)
        if on.valid and on.kind == "se":
            for n in normalised:
                valid.setdefault(n, set()).add(raw)
    twins: dict[str, str] = {}
    for raw, normalised in names.items():
        on = parse_org_number(raw)
        if on.kind == "se" and not on.valid:
            targets = set().union(*(valid.get(n, set()) for n in normalised))
            if len(targets) == 1:
                twins[raw] = targets.pop()
    return twins


class _AwardsReader:
    """The state of one awards file: what was emitted at first sight, what is settled at the end."""

    def __init__(self, path: Path, report: FileReport, resolver: OrgResolver, values: dict[str, float] | None,
                 seen: set[str], placer: Placer) -> None:
        self.path, self.report, self.resolver, self.values, self.seen, self.placer = (
            path, report, resolver, values, seen, placer)
        self.official = current_names()
        self.numbers: dict[str, OrgNumber] = {}
        self.buyer_numbers: dict[str, OrgNumber] = {}
        self.emitted: set[tuple[str, str]] = set()
        # buyer org_id -> column -> Counter of the values its rows give
        self.buyers: dict[str, dict[str, Counter[str]]] = {}
        # procurement key -> (Upphandlings-ID, buyer org_id, first row number, first row's fields), and its rows' fields
        self.procurements: dict[str, tuple[str, str, int, tuple[Any, ...]]] = {}
        self.procurement_rows: dict[str, Counter[tuple[Any, ...]]] = {}
        self.buyers_per_id: dict[str, set[str]] = {}
        self.supplier_ids: dict[str, str] = {}
        self.name_suppliers: dict[str, dict[str, Counter[str]]] = {}
        self.numbered_aliases: set[tuple[str, str]] = set()
        self.redacted: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        self.awards: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        # mistyped buyer number -> the valid number of the same buyer in this file (mistyped_twins)
        self.twins: dict[str, str] = {}
        self.lots_seen: dict[str, dict[str, set[str]]] | None = None

    def _parse(self, number: int, row: dict[str, str]) -> tuple[str | None, int | None, dict[str, bool | None]] | None:
        try:
            if not row[PROCUREMENT_ID]:
                raise RowError(PROCUREMENT_ID, "", "empty Upphandlings-ID")
            if not row[BUYER_NUMBER]:
                raise RowError(BUYER_NUMBER, "", "empty buyer organisation number")
            if not row[SUPPLIER_NAME]:
                raise RowError(SUPPLIER_NAME, "", "empty supplier name")
            published = parse_date(row[PUBLISHED], PUBLISHED)
            bids = parse_count(row[BIDS], BIDS)
            if bids is not None and bids > INT64_MAX:
                raise RowError(BIDS, row[BIDS], "a count over the 64-bit limit (is the cell shifted or mistyped?)")
            flags = {name: parse_flag(row[col], col) for name, col in FLAG_COLUMNS}
        except RowError as exc:
            self.report.reject(number, exc.field, exc.value, exc.reason)
            return None
        return published, bids, flags

    def row(self, number: int, row: dict[str, str]) -> Iterator[Record]:
        parsed = self._parse(number, row)
        if parsed is None:
            return
        published, bids, flags = parsed
        buyer_id = yield from self._buyer(row)
        # A procurement keeps the number it was published under (as when the buyer is folded after a load).
        key = procurement_key(self._number(row[BUYER_NUMBER]).org_id, row[PROCUREMENT_ID])
        yield from self._procurement(number, row, key, buyer_id, {**flags, "published": published})
        size = SIZES.get(row[SUPPLIER_SIZE])
        if row[SUPPLIER_SIZE] and size is None:
            self.report.flag("unknown supplier size class (left empty)", row[SUPPLIER_SIZE])
        if size is None:
            self.report.notes[NO_SIZE] += 1
        self.report.notes["award rows"] += 1
        lot = row[LOT_ID] or row[PROCUREMENT_ID]
        if self.lots_seen is not None and row[LOT_ID]:
            self.lots_seen.setdefault(lot, {}).setdefault(self.path.name, set()).add(buyer_id)
        supplier = row[SUPPLIER_NAME]
        if is_redacted(supplier):
            self.report.notes["redacted suppliers (Personuppgift), one anonymous node per award"] += 1
            self.redacted.setdefault((key, lot), []).append(
                (row[SUPPLIER_SECTOR], row[SUPPLIER_FORM], size or "", "" if bids is None else str(bids), supplier))
            return
        supplier_id = yield from self._supplier(row, supplier)
        yield from self._award(key, lot, supplier_id, supplier, {
            "lot_id": lot, "contracted_bids": bids, "supplier_size": size, "source": SOURCE})

    def _number(self, raw: str) -> OrgNumber:
        return self.numbers.get(raw) or self.numbers.setdefault(raw, parse_org_number(raw))

    def _buyer(self, row: dict[str, str]) -> Generator[Record, None, str]:
        """The buyer's org_id; its node (number only) at first sight, its other properties at the end."""
        raw = row[BUYER_NUMBER]
        twin = self.twins.get(raw)
        if twin is not None:
            raw = twin
            if (row[BUYER_NUMBER], twin) not in self.emitted:
                self.emitted.add((row[BUYER_NUMBER], twin))
                target = self._number(twin).org_id
                self.report.flag(MISTYPED_MERGED, f"{row[BUYER_NUMBER]} {row[BUYER_NAME]} -> {target}")
                yield Node("Organisation", {"org_id": target, "org_number_aliases": [row[BUYER_NUMBER]], "source": SOURCE})
        on = self._number(raw)
        buyer_id = on.org_id
        seen = self.buyers.get(buyer_id)
        if seen is None:
            seen = self.buyers[buyer_id] = {col: Counter() for col in (BUYER_NAME, BUYER_SECTOR, BUYER_FORM)}
            self.buyer_numbers[buyer_id] = on
            swedish_valid = on.valid and on.kind == "se"  # a foreign ID is kept, but is no Swedish number
            quality = None
            if not swedish_valid:
                finding = (
                    "foreign organisation number (kept as given)" if on.kind == "fi"
                    else "organisation number fails its check digit (kept as given)" if on.kind == "se"
                    else "unrecognised organisation number (kept as given)"
                )
                self.report.flag(finding, f"{raw} {row[BUYER_NAME]}")
                quality = "foreign_org_number" if on.kind == "fi" else "invalid_org_number"
            yield Node("Organisation", {
                "org_id": buyer_id, "org_number": on.number, "org_number_valid": swedish_valid, "country": on.country,
                "quality": quality, "source": SOURCE,
            })
            self.resolver.note(f"buyer:{buyer_id}", "org_number")
        if row[BUYER_NAME] and row[BUYER_NAME] not in seen[BUYER_NAME]:
            self.resolver.add_known(buyer_id, row[BUYER_NAME], on.valid and on.kind == "se")
        for col in (BUYER_NAME, BUYER_SECTOR, BUYER_FORM):
            if row[col]:
                seen[col][row[col]] += 1
        return buyer_id

    def _procurement(self, number: int, row: dict[str, str], key: str, buyer_id: str,
                     parsed: dict[str, Any]) -> Iterator[Record]:
        pid = row[PROCUREMENT_ID]
        fields = tuple(parsed[name] if name in parsed else (row[col] or None) for name, col in PROCUREMENT_FIELDS)
        first = self.procurements.get(key)
        if first is None:
            self.seen.add(key)
            self.procurements[key] = (pid, buyer_id, number, fields)
            self.procurement_rows[key] = Counter()
            buyers = self.buyers_per_id.setdefault(pid, set())
            buyers.add(buyer_id)
            if len(buyers) > 1:
                self.report.flag(SHARED_IDS, pid)
            value = self.values.get(key) if self.values is not None else None
            yield Node("Procurement", {
                "procurement_id": key, "upphandlings_id": pid, "value": value,
                "currency": "SEK" if value is not None else None, "source": SOURCE,
            })
            yield Rel("BUYER_OF", ("Organisation", buyer_id), ("Procurement", key), {"source": SOURCE})
        elif first[3] != fields:
            for (_name, col), old, new in zip(PROCUREMENT_FIELDS, first[3], fields, strict=True):
                if old != new:
                    self.report.flag(DISAGREE, f"{self.path.name} row {number}: {col} of {pid} ({buyer_id}) is "
                                               f"{new!r}, row {first[2]} has {old!r}")
        self.procurement_rows[key][fields] += 1

    def _supplier(self, row: dict[str, str], supplier: str) -> Generator[Record, None, str]:
        """A numbered organisation or a name key; a name key's properties are settled at the end."""
        supplier_id = self.supplier_ids.get(supplier, "")
        if not supplier_id:
            matched, how = self.resolver.resolve(supplier)
            supplier_id = matched or name_key(supplier, SOURCE)
            self.supplier_ids[supplier] = supplier_id
            self.resolver.note(f"supplier:{supplier_id}", how or "name_only")
        if supplier_id.startswith("NAME:"):
            seen = self.name_suppliers.get(supplier_id)
            if seen is None:
                seen = self.name_suppliers[supplier_id] = {col: Counter() for col in (SUPPLIER_NAME, SUPPLIER_SECTOR,
                                                                                        SUPPLIER_FORM)}
                yield Node("Organisation", {"org_id": supplier_id, "source": SOURCE})
            for col in (SUPPLIER_NAME, SUPPLIER_SECTOR, SUPPLIER_FORM):
                if row[col]:
                    seen[col][row[col]] += 1
        elif (supplier_id, supplier) not in self.numbered_aliases:
            # A numbered organisation that also supplies: add the name, keep the buyer's own sector
            # and legal form (the supplier columns classify differently).
            self.numbered_aliases.add((supplier_id, supplier))
            yield Node("Organisation", {"org_id": supplier_id, **official_props(supplier_id), "aliases": [supplier],
                                        "source": SOURCE})
        return supplier_id

    def _award(self, key: str, lot: str, supplier_id: str, supplier: str, props: dict[str, Any]) -> Iterator[Record]:
        """One AWARDED_TO; a repeated row yields the merge of all its rows again, whatever their order."""
        ident = (key, lot, supplier_id)
        rows = self.awards.setdefault(ident, [])
        rows.append(props)
        if len(rows) == 2:
            self.report.flag("award rows repeated for the same procurement, lot and supplier (one award kept)",
                             f"{self.procurements[key][0]} {lot} {supplier}")
        if len(rows) > 1:
            sizes = {r["supplier_size"] for r in rows} - {None}
            bids = {r["contracted_bids"] for r in rows} - {None}
            if len(sizes) > 1 or len(bids) > 1:
                self.report.flag("repeated award rows that disagree (the larger size class and count kept)",
                                 f"{self.procurements[key][0]} {lot} {supplier}")
            props = {**props, "supplier_size": max(sizes, key=SIZE_ORDER.index) if sizes else None,
                     "contracted_bids": max(bids) if bids else None}
        yield Rel("AWARDED_TO", ("Procurement", key), ("Organisation", supplier_id), props)

    def finish(self) -> Iterator[Record]:
        """The properties settled over all rows: buyers (and their county), procurements, name-keyed
        suppliers, and the redacted persons' anonymous nodes with their awards."""
        yield from self._finish_buyers()
        yield from self._finish_procurements()
        for supplier_id in sorted(self.name_suppliers):
            seen = self.name_suppliers[supplier_id]
            sector = most_frequent(seen[SUPPLIER_SECTOR])
            if sector is None:
                self.report.notes["suppliers without sector/size (often foreign)"] += 1
            yield Node("Organisation", {
                "org_id": supplier_id, "name": most_frequent(seen[SUPPLIER_NAME]), "aliases": sorted(seen[SUPPLIER_NAME]),
                "sector": sector, "legal_form": most_frequent(seen[SUPPLIER_FORM]),
                "is_public": SUPPLIER_PUBLIC.get(sector or ""), "source": SOURCE,
            })
        yield from self._finish_redacted()

    def _finish_buyers(self) -> Iterator[Record]:
        for buyer_id in sorted(self.buyers):
            seen = self.buyers[buyer_id]
            on = self.buyer_numbers[buyer_id]
            raw_name = most_frequent(seen[BUYER_NAME])
            sector = most_frequent(seen[BUYER_SECTOR])
            name = self.official.get(buyer_id, raw_name)
            is_public = True if (on.kind == "se" and on.number.startswith("2")) or sector in PUBLIC_BUYER_SECTORS else None
            quality = None if on.valid and on.kind == "se" else "invalid"
            yield Node("Organisation", {
                "org_id": buyer_id, "name": name, "aliases": sorted(seen[BUYER_NAME]) or None, "sector": sector,
                "legal_form": most_frequent(seen[BUYER_FORM]), "is_public": is_public, "source": SOURCE,
            })
            yield from _place(buyer_id, raw_name, name, sector, quality, self.placer, self.report, self.emitted)

    def _finish_procurements(self) -> Iterator[Record]:
        themes_done: set[str] = set()
        for key in sorted(self.procurements):
            fields = dict(zip((n for n, _ in PROCUREMENT_FIELDS), most_frequent(self.procurement_rows[key]),
                              strict=True))
            cpv_main, division = fields.pop("cpv_main") or "", fields.pop("cpv_division") or ""
            cpv = cpv_main.partition(" ")[0] or None
            yield Node("Procurement", {"procurement_id": key, **fields, "cpv": cpv, "source": SOURCE})
            if cpv and cpv[:2].isdigit():
                theme_id = themes.theme_id("cpv_group", cpv[:2])
                if theme_id not in themes_done:
                    themes_done.add(theme_id)
                    yield Node("Theme", {"theme_id": theme_id, "kind": "cpv_group", "code": cpv[:2],
                                         "name": _strip_code(division) or None, "source": SOURCE})
                yield Rel("HAS_THEME", ("Procurement", key), ("Theme", theme_id), {"source": SOURCE})

    def _finish_redacted(self) -> Iterator[Record]:
        """Each redacted award its own anonymous supplier, numbered within its lot in an order of
        the rows' content (identical rows are interchangeable), so no row order shows."""
        for (key, lot), entries in sorted(self.redacted.items()):
            for n, (sector, form, size, bids, name) in enumerate(sorted(entries), start=1):
                supplier_id = anonymous_key(SOURCE, key, lot, str(n))
                self.resolver.note(f"supplier:{supplier_id}", "anonymous")
                yield Node("Organisation", {
                    "org_id": supplier_id, "name": name, "sector": sector or None, "legal_form": form or None,
                    "is_public": SUPPLIER_PUBLIC.get(sector), "quality": "redacted_person", "source": SOURCE,
                })
                yield Rel("AWARDED_TO", ("Procurement", key), ("Organisation", supplier_id), {
                    "lot_id": lot, "contracted_bids": int(bids) if bids else None, "supplier_size": size or None,
                    "source": SOURCE})


PLACE_MISSES = "buyer names shaped like a municipality, region or county board but not in the tables (not placed)"


def _place(buyer_id: str, raw_name: str | None, name: str | None, sector: str | None, quality: str | None,
           placer: Placer, report: FileReport, emitted: set[tuple[str, str]]) -> Iterator[Record]:
    """LOCATED_IN (and the county's Region node, once) of a buyer whose name says where it is."""
    placement = placer.place(raw_name, sector=sector, org_id=buyer_id)
    if placement is None and name != raw_name:
        placement = placer.place(name, sector=sector, org_id=buyer_id)
    if placement is None:
        report.placements["unplaced"] += 1
        if placer.looks_placeable(raw_name):
            report.flag(PLACE_MISSES, raw_name or "")
        return
    report.placements[placement.rule] += 1
    if quality is not None:
        report.flag("buyers placed by name whose organisation number is not a valid Swedish one",
                    f"{buyer_id} {raw_name} -> {placement.nuts3}")
    code = placement.nuts3
    if ("Region", code) not in emitted:
        emitted.add(("Region", code))
        yield Node("Region", {"nuts_code": code, "name": county_name(code), "level": 3, "nuts_version": NUTS_VERSION,
                              "source": SOURCE})
    yield Rel("LOCATED_IN", ("Organisation", buyer_id), ("Region", code), {"source": f"{PLACE_SOURCE}:{placement.rule}"})
