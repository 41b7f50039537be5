"""The tenders and procurements exports of the procurement statistics, and telling the four exports apart.

Upphandlingsmyndigheten's statistics database gives four exports of one year: awards (one row per
contracted tender, ``graph.sources.upphandling``), contracted value (one row per procurement),
**tenders** (one row per lot, ``Anbudsområdes-ID``, with ``Antal anbud, Summa``: the tenders
received) and **procurements** (one row per published procurement, ``Antal upphandlingar, Summa``,
including those that never reached an award). ``export_kind`` tells them apart by their header.

A procurement read here is the same node as in the awards (``<buyer org_id>|<Upphandlings-ID>``),
with what these exports know of it (buyer, CPV, procedure, type, flags, notice database, published,
and ``appealed`` / ``e_auction``, which only these exports carry). A lot is a ``Lot`` node keyed
``<procurement_id>|<Anbudsområdes-ID>`` with ``tenders_received``, joined to its procurement by
HAS_LOT; the awards of the lot are the procurement's AWARDED_TO with that ``lot_id``. The main CPV
code ``00000000`` ("Uppgift saknas", not given) is read as unknown here.

>>> export_kind(["Upphandlings-ID", "Organisationsnummer för köpare", "Kontrakterat värde, Summa"])
'value'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from graph.errors import RowError, SourceError
from graph.identity import OrgResolver, procurement_key
from graph.io.cells import parse_count, parse_date, parse_flag
from graph.io.reports import FileReport
from graph.io.rows import csv_rows, xlsx_rows
from graph.placement import Placer
from graph.records import Node, Record, Rel
from graph.sources import upphandling as up

TENDERS = "Antal anbud, Summa"
PROCUREMENT_COUNT = "Antal upphandlingar, Summa"
APPEALED = "Överprövad"
E_AUCTION = "Elektronisk auktion"
EXTRA_FLAGS = (("appealed", APPEALED), ("e_auction", E_AUCTION))
TENDER_COLUMNS = (*up.PROCUREMENT_COLUMNS, APPEALED, E_AUCTION, up.LOT_ID, TENDERS)
PROCUREMENTS_COLUMNS = (*up.PROCUREMENT_COLUMNS, APPEALED, E_AUCTION, PROCUREMENT_COUNT)
KNOWN = (*up.KNOWN_COLUMNS, TENDERS, PROCUREMENT_COUNT, up.VALUE)
NO_CPV = "00000000"

# Export kind -> (what it is, the columns that identify it). Order: the order files are loaded in
# within one load (procurements, then tenders, then awards: where the exports disagree on a
# procurement's property the awards' value is written last and stands, whatever the command line's order).
EXPORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "procurements": ("procurements export (se_procurement_*_procurements, one row per published procurement)",
                     PROCUREMENTS_COLUMNS),
    "tenders": ("tenders export (se_procurement_*_tenders, one row per lot with the tenders received)", TENDER_COLUMNS),
    "awards": ("awards export (se_procurement_*_awards, one row per contracted tender)", up.AWARD_COLUMNS),
    "value": ("contracted value export (se_procurement_*_contracted_value)", up.VALUE_COLUMNS),
}
LOAD_ORDER = ("value", "procurements", "tenders", "awards")
LOT_BUYERS = "lots (Anbudsområdes-ID) given with different buyers in different files (flagged, kept apart, not merged)"


def lot_key(procurement_id: str, lot_id: str) -> str:
    """``Lot.lot_key``: ``<procurement_id>|<Anbudsområdes-ID>``."""
    return f"{procurement_id}|{lot_id}"


def export_kind(header: Sequence[str]) -> str | None:
    """The export whose columns ``header`` has (the most specific when several), else None."""
    cols = {h.strip() for h in header}
    matches = [k for k, (_, need) in EXPORTS.items() if all(c in cols for c in need)]
    if not matches:
        return None
    return max(matches, key=lambda k: len(EXPORTS[k][1]))


def read_header(path: Path, encoding: str) -> list[str]:
    """The header row of a CSV or XLSX export (SourceError when the file has none)."""
    rows = xlsx_rows(path, up.PROCUREMENT_ID) if path.suffix.lower() in (".xlsx", ".xlsm") else csv_rows(path, encoding)
    try:
        return [h.strip() for h in next(rows)[1]]
    except StopIteration:
        raise SourceError(f"{path}: the file is empty; expected the header of a procurement statistics export") from None
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def detect_export(path: Path, encoding: str) -> str:
    """``procurements``, ``tenders``, ``awards`` or ``value`` by the header of ``path``; SourceError
    naming every export it could be and the columns each lacks when it matches none."""
    header = read_header(path, encoding)
    kind = export_kind(header)
    if kind is not None:
        return kind
    cols = set(header)
    lacks = "; ".join(
        f"{what}: lacks {', '.join(repr(c) for c in need if c not in cols)}" for what, need in EXPORTS.values())
    raise SourceError(f"{path}: the header matches none of the procurement statistics exports ({lacks}). "
                      "Is this the right file, or was a column renamed?")


def iter_records(path: Path, export: str, *, encoding: str = "utf-8", values: dict[str, float] | None = None,
                 resolver: OrgResolver | None = None, report: FileReport | None = None, seen: set[str] | None = None,
                 placer: Placer | None = None, lots: dict[str, dict[str, set[str]]] | None = None) -> Iterator[Record]:
    """Nodes and relationships of one ``tenders`` or ``procurements`` export (see the module doc).

    ``lots`` (Anbudsområdes-ID -> file name -> buyer org_ids) is shared by the files of one load to
    flag a lot given with different buyers (``lot_conflicts``); the other arguments are as for ``upphandling.iter_records``.
    """
    path = Path(path)
    reader = _TableReader(
        path, report if report is not None else FileReport(str(path), up.SOURCE),
        resolver if resolver is not None else OrgResolver(), values, seen if seen is not None else set(),
        placer if placer is not None else Placer())
    reader.lots_seen = lots if lots is not None else {}
    reader.tenders = export == "tenders"
    required = TENDER_COLUMNS if reader.tenders else PROCUREMENTS_COLUMNS
    for number, row in up.checked_rows(path, encoding, required, KNOWN, reader.report):
        yield from reader.table_row(number, row)
    yield from reader.finish()


def note_lot(lots: dict[str, dict[str, set[str]]], lot_id: str, buyer_id: str, file: str) -> None:
    """Remember that ``file`` gives ``lot_id`` to ``buyer_id``."""
    lots.setdefault(lot_id, {}).setdefault(file, set()).add(buyer_id)


def lot_conflicts(lots: dict[str, dict[str, set[str]]]) -> list[str]:
    """The lots that two files give to different buyers, as ``"<lot>: <buyer> (<file>), ..."`` (sorted)."""
    out = []
    for lot_id in sorted(lots):
        per_file = lots[lot_id]
        if len({frozenset(b) for b in per_file.values()}) > 1:
            out.append(f"{lot_id}: " + ", ".join(f"{'/'.join(sorted(b))} ({f})" for f, b in sorted(per_file.items())))
    return out


class _TableReader(up._AwardsReader):
    """A tenders or procurements file: buyers and procurements as in the awards, lots, no suppliers."""

    tenders = False
    lots_seen: dict[str, dict[str, set[str]]]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.extra: dict[str, Counter[tuple[bool | None, ...]]] = {}
        self.lot_rows: dict[tuple[str, str], list[int | None]] = {}

    def _parse_table(self, number: int, row: dict[str, str]) -> tuple[dict[str, Any], int | None] | None:
        try:
            if not row[up.PROCUREMENT_ID]:
                raise RowError(up.PROCUREMENT_ID, "", "empty Upphandlings-ID")
            if not row[up.BUYER_NUMBER]:
                raise RowError(up.BUYER_NUMBER, "", "empty buyer organisation number")
            parsed: dict[str, Any] = {"published": parse_date(row[up.PUBLISHED], up.PUBLISHED)}
            parsed.update({name: parse_flag(row[col], col) for name, col in (*up.FLAG_COLUMNS, *EXTRA_FLAGS)})
            tenders = None
            if self.tenders:
                if not row[up.LOT_ID]:
                    raise RowError(up.LOT_ID, "", "empty Anbudsområdes-ID (a lot needs its ID)")
                if not row[TENDERS]:
                    raise RowError(TENDERS, "", "empty tender count (the tenders export gives one per lot)")
                tenders = parse_count(row[TENDERS], TENDERS)
                if tenders is not None and tenders > up.INT64_MAX:
                    raise RowError(TENDERS, row[TENDERS], "a count over the 64-bit limit (is the cell shifted?)")
        except RowError as exc:
            self.report.reject(number, exc.field, exc.value, exc.reason)
            return None
        return parsed, tenders

    def table_row(self, number: int, row: dict[str, str]) -> Iterator[Record]:
        parsed = self._parse_table(number, row)
        if parsed is None:
            return
        props, tenders = parsed
        if row[up.CPV_MAIN].startswith(NO_CPV):
            row = {**row, up.CPV_MAIN: "", up.CPV_DIVISION: ""}
        buyer_id = yield from self._buyer(row)
        key = procurement_key(buyer_id, row[up.PROCUREMENT_ID])
        yield from self._procurement(number, row, key, buyer_id, props)
        self.extra.setdefault(key, Counter())[tuple(props[name] for name, _ in EXTRA_FLAGS)] += 1
        if not self.tenders:
            self.report.notes["procurement rows"] += 1
            return
        lot = row[up.LOT_ID]
        lot_key = (key, lot)
        note_lot(self.lots_seen, lot, buyer_id, self.path.name)
        counts = self.lot_rows.setdefault(lot_key, [])
        counts.append(tenders)
        if len(counts) > 1:
            self.report.flag("lot rows repeated (one lot kept; differing counts: the largest)",
                             f"{self.path.name} row {number}: {lot} of {row[up.PROCUREMENT_ID]}")
            return
        self.report.notes["lot rows"] += 1

    def finish(self) -> Iterator[Record]:
        yield from super().finish()
        for key, lot in sorted(self.lot_rows):
            known = [c for c in self.lot_rows[key, lot] if c is not None]
            tenders = max(known) if known else None
            if tenders == 1:
                self.report.notes["lots with a single tender received"] += 1
            yield Node("Lot", {"lot_key": lot_key(key, lot), "procurement_id": key, "lot_id": lot,
                               "tenders_received": tenders, "source": up.SOURCE})
            yield Rel("HAS_LOT", ("Procurement", key), ("Lot", lot_key(key, lot)), {"source": up.SOURCE})
        for key in sorted(self.extra):
            settled = up.most_frequent(self.extra[key])
            yield Node("Procurement", {"procurement_id": key, **dict(zip((n for n, _ in EXTRA_FLAGS), settled,
                                                                        strict=True)), "source": up.SOURCE})
