"""Rows of source files: CSV (delimiter sniffed where asked), XLSX and JSON, header checked first."""

from __future__ import annotations

import csv
import json
from collections.abc import Generator, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from graph.errors import SourceError
from graph.io.encodings import check_encoding, text_encoding
from graph.io.reports import FileReport

SNIFF_BYTES = 1 << 16


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def sniff_delimiter(sample: str, delimiters: str = ",;") -> str:
    """The delimiter of a CSV ``sample`` among ``delimiters`` (csv.Sniffer), ``,`` when it cannot tell.

    >>> sniff_delimiter('"a","b"\\n"1","2"\\n'), sniff_delimiter(";a;b\\n0;1;2\\n"), sniff_delimiter("abc\\n")
    (',', ';', ',')
    """
    if "\n" in sample.rstrip("\r\n"):
        sample = sample[: sample.rstrip("\r\n").rindex("\n") + 1]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=delimiters).delimiter
    except csv.Error:
        return ","


def csv_rows(path: Path, encoding: str, *, sniff: bool = False) -> Generator[tuple[int, list[str]], None, None]:
    """``(row number, cells)`` of a CSV file checked to decode as ``encoding``; the first row is 1.

    Comma-separated unless ``sniff``, which lets ``sniff_delimiter`` choose between ``,`` and ``;``.
    """
    check_encoding(path, encoding)
    with path.open(encoding=text_encoding(encoding), newline="") as fh:
        delimiter = ","
        if sniff:
            delimiter = sniff_delimiter(fh.read(SNIFF_BYTES))
            fh.seek(0)
        yield from enumerate(csv.reader(fh, delimiter=delimiter), start=1)


def xlsx_rows(path: Path, marker: str) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells as text)`` of the first sheet, from the first row holding ``marker`` on."""
    import openpyxl  # slow to import; only XLSX loads need it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException for non-XLSX
        raise SourceError(f"{path}: cannot be read as an XLSX workbook ({exc.__class__.__name__}: {exc})") from exc
    try:
        ws = wb.worksheets[0]
        found = False
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if not found:
                if marker in cells:
                    found = True
                    yield number, cells
                continue
            yield number, cells
        if not found:
            raise SourceError(f"{path}: no header row with {marker!r} in the first sheet")
    finally:
        wb.close()


def iter_table(path: Path, encoding: str, required: Sequence[str], known: Iterable[str], report: FileReport,
               header_marker: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV or XLSX file as ``(row number, {column: text})``; the header is row 1.

    Raises SourceError naming the file and the missing columns before yielding anything. Columns
    neither required nor ``known`` are reported (a changed export format is noticed).
    XLSX: the first sheet; the header is the first row holding ``header_marker`` (statistics
    database downloads may have title rows above it), cells become text as a CSV would hold them.
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = xlsx_rows(path, header_marker)
    else:
        rows = csv_rows(path, encoding)
    try:
        header_row, header = next(rows)
    except StopIteration:
        raise SourceError(f"{path}: the file is empty; expected a header with {', '.join(required)}") from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceError(
            f"{path}: missing column(s) {', '.join(repr(c) for c in missing)} (found: {', '.join(h for h in header if h)}). "
            "Is this the right kind of file, or was a column renamed?"
        )
    unknown = [h for h in header if h and h not in required and h not in set(known)]
    for h in unknown:
        report.flag("unknown columns (ignored)", h)
    # Only the columns a source reads are kept per row (an export has 40+).
    positions = [(c, header.index(c)) for c in required]
    width = max(i for _, i in positions) + 1
    for number, values in rows:
        if not any(v.strip() for v in values):
            continue
        if len(values) < width:
            values = [*values, *[""] * (width - len(values))]
        report.rows += 1
        yield number, {c: values[i].strip() for c, i in positions}


def read_json(path: Path, encoding: str) -> Any:
    """The JSON document in ``path`` (checked to decode as ``encoding``), or SourceError saying where it breaks."""
    check_encoding(path, encoding)
    try:
        with path.open(encoding=text_encoding(encoding)) as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
