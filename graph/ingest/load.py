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

import csv
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import SourceError
from graph.identity import MatchCounts, OrgResolver, PartnerResolver, parse_type_match_note
from graph.ingest.folding import known_organisations, known_pics, merge_name_keyed
from graph.ingest.provenance import file_digest, source_node
from graph.ingest.summaries import placement_line
from graph.io.reports import FileReport, Reject, write_rejects
from graph.records import Record
from graph.sources import cordis, interreg, nuts, projektbanken, upphandling, upphandling_lots
from graph.store import LoadStats

KINDS = ("upphandling", "projektbanken", "nuts", "interreg", "cordis")
# The procurement statistics exports other than the awards, as the per-file kind their records are read as.
UPPHANDLING_EXPORTS = {"procurements": "upphandling-procurements", "tenders": "upphandling-tenders",
                       "awards": "upphandling", "value": "upphandling-value"}
PARTNER_KINDS = ("interreg", "cordis")


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
            if parse_type_match_note(k) is None:
                lines.append(f"  {k}: {notes[k]}")
        lines.extend(type_match_lines(notes))
        return lines


def type_match_lines(notes: Counter[str]) -> list[str]:
    """Distinct partners identified with a known organisation, by organisation type and by rule."""
    by_type: dict[str, Counter[str]] = {}
    for key, n in notes.items():
        parsed = parse_type_match_note(key)
        if parsed is not None:
            by_type.setdefault(parsed[0], Counter())[parsed[1]] += n
    if not by_type:
        return []
    lines = ["identified with known organisations, by organisation type (distinct partners; rules in graph/identity.py):"]
    for org_type in sorted(by_type, key=lambda t: (-sum(by_type[t].values()), t)):
        rules = by_type[org_type]
        total, matched = sum(rules.values()), sum(n for r, n in rules.items() if r != "name_only")
        how = ", ".join(f"{r} {n}" for r, n in sorted(rules.items()) if r != "name_only")
        lines.append(f"  {org_type}: {matched} of {total} ({matched / total:.1%}){'; ' + how if how else ''}")
    return lines


def _source_records(kind: str, path: Path, report: FileReport) -> Iterator[Record]:
    notes = "; ".join(
        [f"{k}: {v}" for k, v in sorted(report.notes.items())]
        + ([placement_line(report.placements)] if report.placements else [])
    )
    yield source_node(report.source_id, kind, path=str(path), rows=report.rows, rejected=report.rejected_rows,
                      notes=notes or None)


def _records_for(kind: str, path: Path, encoding: str, values: dict[str, float] | None, resolver: OrgResolver,
                 report: FileReport, seen: set[str], pics: dict[str, str] | None = None,
                 lots: dict[str, dict[str, set[str]]] | None = None) -> Iterator[Record]:
    if kind in ("upphandling-procurements", "upphandling-tenders"):
        return upphandling_lots.iter_records(path, kind.partition("-")[2], encoding=encoding, values=values,
                                             resolver=resolver, report=report, seen=seen, lots=lots)
    if kind in PARTNER_KINDS:
        partners = resolver if isinstance(resolver, PartnerResolver) else PartnerResolver()
        if kind == "interreg":
            return interreg.iter_records(path, encoding=encoding, resolver=partners, report=report)
        return cordis.iter_records(path, encoding=encoding, resolver=partners, report=report, pics=pics)
    if kind == "upphandling":
        return upphandling.iter_records(path, encoding=encoding, values=values, resolver=resolver, report=report,
                                        seen=seen, lots=lots)
    if kind == "projektbanken":
        return projektbanken.iter_records(path, encoding=encoding, resolver=resolver, report=report)
    return nuts.iter_records(path, encoding=encoding, report=report)


def _preflight(kind: str, path: Path, encoding: str) -> None:
    """Raise SourceError now if ``path`` cannot be read as ``kind`` to its end (nothing is written).

    The whole file is parsed, not only its header: a fault in the last row of the last file
    (a field over the CSV module's 128 KiB limit, a cut-off file) must stop the load before the
    first file is written, so a multi-file load is all or nothing.
    """
    report = FileReport(str(path), kind)
    records = _records_for(kind, path, encoding, None, OrgResolver(), report, set())
    try:
        for _ in records:
            pass
    except csv.Error as exc:
        raise SourceError(f"{path}: cannot be read as CSV after row {report.rows} ({exc}); nothing was loaded. "
                          "Fix or remove that row and load again.") from exc
    except SourceError as exc:  # said where and what; add what happened to the database
        raise SourceError(f"{str(exc).rstrip('. ')}; nothing was loaded.") from exc
    except (UnicodeDecodeError, OverflowError, RecursionError, ValueError) as exc:
        raise SourceError(f"{path}: cannot be read as {kind} after row {report.rows} "
                          f"({exc.__class__.__name__}: {str(exc)[:200]}); nothing was loaded.") from exc
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()


def check_rejects_path(rejects_path: Path, inputs: Sequence[Path], protected: Sequence[Path]) -> None:
    """Refuse a rejects file that would overwrite an input file, the database or its companion files."""
    target = Path(os.path.realpath(rejects_path))
    for other in [*inputs, *protected]:
        same = Path(os.path.realpath(other)) == target
        if not same and other.exists() and rejects_path.exists():
            same = os.path.samefile(other, rejects_path)
        if same:
            role = "an input file" if other in inputs else "the database (or one of its files)"
            raise SourceError(f"--rejects {rejects_path} is {role}; writing rejected rows there would destroy it. "
                              "Give another path.")
    if rejects_path.exists() and not rejects_path.is_file():
        raise SourceError(f"--rejects {rejects_path} is not a regular file. Give another path.")


