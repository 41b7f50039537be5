"""The analyst query library: documented Cypher questions in ``queries/``, run on either store.

Each question is one file, ``queries/<name>.cypher``, that opens with a header comment::

    // Question: Which organisations share EU projects with a given organisation?
    // Parameter: $org_id (string, e.g. SE-ON:2321000198) The organisation.
    // Parameter: $limit (int, default 25) How many rows at most.
    // Columns: partner_id, partner, shared_projects, shared_eu_budget

``e.g.`` marks a required parameter (the value is an example), ``default`` an optional one.
Parameter types are ``string``, ``int``, ``float``, ``bool``, ``list`` (comma-separated
strings) and ``org``: an organisation named any way ``stakenet`` accepts (org_id, organisation
number in any spelling, name or former name), resolved by graph/lookup.py to its ``org_id``
before the query runs. A line that starts with ``//`` and at least two more spaces continues the line above.

Where the embedded store's dialect differs, ``queries/<name>.embedded.cypher`` holds the variant
(with the same header); :func:`query_text` picks it from ``store.dialect``. Values reach the
database only as ``$parameters``, never pasted into the text. Every run is read-only (a
read-only transaction on both stores) unless ``write=True`` is asked for ad-hoc Cypher.

>>> q = parse_header("x", "// Question: Why?\\n// Parameter: $n (int, e.g. 3) How many.\\n// Columns: a, b\\nRETURN 1")
>>> (q.question, q.params[0].name, q.params[0].type, q.columns)
('Why?', 'n', 'int', ('a', 'b'))
>>> parse_params(q, ["n=7"])
{'n': 7}
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import AmbiguousReference, QueryError, StakenetError
from graph.lookup import resolve_organisation
from graph.store import Store

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
"""Where the library's questions live (``queries/`` at the project root)."""

PARAM_TYPES = ("string", "int", "float", "bool", "list", "org")
FORMATS = ("table", "json", "csv")

_PARAM_RE = re.compile(
    r"^\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+\((?P<type>\w+),\s*(?P<kind>e\.g\.|default)\s+(?P<value>[^)]*)\)\s*(?P<doc>.*)$"
)
_FIELD_RE = re.compile(r"^//\s?(?P<field>Question|Parameter|Columns|Note|Dialect|Rounding):\s*(?P<text>.*)$")
_CONT_RE = re.compile(r"^//\s{2,}(?P<text>\S.*)$")


@dataclass(frozen=True)
class Param:
    """One ``$parameter`` of a question: its type, an example (or default) value and what it means."""

    name: str
    type: str
    example: str
    required: bool = True
    doc: str = ""

    def convert(self, text: str) -> Any:
        """Turn the command-line ``text`` into a value of this parameter's type.

        >>> Param("n", "int", "3").convert("12")
        12
        >>> Param("ids", "list", "a,b").convert("x, y")
        ['x', 'y']
        >>> Param("n", "int", "3").convert("many")
        Traceback (most recent call last):
        ...
        graph.errors.QueryError: parameter $n should be an int (like 3), got 'many'
        """
        try:
            if self.type == "int":
                if not -(2**63) <= int(text) < 2**63:
                    raise ValueError(text)
                return int(text)
            if self.type == "float":
                return float(text)
            if self.type == "bool":
                low = text.strip().lower()
                if low in ("true", "yes", "1"):
                    return True
                if low in ("false", "no", "0"):
                    return False
                raise ValueError(text)
            if self.type == "list":
                return [part.strip() for part in text.split(",") if part.strip()]
            return text
        except ValueError:
            article = "an" if self.type[0] in "aeiou" else "a"
            raise QueryError(
                f"parameter ${self.name} should be {article} {self.type} (like {self.example}), got {text!r}"
            ) from None

    @property
    def example_value(self) -> Any:
        """The header's example (or default) value, converted to the parameter's type."""
        return self.convert(self.example)


@dataclass(frozen=True)
class Query:
    """A question of the library: its header and where its text (and dialect variants) live."""

    name: str
    question: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    text: str
    path: Path | None = None
    variants: Mapping[str, Path] = field(default_factory=dict)
    note: str = ""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def example_params(self) -> dict[str, Any]:
        """Every parameter set to the header's example or default value."""
        return {p.name: p.example_value for p in self.params}


