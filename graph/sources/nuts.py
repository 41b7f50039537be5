"""The NUTS classification (Eurostat CSV, or Kohesio's region list) as Region and Country records.

NUTS levels follow from the code: two letters are the country, then one character per level
(``SE`` country, ``SE3`` NUTS 1, ``SE31`` NUTS 2, ``SE313`` NUTS 3), so the hierarchy is the code's
prefix; the Eurostat file lists each country once per level, which is folded away. Swedish NUTS 3
regions are the 21 counties (län), named in graph/counties.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from graph.counties import NUTS_VERSION, SE_COUNTIES, county_name, county_nuts3
from graph.errors import SourceError
from graph.io.reports import FileReport
from graph.io.rows import csv_rows
from graph.records import Node, Record, Rel

__all__ = ["NUTS_VERSION", "SE_COUNTIES", "county_name", "county_nuts3", "iter_records"]

EUROSTAT_COLUMNS = ("Level", "NUTS-Code", "Description")
KOHESIO_COLUMNS = ("COUNTRY CODE", "NUTS LEVEL", "NUTS CODE", "NUTS LABEL")


def iter_records(path: Path, *, encoding: str = "utf-8", report: FileReport | None = None) -> Iterator[Record]:
    """Region and Country nodes and PART_OF relationships of a NUTS file (Eurostat or Kohesio)."""
    path = Path(path)
    report = report if report is not None else FileReport(str(path), "nuts")
    rows = csv_rows(path, encoding, sniff=True)
    header = [h.strip() for h in next(rows, (1, []))[1]]
    if all(c in header for c in EUROSTAT_COLUMNS):
        code_col, name_col, level_col = header.index("NUTS-Code"), header.index("Description"), None
        source = f"nuts{NUTS_VERSION}"
    elif all(c in header for c in KOHESIO_COLUMNS):
        code_col, name_col, level_col = header.index("NUTS CODE"), header.index("NUTS LABEL"), header.index("NUTS LEVEL")
        source = "kohesio"
    else:
        rows.close()
        raise SourceError(
            f"{path}: missing NUTS columns: expected Eurostat's {', '.join(EUROSTAT_COLUMNS)} or Kohesio's "
            f"{', '.join(KOHESIO_COLUMNS)}; found {', '.join(h for h in header if h)}"
        )
    regions: dict[str, tuple[str, int]] = {}
    countries: dict[str, str] = {}
    for number, row in rows:
        if not any(c.strip() for c in row):
            continue
        report.rows += 1
        code = row[code_col].strip() if len(row) > code_col else ""
        name = row[name_col].strip() if len(row) > name_col else ""
        if not code or code == "XX":
            report.notes["heading rows (no NUTS code) skipped"] += 1
            continue
        if not (2 <= len(code) <= 5 and code[:2].isalpha()):
            report.reject(number, "NUTS code", code, "not a NUTS code (2 letters + up to 3 characters)")
            continue
        level = len(code) - 2
        if level_col is not None and row[level_col].strip() not in ("", str(level)):
            report.reject(number, "NUTS LEVEL", row[level_col], f"level does not match code {code}")
            continue
        if level == 0:
            countries.setdefault(code, name)
        else:
            regions.setdefault(code, (name, level))
    for code, name in sorted(countries.items()):
        yield Node("Country", {"code": code, "name": name or None, "source": source})
    for code, (name, level) in sorted(regions.items()):
        yield Node("Region", {"nuts_code": code, "name": name or None, "level": level,
                              "nuts_version": NUTS_VERSION if source != "kohesio" else None, "source": source})
    for code, (_, level) in sorted(regions.items()):
        if level == 1:
            if code[:2] not in countries:
                countries[code[:2]] = ""
                yield Node("Country", {"code": code[:2], "source": source})
            yield Rel("PART_OF", ("Region", code), ("Country", code[:2]), {"source": source})
        elif code[:-1] in regions:
            yield Rel("PART_OF", ("Region", code), ("Region", code[:-1]), {"source": source})
        elif source != "kohesio":  # Kohesio lists only some levels; Eurostat's file should be whole
            report.flag("regions whose parent is not in the file", code)
