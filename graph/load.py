"""Loading source files into a store: checks, rejects, data-quality summary, identity matching.

``load_files(store, kind, paths)`` is what ``stakenet load`` calls. It refuses a file before
loading anything when it cannot be read as a whole (missing columns, wrong encoding), streams each
file's records into the store in batches, writes rows it cannot parse to a rejects CSV (file, row
number, field, reason) instead of dropping them silently, records a provenance ``Source`` node per
file, and afterwards merges organisations known only by name into numbered ones (so the result
does not depend on which file was loaded first). The returned ``LoadReport`` says what was
loaded, rejected and matched.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from graph.errors import SourceError
from graph.identity import MatchCounts, OrgResolver, official_props
from graph.model import NODE_TYPES, REL_TYPES
from graph.records import Node, Record, Rel
from graph.store import LoadStats

KINDS = ("upphandling", "projektbanken", "nuts")


# -- per-file bookkeeping -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reject:
    """A row that could not be loaded: where it is, which field, and why."""

    file: str
    row: int
    field: str
    value: str
    reason: str


@dataclass
class FileReport:
    """What a source made of one file: rows read and loaded, rejects, data-quality findings.

    ``quality`` maps a finding (e.g. ``"organisation number fails its check digit"``) to the items
    it concerns; ``notes`` counts things worth knowing that are not errors; ``placements`` counts
    distinct buyers by the rule that placed them in a county (``graph.placement.RULES``) or ``unplaced``.
    """

    path: str
    kind: str
    rows: int = 0
    rejects: list[Reject] = field(default_factory=list)
    quality: dict[str, list[str]] = field(default_factory=dict)
    notes: Counter[str] = field(default_factory=Counter)
    placements: Counter[str] = field(default_factory=Counter)
    source_id: str = ""
    seconds: float = 0.0

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejects})

    @property
    def loaded(self) -> int:
        return self.rows - self.rejected_rows

    def reject(self, row: int, field_: str, value: Any, reason: str) -> None:
        self.rejects.append(Reject(self.path, row, field_, "" if value is None else str(value), reason))

    def flag(self, finding: str, item: str) -> None:
        items = self.quality.setdefault(finding, [])
        if item not in items:
            items.append(item)


# -- reading helpers shared by the sources --------------------------------------------------------


def check_encoding(path: Path, encoding: str) -> None:
    """Raise SourceError (suggesting ``--encoding``) unless all of ``path`` decodes as ``encoding``.

    Done before loading anything, so a file is never half loaded because of a bad byte.
    """
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}; use e.g. --encoding utf-8 or --encoding cp1252") from None
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise SourceError(
                    f"{path}: not valid {encoding} (byte {offset + exc.start}: {chunk[exc.start:exc.start + 1]!r}). "
                    "If the file is Latin-1 or Windows-1252, load it with --encoding cp1252."
                ) from None
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise SourceError(f"{path}: not valid {encoding} (truncated at the end). Try --encoding cp1252.") from None


def text_encoding(encoding: str) -> str:
    """``utf-8`` files may start with a byte-order mark (Excel writes one); read past it."""
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


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


def iter_table(path: Path, encoding: str, required: Sequence[str], known: Iterable[str], report: FileReport,
               header_marker: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV or XLSX file as ``(row number, {column: text})``; the header is row 1.

    Raises SourceError naming the file and the missing columns before yielding anything. Columns
    neither required nor ``known`` are reported (a changed export format is noticed).
    XLSX: the first sheet; the header is the first row holding ``header_marker`` (statistics
    database downloads may have title rows above it), cells become text as a CSV would hold them.
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, header_marker)
    else:
        check_encoding(path, encoding)
        rows = _csv_rows(path, encoding)
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


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding=text_encoding(encoding), newline="") as fh:
        reader = csv.reader(fh)
        yield from enumerate(reader, start=1)


def _xlsx_rows(path: Path, marker: str) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

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


def file_digest(path: Path) -> str:
    """A short content hash: the same file loaded twice is the same Source node."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()[:12]