@dataclass
class Result:
    """Rows of a query, as tuples in ``columns`` order."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


def parse_header(name: str, text: str, path: Path | None = None) -> Query:
    """Read the header comment of a query file into a :class:`Query`.

    Raises QueryError naming the file and what is missing or malformed.
    """
    where = str(path) if path else name
    fields: list[list[str]] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.startswith("//"):
            if line.strip():
                break
            continue
        m = _FIELD_RE.match(line)
        if m:
            fields.append([m["field"], m["text"].strip(), str(lineno)])
            continue
        c = _CONT_RE.match(line)
        if c and fields:
            fields[-1][1] = (fields[-1][1] + " " + c["text"].strip()).strip()
    question = " ".join(t for f, t, _ in fields if f == "Question")
    note = " ".join(t for f, t, _ in fields if f == "Note")
    columns = [t for f, t, _ in fields if f == "Columns"]
    params: list[Param] = []
    for f, t, at in fields:
        if f != "Parameter":
            continue
        m = _PARAM_RE.match(t)
        if not m:
            raise QueryError(
                f"{where} line {at}: malformed parameter line {t!r}; write "
                "'// Parameter: $name (type, e.g. value) what it means'"
            )
        if m["type"] not in PARAM_TYPES:
            raise QueryError(f"{where} line {at}: parameter ${m['name']} has unknown type {m['type']!r}; "
                             f"use one of {', '.join(PARAM_TYPES)}")
        params.append(Param(m["name"], m["type"], m["value"].strip(), m["kind"] == "e.g.", m["doc"].strip()))
    if not question:
        raise QueryError(f"{where}: the header has no '// Question: ...' line")
    if not columns:
        raise QueryError(f"{where}: the header has no '// Columns: ...' line")
    cols = tuple(c.strip() for c in ",".join(columns).split(",") if c.strip())
    return Query(name, question, tuple(params), cols, text, path, note=note)


def list_queries(directory: Path = QUERY_DIR) -> list[Query]:
    """Every question in ``directory``, sorted by name, with its dialect variants."""
    if not directory.is_dir():
        raise QueryError(f"query folder {directory} does not exist")
    variants: dict[str, dict[str, Path]] = {}
    mains: dict[str, Path] = {}
    for path in sorted(directory.glob("*.cypher")):
        stem = path.name[: -len(".cypher")]
        if "." in stem:
            base, dialect = stem.split(".", 1)
            variants.setdefault(base, {})[dialect] = path
        else:
            mains[stem] = path
    orphans = sorted(set(variants) - set(mains))
    if orphans:
        raise QueryError(f"{directory}: variant files without their main query: {', '.join(orphans)}")
    out = []
    for name, path in mains.items():
        q = parse_header(name, path.read_text(encoding="utf-8"), path)
        out.append(Query(q.name, q.question, q.params, q.columns, q.text, path, variants.get(name, {}), q.note))
    return out


def get_query(name: str, directory: Path = QUERY_DIR) -> Query:
    """The question called ``name``; an unknown name raises QueryError listing close names."""
    queries = {q.name: q for q in list_queries(directory)}
    if name in queries:
        return queries[name]
    close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise QueryError(f"no query named {name!r}.{hint} `stakenet query --list` shows them all.")


def query_text(query: Query, dialect: str) -> str:
    """The Cypher to run on a store of ``dialect``: the sibling variant if there is one."""
    path = query.variants.get(dialect)
    return path.read_text(encoding="utf-8") if path else query.text


def parse_params(query: Query, pairs: Iterable[str]) -> dict[str, Any]:
    """Turn ``key=value`` strings into typed ``$parameters``; defaults fill optional ones.

    Raises QueryError for a malformed pair, an unknown name, a bad value or a missing parameter.

    >>> q = Query("q", "?", (Param("region", "string", "SE313"), Param("limit", "int", "10", False)), ("a",), "")
    >>> parse_params(q, ["region=SE110"])
    {'region': 'SE110', 'limit': 10}
    >>> parse_params(q, [])
    Traceback (most recent call last):
    ...
    graph.errors.QueryError: query 'q' needs parameter $region (string, e.g. SE313); add --param region=SE313
    """
    given: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lstrip("$")
        if not sep or not key:
            raise QueryError(f"--param {pair!r} should look like key=value")
        given[key] = value
    known = {p.name for p in query.params}
    unknown = sorted(set(given) - known)
    if unknown:
        names = ", ".join(f"${n}" for n in sorted(known)) or "none"
        raise QueryError(f"query {query.name!r} has no parameter ${unknown[0]}; its parameters: {names}")
    out: dict[str, Any] = {}
    for p in query.params:
        if p.name in given:
            out[p.name] = p.convert(given[p.name])
        elif p.required:
            raise QueryError(
                f"query {query.name!r} needs parameter ${p.name} ({p.type}, e.g. {p.example}); "
                f"add --param {p.name}={p.example}"
            )
        else:
            out[p.name] = p.example_value
    return out


def parse_adhoc_params(pairs: Iterable[str]) -> dict[str, Any]:
    """``key=value`` strings for ad-hoc Cypher: integers, decimals and true/false are typed, the rest are strings.

    >>> parse_adhoc_params(["region=SE313", "limit=5", "share=0.5", "sme=true"])
    {'region': 'SE313', 'limit': 5, 'share': 0.5, 'sme': True}
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lstrip("$")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise QueryError(f"--param {pair!r} should look like key=value, with a key of letters, digits and _")
        typed: Any = value
        if re.fullmatch(r"-?\d+", value):
            typed = int(value)
            if not -(2**63) <= typed < 2**63:
                raise QueryError(f"--param {key}: {value[:30]}{'...' if len(value) > 30 else ''} does not fit in a "
                                 "64-bit integer; the stores take integers from -2**63 to 2**63-1")
        elif re.fullmatch(r"-?\d+\.\d*(e-?\d+)?|-?\d+e-?\d+", value, re.I):
            typed = float(value)
        elif value.lower() in ("true", "false"):
            typed = value.lower() == "true"
        out[key] = typed
    return out