def upphandling_plan(files: Sequence[Path], value_file: Path | None,
                     encoding: str) -> tuple[list[tuple[Path, str]], list[Path]]:
    """The procurement exports among ``files`` (recognised by their header) as ``(path, per-file kind)``
    in load order (procurements, tenders, awards; files of one kind in the order given), and the
    contracted-value files. SourceError for a header matching no export, or a ``--value-file`` that
    is not the value export."""
    kinds = {path: upphandling_lots.detect_export(path, encoding) for path in files}
    if value_file is not None and upphandling_lots.detect_export(value_file, encoding) != "value":
        raise SourceError(f"{value_file}: --value-file expects the contracted value export "
                          f"(columns {', '.join(upphandling.VALUE_COLUMNS)})")
    order = upphandling_lots.LOAD_ORDER
    ranked = sorted(range(len(files)), key=lambda i: (order.index(kinds[files[i]]), i))
    plan = [(files[i], UPPHANDLING_EXPORTS[kinds[files[i]]]) for i in ranked if kinds[files[i]] != "value"]
    value_files = [files[i] for i in ranked if kinds[files[i]] == "value"] + ([value_file] if value_file else [])
    return plan, value_files


def _read_value_files(paths: Sequence[Path], encoding: str) -> tuple[dict[str, float] | None, list[FileReport]]:
    """Contracted values of all value files (summed per procurement key) and each file's report."""
    if not paths:
        return None, []
    values: dict[str, float] = {}
    reports = []
    for vp in paths:
        report = FileReport(str(vp), "upphandling-value", source_id=f"upphandling-value:{vp.name}:{file_digest(vp)}")
        t0 = time.perf_counter()
        for key, value in upphandling.read_values(vp, encoding, report).items():
            values[key] = values.get(key, 0.0) + value
        report.seconds = time.perf_counter() - t0
        reports.append(report)
    return values, reports


def load_files(
    store: Any,
    kind: str,
    paths: Sequence[str | Path],
    *,
    value_file: str | Path | None = None,
    encoding: str = "utf-8",
    rejects_path: str | Path | None = None,
    batch_size: int | None = None,
    protected: Sequence[Path] = (),
) -> LoadReport:
    """Load source files of ``kind`` (``upphandling``, ``projektbanken``, ``nuts``, ``interreg``, ``cordis``) into ``store``.

    ``value_file`` (upphandling only) is the contracted-value export, joined on (buyer, Upphandlings-ID).
    For upphandling, ``paths`` may hold any of the four statistics exports (awards, contracted value,
    tenders, procurements; CSV or XLSX), recognised by their header (``upphandling_plan``) and
    loaded in one fixed order whatever the order given.
    Rows that cannot be parsed are left out, counted, and written to ``rejects_path`` when given.
    Raises SourceError for an unreadable file (missing, wrong encoding, missing columns) before
    anything of any file is loaded. Loading the same files again changes no count. ``rejects_path``
    may not be an input file nor one of ``protected`` (the database and its files).
    """
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
    if rejects_path is not None:
        check_rejects_path(Path(rejects_path), [*files, *([Path(value_file)] if value_file else [])], protected)
    start = time.perf_counter()
    resolver = PartnerResolver() if kind in PARTNER_KINDS else OrgResolver()
    known_organisations(store, resolver)
    pics = known_pics(store) if kind == "cordis" else None
    stats = LoadStats()
    reports: list[FileReport] = []
    kwargs: dict[str, Any] = {} if batch_size is None else {"batch_size": batch_size}
    plan = [(path, kind) for path in files]
    value_paths: list[Path] = []
    if kind == "upphandling":
        plan, value_paths = upphandling_plan(files, Path(value_file) if value_file else None, encoding)
    values, value_reports = _read_value_files(value_paths, encoding)
    # Every file is checked (encoding, columns, structure) before any is loaded: no partial loads.
    for path, file_kind in plan:
        _preflight(file_kind, path, encoding)
    procurement_ids: set[str] = set()
    lots: dict[str, dict[str, set[str]]] = {}
    for path, file_kind in plan:
        report = FileReport(str(path), file_kind, source_id=f"{file_kind}:{path.name}:{file_digest(path)}")
        t0 = time.perf_counter()
        records = _records_for(file_kind, path, encoding, values, resolver, report, procurement_ids, pics, lots)
        stats.add(store.load(records, **kwargs))
        stats.add(store.load(_source_records(file_kind, path, report)))
        report.seconds = time.perf_counter() - t0
        reports.append(report)
    for item in upphandling_lots.lot_conflicts(lots):
        reports[-1].flag(upphandling_lots.LOT_BUYERS, item)
    for value_path, value_report in zip(value_paths, value_reports, strict=True):
        unmatched = len(set(values or ()) - procurement_ids)
        if unmatched:
            value_report.notes["procurements with a value but no row in the loaded exports (value not loaded)"] = unmatched
        stats.add(store.load(_source_records("upphandling-value", value_path, value_report)))
        reports.append(value_report)
    merged = merge_name_keyed(store, flag=reports[-1].flag if reports else None, **kwargs)
    report_out = LoadReport(kind, reports, stats, resolver.counts, merged, seconds=time.perf_counter() - start)
    if rejects_path is not None and report_out.rejected:
        report_out.rejects_path = Path(rejects_path)
        write_rejects(report_out.rejects_path, report_out.rejects)
    return report_out