# -- the load ------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """The outcome of ``load_files``."""

    kind: str
    files: list[FileReport]
    stats: LoadStats
    matches: MatchCounts
    merged_after_load: dict[str, int] = field(default_factory=dict)
    rejects_path: Path | None = None
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected_rows for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejects(self) -> list[Reject]:
        return [r for f in self.files for r in f.rejects]

    @property
    def placements(self) -> Counter[str]:
        """Buyers of all files by the rule that placed them in a county, and ``unplaced``."""
        out: Counter[str] = Counter()
        for f in self.files:
            out.update(f.placements)
        return out

    def summary_lines(self) -> list[str]:
        """The human summary ``stakenet load`` prints."""
        lines = []
        for f in self.files:
            lines.append(f"{f.path}: {f.rows} rows, {f.loaded} loaded, {f.rejected_rows} rejected ({f.seconds:.2f} s)")
        lines.append(
            f"total: {self.loaded} rows loaded, {self.rejected} rejected; "
            f"{self.stats.nodes_created} nodes and {self.stats.rels_created} relationships created, "
            f"{self.stats.nodes_updated} nodes and {self.stats.rels_updated} relationships updated"
        )
        if self.rejects_path is not None and self.rejected:
            lines.append(f"rejected rows written to {self.rejects_path}")
        placed = self.placements
        if placed:
            lines.append(placement_line(placed))
        m = self.matches
        if m.total:
            rates = m.rates()
            lines.append(
                "organisations: "
                + ", ".join(
                    f"{label} {getattr(m, name)} ({rates[name]:.1%})"
                    for name, label in (
                        ("with_org_number", "with org number"),
                        ("matched_by_name", "matched by name"),
                        ("merged_by_rename", "merged by rename table"),
                        ("name_only", "name only"),
                        ("anonymous", "anonymous (redacted persons)"),
                    )
                )
            )
        for how, n in sorted(self.merged_after_load.items()):
            if n:
                lines.append(f"merged after load into numbered organisations ({how}): {n}")
        if m.ambiguous:
            lines.append(f"ambiguous names (several numbered organisations, not matched): {', '.join(sorted(m.ambiguous))}")
        findings: dict[str, list[str]] = {}
        notes: Counter[str] = Counter()
        for f in self.files:
            for k, items in f.quality.items():
                findings.setdefault(k, []).extend(i for i in items if i not in findings.get(k, []))
            notes.update(f.notes)
        if findings or notes:
            lines.append("data quality:")
        for k in sorted(findings):
            lines.append(f"  {k}: {len(findings[k])}: {'; '.join(findings[k][:20])}{' ...' if len(findings[k]) > 20 else ''}")
        for k in sorted(notes):
            lines.append(f"  {k}: {notes[k]}")
        return lines


PLACEMENT_LABELS = (
    ("municipality", "municipality"), ("region", "region"), ("county_board", "county board"),
    ("municipal_company", "municipal company"),
)


def placement_line(placed: Mapping[str, int]) -> str:
    """One line: buyers placed in a county by name, by rule, and those not placed.

    >>> placement_line({"municipality": 3, "region": 1, "unplaced": 4})
    'buyers placed in a county by name: 4 of 8 (50.0%): municipality 3, region 1, county board 0, municipal company 0; not placed 4'
    """
    total = sum(placed.values())
    n = total - placed.get("unplaced", 0)
    rules = ", ".join(f"{label} {placed.get(rule, 0)}" for rule, label in PLACEMENT_LABELS)
    return (f"buyers placed in a county by name: {n} of {total} ({n / (total or 1):.1%}): {rules}; "
            f"not placed {placed.get('unplaced', 0)}")