# -- running ------------------------------------------------------------------------------------

MAX_QUERY_CHARS = 100_000
"""Longest ad-hoc query text accepted (the library's longest question is under 3,000 characters)."""
MAX_NESTING = 100
"""Deepest nesting of brackets accepted: the embedded engine crashes the process at about 3,000."""

# Clauses and procedures that read or write files, load extensions or switch databases.
_FILE_ACCESS = re.compile(
    r"\b(COPY|LOAD|EXPORT|IMPORT|ATTACH|INSTALL|USE)\b|\bapoc\s*\.\s*(load|export|import|cypher\s*\.\s*run\w*)\b",
    re.I,
)
_LITERALS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.S)


def check_query_text(cypher: str, *, write: bool = False) -> None:
    """Refuse query text that is empty, too long, too deeply nested, or (unless ``write``) touches files.

    Checked before the text reaches any engine: deep nesting crashes the embedded one.

    >>> check_query_text("MATCH (o:Organisation) RETURN o.name")
    >>> check_query_text("COPY (RETURN 1) TO 'x.csv'")
    Traceback (most recent call last):
    ...
    graph.errors.QueryError: COPY reads or writes files or the database catalogue; without --write a query may only read the graph
    """
    if not cypher.strip():
        raise QueryError("the query text is empty")
    if len(cypher) > MAX_QUERY_CHARS:
        raise QueryError(f"the query text has {len(cypher):,} characters; the limit is {MAX_QUERY_CHARS:,}")
    bare = _LITERALS.sub(lambda m: "''" if m[0][0] in "'\"" else " ", cypher)
    depth = deepest = 0
    for ch in bare:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(f"the query nests brackets {deepest} deep; the limit is {MAX_NESTING}. Simplify it.")
    m = _FILE_ACCESS.search(_LITERALS.sub(" ", cypher))
    if m and not write:
        what = m[1].upper() if m[1] else f"apoc.{m[2]}"
        raise QueryError(f"{what} reads or writes files or the database catalogue; without --write a query may only read the graph")


