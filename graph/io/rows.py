"""Rows of source files: CSV (delimiter sniffed where asked), XLSX and JSON, header checked first."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from graph.errors import RowError, SourceError
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


class _Lines:
    """The lines of a text file as the csv reader takes them, remembering those of the current record."""

    def __init__(self, fh: Iterable[str]) -> None:
        self._it = iter(fh)
        self.current: list[str] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._it)
        self.current.append(line)
        return line

    def take(self) -> list[str]:
        lines, self.current = self.current, []
        return lines


def cut_off(raw: str, delimiter: str = ",") -> bool:
    """True when the text of a CSV record ends inside a quoted field (the file stops mid-record).

    >>> cut_off('1,"hello\\n'), cut_off('1,"hel""lo'), cut_off('1,"hello"\\r\\n'), cut_off('1,he"llo\\n')
    (True, True, False, False)
    """
    try:
        list(csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (f"a field is longer than {csv.field_size_limit():,} characters (a quote left open, or not a "
                "CSV export?); check the file around that row")
    return f"not readable as CSV ({text})"


def csv_rows(path: Path, encoding: str, *, sniff: bool = False,
             report: FileReport | None = None) -> Generator[tuple[int, list[str]], None, None]:
    """``(row number, cells)`` of a CSV file checked to decode as ``encoding``; the first row is 1.

    Comma-separated unless ``sniff``, which lets ``sniff_delimiter`` choose between ``,`` and ``;``.
    A byte-order mark decides the encoding (``check_encoding``). A last record that ends inside a
    quoted field (a cut file) is never yielded as if complete: it is rejected into ``report``, or
    without one a SourceError naming the row. Unreadable CSV is a SourceError naming the row.
    """
    codec = check_encoding(path, encoding)
    with path.open(encoding=text_encoding(codec), newline="") as fh:
        delimiter = ","
        if sniff:
            delimiter = sniff_delimiter(fh.read(SNIFF_BYTES))
            fh.seek(0)
        lines = _Lines(fh)
        pending: tuple[int, list[str], list[str]] | None = None
        number = 0
        try:
            for cells in csv.reader(lines, delimiter=delimiter):
                raw = lines.take()
                if pending is not None:
                    yield pending[0], pending[1]
                number += 1
                pending = (number, cells, raw)
        except csv.Error as exc:
            raise SourceError(f"{path}: row {number + 1}: {_csv_problem(exc)}") from None
        if pending is None:
            raise SourceError(f"{path}: the file is empty (no header, no rows); was the export or download interrupted?")
        number, cells, raw = pending
        if not cut_off("".join(raw), delimiter):
            yield number, cells
            return
        reason = "the row ends inside a quoted field: the file is cut off (an interrupted download or copy?)"
        if report is None or number == 1:
            raise SourceError(f"{path}: row {number}: {reason}; get the whole file again")
        report.rows += 1
        report.reject(number, "", "".join(raw)[:80], reason)


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
        rows = csv_rows(path, encoding, report=report)
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
        row = {c: values[i].strip() for c, i in positions}
        nul = next((c for c, v in row.items() if "\x00" in v), None)
        if nul is not None:  # a damaged or binary file; a name with NUL would not match anything
            report.reject(number, nul, row[nul].replace("\x00", "\\x00")[:80], "contains a NUL byte (a damaged file?)")
            continue
        yield number, row


def read_json(path: Path, encoding: str) -> Any:
    """The JSON document in ``path`` (checked to decode as ``encoding``), or SourceError saying where it breaks."""
    codec = check_encoding(path, encoding)
    try:
        with path.open(encoding=text_encoding(codec)) as fh:
            text = fh.read()
        if not text.strip():
            raise SourceError(f"{path}: the file is empty; expected a JSON document")
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise SourceError(f"{path}: the JSON is nested too deeply to read (arrays or objects thousands of levels deep); "
                          "is this the right file?") from None
    except ValueError as exc:  # an integer beyond Python's digit limit (sys.get_int_max_str_digits)
        raise SourceError(f"{path}: the JSON holds a value that cannot be read ({str(exc).split(';')[0]})") from None


def read_json_records(path: Path, encoding: str, required: Iterable[str], what: str, hint: str) -> list[dict[str, Any]]:
    """A JSON list of objects that all hold the ``required`` fields, or SourceError saying what is wrong.

    ``what`` names the objects ("project objects (a Projektbanken export)"); ``hint`` ends the message
    about missing fields ("Is this a Projektbanken export, or was a field renamed?").
    """
    data = read_json(path, encoding)
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise SourceError(f"{path}: expected a JSON list of {what}")
    fields = list(required)
    missing = sorted({k for d in data for k in fields if k not in d})
    if missing:
        first = next(i for i, d in enumerate(data) if any(k not in d for k in missing))
        raise SourceError(
            f"{path}: missing field(s) {', '.join(repr(k) for k in missing)} (first in record {first + 1}). {hint}"
        )
    return data


def scalar_problem(record: Mapping[str, Any], where: str) -> RowError | None:
    """A RowError for the first value of ``record`` that is a JSON object or list where text or a number
    belongs, naming its JSON path (``where`` is the record's own, e.g. ``$[2]``); None when all are scalars.

    >>> scalar_problem({"a": "x", "b": {"name": "X"}}, "$[2]").reason
    'a JSON object at $[2].b, where text or a number belongs'
    >>> scalar_problem({"a": 1, "b": None}, "$[0]") is None
    True
    """
    for key, value in record.items():
        if isinstance(value, (dict, list)):
            kind = "a JSON object" if isinstance(value, dict) else "a JSON list"
            return RowError(key, json.dumps(value, ensure_ascii=False)[:80],
                            f"{kind} at {where}.{key}, where text or a number belongs")
    return None