def write_rejects(path: Path, rejects: Sequence[Reject]) -> None:
    """Write rejected rows as CSV: file, row, field, value, reason."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "row", "field", "value", "reason"])
        for r in rejects:
            w.writerow([r.file, r.row, r.field, r.value, r.reason])


def known_organisations(store: Any, resolver: OrgResolver) -> int:
    """Feed ``resolver`` every organisation in ``store`` that has an organisation number."""
    n = 0
    for org_id, name, aliases, valid in store.rows(
        "MATCH (o:Organisation) WHERE o.org_number IS NOT NULL "
        "RETURN o.org_id, o.name, o.aliases, o.org_number_valid ORDER BY o.org_id"
    ):
        resolver.add_known(org_id, name, valid is not False, aliases or ())
        n += 1
    return n


def _source_records(kind: str, path: Path, report: FileReport) -> Iterator[Record]:
    yield Node(
        "Source",
        {
            "source_id": report.source_id,
            "kind": kind,
            "path": str(path),
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rows": report.rows,
            "rejected": report.rejected_rows,
            "notes": "; ".join(
                [f"{k}: {v}" for k, v in sorted(report.notes.items())]
                + ([placement_line(report.placements)] if report.placements else [])
            ) or None,
        },
    )


def _records_for(kind: str, path: Path, encoding: str, values: dict[str, float] | None, resolver: OrgResolver,
                 report: FileReport, seen: set[str]) -> Iterator[Record]:
    from graph.sources import nuts, projektbanken, upphandling

    if kind == "upphandling":
        return upphandling.iter_records(path, encoding=encoding, values=values, resolver=resolver, report=report,
                                        seen=seen)
    if kind == "projektbanken":
        return projektbanken.iter_records(path, encoding=encoding, resolver=resolver, report=report)
    return nuts.iter_records(path, encoding=encoding, report=report)


def _preflight(kind: str, path: Path, encoding: str) -> None:
    """Raise SourceError now if ``path`` cannot be read as ``kind`` (sources check before their first record)."""
    records = _records_for(kind, path, encoding, None, OrgResolver(), FileReport(str(path), kind), set())
    try:
        next(records, None)
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()


def load_files(
    store: Any,
    kind: str,
    paths: Sequence[str | Path],
    *,
    value_file: str | Path | None = None,
    encoding: str = "utf-8",
    rejects_path: str | Path | None = None,
    batch_size: int | None = None,
) -> LoadReport:
    """Load source files of ``kind`` (``upphandling``, ``projektbanken``, ``nuts``) into ``store``.

    ``value_file`` (upphandling only) is the contracted-value export, joined on Upphandlings-ID.
    Rows that cannot be parsed are left out, counted, and written to ``rejects_path`` when given.
    Raises SourceError for an unreadable file (missing, wrong encoding, missing columns) before
    anything of any file is loaded. Loading the same files again changes no count.
    """
    from graph.sources import upphandling

    if kind not in KINDS:
        raise SourceError(f"unknown source kind {kind!r}; use one of {', '.join(KINDS)}")
    if value_file is not None and kind != "upphandling":
        raise SourceError("--value-file belongs to upphandling loads only")
    files = [Path(p) for p in paths]
    if not files:
        raise SourceError(f"no files given to load as {kind}")
    for p in [*files, *([Path(value_file)] if value_file else [])]:
        if not p.is_file():
            raise SourceError(f"{p}: no such file")
    start = time.perf_counter()
    resolver = OrgResolver()
    known_organisations(store, resolver)
    stats = LoadStats()
    reports: list[FileReport] = []
    kwargs: dict[str, Any] = {} if batch_size is None else {"batch_size": batch_size}
    values: dict[str, float] | None = None
    value_report: FileReport | None = None
    if value_file is not None:
        vp = Path(value_file)
        value_report = FileReport(str(vp), "upphandling-value", source_id=f"upphandling-value:{vp.name}:{file_digest(vp)}")
        t0 = time.perf_counter()
        values = upphandling.read_values(vp, encoding, value_report)
        value_report.seconds = time.perf_counter() - t0
    # Every file is checked (encoding, columns, structure) before any is loaded: no partial loads.
    for path in files:
        _preflight(kind, path, encoding)
    procurement_ids: set[str] = set()
    for path in files:
        report = FileReport(str(path), kind, source_id=f"{kind}:{path.name}:{file_digest(path)}")
        t0 = time.perf_counter()
        records = _records_for(kind, path, encoding, values, resolver, report, procurement_ids)
        stats.add(store.load(records, **kwargs))
        stats.add(store.load(_source_records(kind, path, report)))
        report.seconds = time.perf_counter() - t0
        reports.append(report)
    if value_report is not None and values is not None:
        unmatched = len(set(values) - procurement_ids)
        if unmatched:
            value_report.notes["procurements with a value but no award rows (value not loaded)"] = unmatched
        stats.add(store.load(_source_records("upphandling-value", Path(value_file or ""), value_report)))
        reports.append(value_report)
    merged = merge_name_keyed(store, **kwargs)
    report_out = LoadReport(kind, reports, stats, resolver.counts, merged, seconds=time.perf_counter() - start)
    if rejects_path is not None and report_out.rejected:
        report_out.rejects_path = Path(rejects_path)
        write_rejects(report_out.rejects_path, report_out.rejects)
    return report_out


# -- merging name-keyed organisations into numbered ones ---------------------------------------


def _org_rel_queries() -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """(type, src label, dst label, side of the organisation, property names) per rel pair."""
    out = []
    for rt in REL_TYPES.values():
        for a, b in rt.pairs:
            if a == "Organisation":
                out.append((rt.type, a, b, "src", rt.prop_names))
            if b == "Organisation":
                out.append((rt.type, a, b, "dst", rt.prop_names))
    return out


# Keys of organisations known by a name only: the Swedish loaders' ``NAME:<source>:<name>`` and the
# EU Knowledge Graph harvester's beneficiary items ``EUKG:Q...`` and raw names ``EUKG-NAME:<name>``.
NAME_KEY_PREFIXES = ("NAME:", "EUKG:", "EUKG-NAME:")
# Harvested beneficiaries are folded conservatively: only Swedish ones (or of unknown country), and
# only by the renames table or an exact normalised name (never with the legal form dropped).
EUKG_KEY_PREFIXES = ("EUKG:", "EUKG-NAME:")


@dataclass(frozen=True)
class Fold:
    """One name-keyed organisation folded into a numbered one: where it went and how it matched."""

    target: str
    how: str


def fold_name_keyed(store: Any, prefixes: Sequence[str] = NAME_KEY_PREFIXES,
                    batch_size: int | None = None) -> dict[str, Fold]:
    """Fold organisations whose key starts with one of ``prefixes`` into numbered ones with their name.

    A source loaded before the file that carries an organisation's number leaves a name-keyed
    node; this moves its relationships to the numbered node (by normalised name, then the renames
    table), keeps its name as an alias, and deletes it. Harvested EU KG beneficiaries (``EUKG:``,
    ``EUKG-NAME:``) are folded only when Swedish or of unknown country and by an exact normalised
    name (their name, else an alias) or the renames table; the numbered node keeps their item id
    (``eukg_item``) and ``eukg`` in its ``source``. Returns old key -> ``Fold`` for every node folded.
    """
    resolver = OrgResolver()
    known_organisations(store, resolver)
    folds: dict[str, Fold] = {}
    extra: dict[str, dict[str, Any]] = {}
    names: dict[str, list[str]] = {}
    for prefix in prefixes:
        strict = prefix in EUKG_KEY_PREFIXES
        for org_id, name, aliases, country, source, item in store.rows(
            "MATCH (o:Organisation) WHERE o.org_id STARTS WITH $prefix "
            "RETURN o.org_id, o.name, o.aliases, o.country, o.source, o.eukg_item ORDER BY o.org_id",
            {"prefix": prefix},
        ):
            if org_id in folds or (strict and country not in (None, "SE")):
                continue
            target, how = None, None
            for candidate in (name, *(aliases or ())) if strict else (name,):
                target, how = resolver.resolve(candidate or "", stems=not strict)
                if target is not None:
                    break
            if target is None:
                continue
            folds[org_id] = Fold(target, how or "name")
            names[org_id] = [n for n in dict.fromkeys((name, *(aliases or ()))) if n]
            if strict:
                extra[org_id] = {"source": source, "eukg_item": item}
    ids = sorted(folds)
    for start in range(0, len(ids), MERGE_CHUNK):
        _move(store, ids[start:start + MERGE_CHUNK], folds, names, extra, batch_size)
    return folds


def merge_name_keyed(store: Any, batch_size: int | None = None,
                     prefixes: Sequence[str] = NAME_KEY_PREFIXES) -> dict[str, int]:
    """Fold name-keyed organisations into numbered ones (see ``fold_name_keyed``); merges counted by how they matched.

    Every load runs it afterwards, so the result does not depend on which source came first.
    """
    return dict(Counter(f.how for f in fold_name_keyed(store, prefixes, batch_size).values()))


MERGE_CHUNK = 10_000


def _move(store: Any, ids: list[str], folds: Mapping[str, Fold], names: Mapping[str, list[str]],
          extra: Mapping[str, Mapping[str, Any]], batch_size: int | None) -> None:
    targets = sorted({folds[old].target for old in ids})
    # A numbered organisation keeps the EU KG item it already has, else the smallest folded into it.
    items: dict[str, str] = {}
    for old in ids:
        item = extra.get(old, {}).get("eukg_item")
        if item and (folds[old].target not in items or item < items[folds[old].target]):
            items[folds[old].target] = item
    if items:
        for org_id, item in store.rows(
            "MATCH (o:Organisation) WHERE o.org_id IN $ids AND o.eukg_item IS NOT NULL RETURN o.org_id, o.eukg_item",
            {"ids": targets},
        ):
            items[org_id] = item
    records: list[Record] = []
    for old in ids:
        target = folds[old].target
        props: dict[str, Any] = {"org_id": target, **official_props(target), "aliases": names[old]}
        if old in extra:
            props["source"] = extra[old].get("source")
            props["eukg_item"] = items.get(target)
        records.append(Node("Organisation", props))
    for type_, a, b, side, rel_props_names in _org_rel_queries():
        other = b if side == "src" else a
        other_key = NODE_TYPES[other].key
        ret = ", ".join(f"e.{p} AS {p}" for p in rel_props_names)
        if side == "src":
            cypher = (f"MATCH (o:Organisation)-[e:{type_}]->(x:{other}) WHERE o.org_id IN $ids "
                      f"RETURN o.org_id AS org, x.{other_key} AS other, {ret}")
        else:
            cypher = (f"MATCH (x:{other})-[e:{type_}]->(o:Organisation) WHERE o.org_id IN $ids "
                      f"RETURN o.org_id AS org, x.{other_key} AS other, {ret}")
        for row in store.query(cypher, {"ids": ids}):
            rel_props: Mapping[str, Any] = {p: row[p] for p in rel_props_names if row[p] is not None}
            new = ("Organisation", folds[row["org"]].target)
            end = (other, row["other"])
            records.append(Rel(type_, new, end, rel_props) if side == "src" else Rel(type_, end, new, rel_props))
    store.load(records, **({} if batch_size is None else {"batch_size": batch_size}))
    store.query("MATCH (o:Organisation) WHERE o.org_id IN $ids DETACH DELETE o", {"ids": ids})


def placement_summary(store: Any) -> dict[str, int]:
    """Buyers in ``store`` by how they are placed in a county: by a name rule, by ``other`` LOCATED_IN, or not.

    Keys: each of ``graph.placement.RULES`` (LOCATED_IN whose source is ``upphandling:name-place:<rule>``),
    ``other`` (a buyer LOCATED_IN a Region by another source only), ``unplaced`` (no LOCATED_IN; the
    indicators may still place it by its projects) and ``buyers``.
    """
    from graph.placement import RULES
    from graph.sources.upphandling import PLACE_SOURCE

    buyers = {org for (org,) in store.rows("MATCH (o:Organisation)-[:BUYER_OF]->(:Procurement) RETURN DISTINCT o.org_id", {})}
    how: dict[str, str] = {}
    for org, source in store.rows("MATCH (o:Organisation)-[e:LOCATED_IN]->(:Region) RETURN o.org_id, e.source", {}):
        if org not in buyers:
            continue
        rules = sorted(s.removeprefix(PLACE_SOURCE + ":") for s in (source or "").split(";") if s.startswith(PLACE_SOURCE + ":"))
        if rules:
            how[org] = rules[0]
        else:
            how.setdefault(org, "other")
    out = dict.fromkeys((*RULES, "other"), 0)
    for rule in how.values():
        out[rule] = out.get(rule, 0) + 1
    out["unplaced"] = len(buyers) - len(how)
    out["buyers"] = len(buyers)
    return out


def identity_summary(store: Any) -> dict[str, int]:
    """Organisations in the store by kind of key: numbered, name only, anonymous."""
    out = {}
    for label, prefix in (("name_only", "NAME:"), ("anonymous", "ANON:")):
        out[label] = int(store.query(
            "MATCH (o:Organisation) WHERE o.org_id STARTS WITH $p RETURN count(*) AS n", {"p": prefix})[0]["n"])
    out["with_org_number"] = int(store.query(
        "MATCH (o:Organisation) WHERE o.org_number IS NOT NULL RETURN count(*) AS n")[0]["n"])
    return out