def run_cypher(
    store: Store, cypher: str, params: Mapping[str, Any] | None = None, *, write: bool = False,
    timeout: float | None = None,
) -> Result:
    """Run one Cypher statement with ``$parameters``, in a read-only transaction unless ``write``.

    Each store runs it in its own dialect (``store.run``): on Neo4j the driver's ``execute_read`` in
    a READ-mode session (the server refuses writes); on the embedded store ``BEGIN TRANSACTION READ
    ONLY`` (the engine refuses writes), and the text must be a single statement. The text is
    checked first (see check_query_text); ``timeout`` (seconds) stops a query that runs longer.
    """
    check_query_text(cypher, write=write)
    columns, rows = store.run(cypher, dict(params or {}), write=write, timeout=timeout)
    return Result(columns, rows)


def run_query(
    store: Store,
    query: Query | str,
    params: Mapping[str, Any] | None = None,
    *,
    directory: Path = QUERY_DIR,
    timeout: float | None = None,
) -> Result:
    """Run a question of the library (by name or :class:`Query`) read-only on ``store``.

    ``params`` are already typed (see :func:`parse_params`); a missing required parameter raises
    QueryError, defaults fill optional ones.
    """
    q = get_query(query, directory) if isinstance(query, str) else query
    given = dict(params or {})
    values: dict[str, Any] = {}
    for p in q.params:
        if p.name in given:
            values[p.name] = given.pop(p.name)
        elif p.required:
            raise QueryError(f"query {q.name!r} needs parameter ${p.name} ({p.type}, e.g. {p.example})")
        else:
            values[p.name] = p.example_value
    if given:
        raise QueryError(f"query {q.name!r} has no parameter ${sorted(given)[0]}")
    for p in q.params:
        if p.type == "org" and values.get(p.name) is not None:
            values[p.name] = _resolve_org_param(store, p, str(values[p.name]))
    return run_cypher(store, query_text(q, store.dialect), values, timeout=timeout)


def _resolve_org_param(store: Store, param: Param, ref: str) -> str:
    """The ``org_id`` an ``org`` parameter names, through the one organisation lookup (graph/lookup.py)."""
    try:
        return resolve_organisation(store, ref)[0]
    except AmbiguousReference as exc:
        raise AmbiguousReference(f"parameter ${param.name}: {exc}") from exc
    except StakenetError as exc:
        raise QueryError(f"parameter ${param.name}: {exc}") from exc


# -- output -------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = repr(value)  # the shortest text that reads back as the same number
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def format_result(result: Result, fmt: str = "table") -> str:
    """``result`` as an aligned text table, JSON (a list of objects) or CSV.

    >>> print(format_result(Result(["org", "n"], [("Region Gävleborg", 3), ("Gävle kommun", 12)])))
    org               n
    ----------------  --
    Region Gävleborg  3
    Gävle kommun      12
    (2 rows)
    """
    if fmt == "json":
        return json.dumps(result.dicts(), ensure_ascii=False, indent=2, default=str)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow([_cell(v) for v in row])
        return buf.getvalue().rstrip("\n")
    if fmt != "table":
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    cells = [[_cell(v).replace("\n", " ") for v in row] for row in result.rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(result.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(result.columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.append(f"({len(result.rows)} row{'' if len(result.rows) == 1 else 's'})")
    return "\n".join(lines)


def describe_queries(queries: Sequence[Query]) -> str:
    """The ``--list`` text: each question's name, question, parameters and columns."""
    blocks = []
    for q in queries:
        lines = [q.name, f"  {q.question}"]
        for p in q.params:
            kind = "e.g." if p.required else "default"
            lines.append(f"  --param {p.name}=...  ({p.type}, {kind} {p.example}) {p.doc}".rstrip())
        lines.append(f"  columns: {', '.join(q.columns)}")
        if q.variants:
            lines.append(f"  variants: {', '.join(sorted(q.variants))}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


__all__ = [
    "QUERY_DIR",
    "Param",
    "Query",
    "Result",
    "describe_queries",
    "format_result",
    "get_query",
    "list_queries",
    "parse_adhoc_params",
    "parse_header",
    "parse_params",
    "query_text",
    "run_cypher",
    "run_query",
]
