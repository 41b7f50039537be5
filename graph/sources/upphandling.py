"""Upphandlingsmyndigheten's procurement statistics exports (CSV, or XLSX with the same columns).

One row per contracted tender (lot x supplier). The buyer carries a 10-digit organisation number;
suppliers carry none, so a supplier is identified by its normalised name (``NAME:upphandling:...``)
unless that name belongs to a numbered organisation already known (a public body that also
sells). ``Personuppgift`` marks a redacted natural person: each such award gets its own anonymous
supplier node, keyed by procurement, lot and its position among the redacted suppliers of that lot,
so hundreds of unrelated people never become one hub. Empty cells are unknown (``None``), flags are
``True``/``False``/empty. Amounts are SEK.

The export has no buyer address: a buyer whose name says where it is (a municipality, a region, a
county administrative board, a municipal company named after its one municipality; see
``graph.placement``) is LOCATED_IN that county's NUTS 3 Region, with ``source``
``upphandling:name-place:<rule>`` so that the placement can be traced; the others stay unplaced.

>>> SIZES["Mikroföretag"]
'micro'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from graph import themes
from graph.counties import NUTS_VERSION, county_name
from graph.errors import RowError
from graph.identity import (
    OrgNumber,
    OrgResolver,
    anonymous_key,
    current_names,
    is_redacted,
    name_key,
    official_props,
    parse_org_number,
)
from graph.io.cells import parse_amount, parse_count, parse_date, parse_flag
from graph.io.reports import FileReport
from graph.io.rows import iter_table
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
VALUE = "Kontrakterat värde, Summa"

PROCUREMENT_COLUMNS = (
    BUYER_NAME, BUYER_NUMBER, BUYER_SECTOR, BUYER_FORM, CPV_MAIN, CPV_DIVISION, PROCEDURE, CONTRACT_TYPE,
    COORDINATED, ENV, SOCIAL, INNOVATION, PROCUREMENT_ID, TITLE, PUBLISHED,
)
AWARD_COLUMNS = (
    *PROCUREMENT_COLUMNS, LOT_ID, SUPPLIER_NAME, SUPPLIER_SECTOR, SUPPLIER_SIZE, SUPPLIER_FORM, BIDS,
)
VALUE_COLUMNS = (PROCUREMENT_ID, VALUE)
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
PUBLIC_BUYER_SECTORS = frozenset({"Kommun", "Region", "Stat"})
SUPPLIER_PUBLIC = {"Offentlig": True, "Privat": False}


def _strip_code(text: str) -> str:
    """``"79000000 Företagstjänster"`` -> ``"Företagstjänster"``."""
    head, _, rest = text.partition(" ")
    return rest.strip() if head.isdigit() else text


def read_values(path: Path, encoding: str, report: FileReport) -> dict[str, float]:
    """Contracted value (SEK) per Upphandlings-ID; several rows of one ID (one per buyer) are summed."""
    values: dict[str, float] = {}
    rows_per_id: Counter[str] = Counter()
    for number, row in iter_table(path, encoding, VALUE_COLUMNS, (*KNOWN_COLUMNS, VALUE), report, PROCUREMENT_ID):
        pid = row[PROCUREMENT_ID]
        if not pid:
            report.reject(number, PROCUREMENT_ID, "", "empty Upphandlings-ID")
            continue
        try:
            value = parse_amount(row[VALUE], VALUE)
        except RowError as exc:
            report.reject(number, exc.field, exc.value, exc.reason)
            continue
        rows_per_id[pid] += 1
        if value is not None:
            values[pid] = values.get(pid, 0.0) + value
    several = sum(1 for n in rows_per_id.values() if n > 1)
    if several:
        report.notes["procurements with several value rows (summed)"] = several
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
) -> Iterator[Record]:
    """Nodes and relationships of one awards export, nodes before the relationships using them.

    ``values`` (from ``read_values``) adds Procurement.value; ``resolver`` matches suppliers to
    numbered organisations; ``report`` collects rejects and data-quality findings; ``seen``
    collects the procurement IDs met (to tell which value rows had no awards); ``placer`` places
    buyers in their county by name (``report.placements`` counts them by rule).
    """
    path = Path(path)
    report = report if report is not None else FileReport(str(path), SOURCE)
    resolver = resolver if resolver is not None else OrgResolver()
    seen = seen if seen is not None else set()
    placer = placer if placer is not None else Placer()
    official = current_names()
    emitted: set[tuple[str, str]] = set()  # (label, key) of nodes already yielded
    buyer_of: set[tuple[str, str]] = set()
    procurement_attrs: dict[str, tuple[str | None, ...]] = {}
    supplier_ids: dict[str, str] = {}
    numbers: dict[str, OrgNumber] = {}
    supplier_props: dict[str, tuple[str, str, str, str | None]] = {}
    redacted_per_lot: Counter[tuple[str, str]] = Counter()
    awards: Counter[tuple[str, str, str]] = Counter()
    for number, row in iter_table(path, encoding, AWARD_COLUMNS, KNOWN_COLUMNS, report, PROCUREMENT_ID):
        try:
            pid = row[PROCUREMENT_ID]
            if not pid:
                raise RowError(PROCUREMENT_ID, "", "empty Upphandlings-ID")
            if not row[BUYER_NUMBER]:
                raise RowError(BUYER_NUMBER, "", "empty buyer organisation number")
            if not row[SUPPLIER_NAME]:
                raise RowError(SUPPLIER_NAME, "", "empty supplier name")
            published = parse_date(row[PUBLISHED], PUBLISHED)
            bids = parse_count(row[BIDS], BIDS)
            flags = {name: parse_flag(row[col], col) for name, col in (
                ("env_sustainable", ENV), ("social_sustainable", SOCIAL), ("innovation", INNOVATION),
                ("coordinated", COORDINATED))}
        except RowError as exc:
            report.reject(number, exc.field, exc.value, exc.reason)
            continue

        # Buyer: identified by its organisation number, kept (and flagged) when the number is bad.
        on = numbers.get(row[BUYER_NUMBER]) or numbers.setdefault(row[BUYER_NUMBER], parse_org_number(row[BUYER_NUMBER]))
        buyer_id = on.org_id
        if ("Organisation", buyer_id) not in emitted:
            emitted.add(("Organisation", buyer_id))
            raw_name = row[BUYER_NAME] or None
            sector = row[BUYER_SECTOR] or None
            quality = None
            swedish_valid = on.valid and on.kind == "se"  # a foreign ID is kept, but is no Swedish number
            if not swedish_valid:
                finding = (
                    "foreign organisation number (kept as given)" if on.kind == "fi"
                    else "organisation number fails its check digit (kept as given)" if on.kind == "se"
                    else "unrecognised organisation number (kept as given)"
                )
                report.flag(finding, f"{row[BUYER_NUMBER]} {raw_name}")
                quality = "foreign_org_number" if on.kind == "fi" else "invalid_org_number"
            is_public = True if (on.kind == "se" and on.number.startswith("2")) or sector in PUBLIC_BUYER_SECTORS else None
            name = official.get(buyer_id, raw_name)
            yield Node("Organisation", {
                "org_id": buyer_id,
                "name": name,
                "aliases": [raw_name] if raw_name else None,
                "org_number": on.number,
                "org_number_valid": swedish_valid,
                "country": on.country,
                "sector": sector,
                "legal_form": row[BUYER_FORM] or None,
                "is_public": is_public,
                "quality": quality,
                "source": SOURCE,
            })
            resolver.add_known(buyer_id, raw_name, swedish_valid)
            resolver.note(f"buyer:{buyer_id}", "org_number")
            yield from _place(buyer_id, raw_name, name, sector, quality, placer, report, emitted)

        # Procurement and its CPV division theme.
        attrs = (row[TITLE], published, row[PROCEDURE], row[CONTRACT_TYPE], row[CPV_MAIN])
        if pid not in seen:
            seen.add(pid)
            procurement_attrs[pid] = attrs
            cpv = row[CPV_MAIN].partition(" ")[0] or None
            theme_id = None
            if cpv and cpv[:2].isdigit():
                theme_id = themes.theme_id("cpv_group", cpv[:2])
                if ("Theme", theme_id) not in emitted:
                    emitted.add(("Theme", theme_id))
                    yield Node("Theme", {
                        "theme_id": theme_id, "kind": "cpv_group", "code": cpv[:2],
                        "name": _strip_code(row[CPV_DIVISION]) or None, "source": SOURCE,
                    })
            value = values.get(pid) if values is not None else None
            yield Node("Procurement", {
                "procurement_id": pid,
                "title": row[TITLE] or None,
                "published": published,
                "procedure": row[PROCEDURE] or None,
                "contract_type": row[CONTRACT_TYPE] or None,
                "cpv": cpv,
                "value": value,
                "currency": "SEK" if value is not None else None,
                **flags,
                "source": SOURCE,
            })
            if theme_id:
                yield Rel("HAS_THEME", ("Procurement", pid), ("Theme", theme_id), {"source": SOURCE})
        elif pid in procurement_attrs and procurement_attrs[pid] != attrs:
            report.flag("procurements whose rows disagree on title/date/procedure/type/CPV (first row kept)", pid)
            del procurement_attrs[pid]
        if (buyer_id, pid) not in buyer_of:
            buyer_of.add((buyer_id, pid))
            yield Rel("BUYER_OF", ("Organisation", buyer_id), ("Procurement", pid), {"source": SOURCE})

        # Supplier: anonymous per award when redacted, else a numbered organisation or a name key.
        supplier = row[SUPPLIER_NAME]
        lot = row[LOT_ID] or pid
        size = SIZES.get(row[SUPPLIER_SIZE])
        if row[SUPPLIER_SIZE] and size is None:
            report.flag("unknown supplier size class (left empty)", row[SUPPLIER_SIZE])
        if is_redacted(supplier):
            redacted_per_lot[(pid, lot)] += 1
            supplier_id = anonymous_key(SOURCE, pid, lot, str(redacted_per_lot[(pid, lot)]))
            report.notes["redacted suppliers (Personuppgift), one anonymous node per award"] += 1
            resolver.note(f"supplier:{supplier_id}", "anonymous")
            yield Node("Organisation", {
                "org_id": supplier_id, "name": supplier, "sector": row[SUPPLIER_SECTOR] or None,
                "legal_form": row[SUPPLIER_FORM] or None, "size": size,
                "is_public": SUPPLIER_PUBLIC.get(row[SUPPLIER_SECTOR]), "quality": "redacted_person",
                "source": SOURCE,
            })
        else:
            supplier_id = supplier_ids.get(supplier, "")
            if not supplier_id:
                matched, how = resolver.resolve(supplier)
                supplier_id = matched or name_key(supplier, SOURCE)
                supplier_ids[supplier] = supplier_id
                resolver.note(f"supplier:{supplier_id}", how or "name_only")
                if not row[SUPPLIER_SECTOR]:
                    report.notes["suppliers without sector/size (often foreign)"] += 1
            # Yield the supplier again only when a row says more about it (the same supplier
            # may be unclassified on one row and classified on the next).
            signature = (supplier, row[SUPPLIER_SECTOR], row[SUPPLIER_FORM], size)
            if supplier_props.get(supplier_id) != signature:
                supplier_props[supplier_id] = signature
                if supplier_id.startswith("NAME:"):
                    yield Node("Organisation", {
                        "org_id": supplier_id, "name": supplier, "aliases": [supplier],
                        "sector": row[SUPPLIER_SECTOR] or None, "legal_form": row[SUPPLIER_FORM] or None,
                        "size": size, "is_public": SUPPLIER_PUBLIC.get(row[SUPPLIER_SECTOR]), "source": SOURCE,
                    })
                else:
                    # A numbered organisation that also supplies: add the name and size, keep
                    # the buyer's own sector and legal form (the supplier columns classify differently).
                    yield Node("Organisation", {"org_id": supplier_id, **official_props(supplier_id),
                                                "aliases": [supplier], "size": size, "source": SOURCE})
        awards[(pid, lot, supplier_id)] += 1
        if awards[(pid, lot, supplier_id)] == 2:
            report.flag("award rows repeated for the same procurement, lot and supplier (one award kept)",
                        f"{pid} {lot} {supplier}")
        report.notes["award rows"] += 1
        yield Rel("AWARDED_TO", ("Procurement", pid), ("Organisation", supplier_id),
                  {"lot_id": lot, "contracted_bids": bids, "source": SOURCE})


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
