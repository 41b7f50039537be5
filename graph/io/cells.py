"""Cell parsers: the text of one cell to a Python value, or a RowError naming the field and why.

>>> parse_flag("True"), parse_flag(""), parse_flag("False")
(True, None, False)
"""

from __future__ import annotations

from datetime import date

from graph.errors import RowError

_FLAGS = {"true": True, "false": False, "ja": True, "nej": False, "1": True, "0": False, "": None}


def parse_flag(text: str, field: str = "") -> bool | None:
    """``True``/``False``/empty (also ``Ja``/``Nej``, ``1``/``0``) -> True/False/None (unknown)."""
    try:
        return _FLAGS[text.strip().casefold()]
    except KeyError:
        raise RowError(field, text, "not a flag (expected True, False or empty)") from None


def parse_date(text: str, field: str = "") -> str | None:
    """An ISO date (a trailing time is dropped); empty -> None.

    >>> parse_date("2021-03-04 00:00:00")
    '2021-03-04'
    """
    s = text.strip()
    if not s:
        return None
    if len(s) > 10 and s[10] in " T":
        s = s[:10]
    try:
        if len(s) == 10:
            return date.fromisoformat(s).isoformat()
    except ValueError:
        pass
    raise RowError(field, text, "not a date (expected YYYY-MM-DD)")


def parse_amount(text: str, field: str = "") -> float | None:
    """A number as exported (``1460``, ``1460.5``, ``1 460,5``); empty -> None.

    >>> parse_amount("1 460,5")
    1460.5
    """
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if not s:
        return None
    if "," in s and "." not in s:
        s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        raise RowError(field, text, "not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise RowError(field, text, "not a finite number")
    return value


def parse_count(text: str, field: str = "") -> int | None:
    """A whole non-negative number; empty -> None."""
    value = parse_amount(text, field)
    if value is None:
        return None
    if not value.is_integer() or value < 0:
        raise RowError(field, text, "not a whole non-negative number")
    return int(value)
