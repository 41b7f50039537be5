"""Bulk path into an empty Neo4j: records -> neo4j-admin CSV files -> ``neo4j-admin database import full``.

Neo4j's offline importer builds a new database from CSV files many times faster than transactions
(measured in bench/bench_neo4j_import.py). It only *creates*: it cannot merge into a database that
holds data, so this path is for a first load; later loads go through ``Neo4jStore.load``.

:func:`write_import_files` folds the whole record stream as the stores fold a batch
(graph/store/batch.py: one row per identity, known values win, ``source`` accumulates, ``aliases``
are unioned), checks every relationship's endpoints, and writes one CSV file per node label and
one per relationship type and label pair, in the importer's format: ``org_id:ID(Organisation)``
(one ID space per label; the key is stored as the property of that name), ``:START_ID(Label)`` /
``:END_ID(Label)``, typed columns (``value:double``, ``level:long``, ``is_public:boolean``,
``aliases:string[]`` with U+001F between elements). Strings are always quoted, unknown values left
empty, so ``""`` stays an empty string and an empty field means no property. The ``Meta`` node with
the schema version is written too, so the imported database is a stakenet database; the unique
constraints are created by ``ensure_schema`` on the first connection (any stakenet command).

:func:`run_import` runs the importer (any command that is ``neo4j-admin``: the binary, the image's
``docker compose run --rm neo4j neo4j-admin``, or the Maven Central tool
``java -cp ... org.neo4j.cli.AdminTool`` in tests). It never overwrites: a database that exists is
refused with the transactional command to use instead; an import that fails removes what it built
and names the file and line the importer rejected.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from graph.columns import Columns, check_columns
from graph.errors import SchemaError, StoreError
from graph.model import NODE_TYPES, REL_TYPES, SCHEMA_VERSION
from graph.records import Node, Record, Rel
from graph.store.arrow_batch import canonical_mask, identity, unique_mask
from graph.store.batch import RelGroup, merge_into, missing_endpoint_message, validate_in_batch

ARRAY_DELIMITER = "\x1f"  # U+001F UNIT SEPARATOR: never in real names, unlike ';' or ','
_IMPORT_TYPES = {"STRING": "string", "INT64": "long", "DOUBLE": "double", "BOOLEAN": "boolean", "STRING[]": "string[]"}
_ARROW_TYPES = {"STRING": pa.string(), "INT64": pa.int64(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_(),
                "STRING[]": pa.string()}
TRANSACTIONAL_HINT = (
    "load into it transactionally instead (stakenet --neo4j-uri URI load ... / Neo4jStore.load), "
    "or import into a new, empty database"
)


@dataclass
class ImportFiles:
    """The files written for one import: ``(label, path)`` and ``(type, path)`` pairs, and counts."""

    directory: Path
    nodes: list[tuple[str, Path]] = field(default_factory=list)
    rels: list[tuple[str, Path]] = field(default_factory=list)
    node_count: int = 0
    rel_count: int = 0
    multiline: bool = False

    def admin_args(self, database: str = "neo4j", root: str | None = None, options: Sequence[str] = ()) -> list[str]:
        """The arguments after ``neo4j-admin``; ``root`` replaces the directory (a container's mount)."""
        def where(path: Path) -> str:
            return f"{root.rstrip('/')}/{path.name}" if root else str(path)

        # --nodes / --relationships take several files each: the fixed options come after them, so
        # that the database name is not read as one more file.
        args = ["database", "import", "full"]
        args += [f"--nodes={label}={where(path)}" for label, path in self.nodes]
        args += [f"--relationships={type_}={where(path)}" for type_, path in self.rels]
        args += ["--verbose", f"--report-file={where(self.directory / 'import.report')}",
                 f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}", "--bad-tolerance=0", "--strict=true"]
        if self.multiline:
            args.append("--multiline-fields=true")
        return [*args, *options, database]


@dataclass
class _Folded:
    """The whole stream, one entry per identity: the record's own props until a duplicate merges a copy.

    ``rels[group]`` maps ``(src key, dst key, *key values)`` to props; ``names[label or group]``
    holds every property name seen there (the file's columns).
    """

    nodes: dict[str, dict[str, Mapping[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    rels: dict[RelGroup, dict[tuple[Any, ...], Mapping[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    names: dict[Any, set[str]] = field(default_factory=lambda: defaultdict(set))


_NODE_KEYS = {label: nt.key for label, nt in NODE_TYPES.items()}
_REL_KEYS = {type_: rt.key for type_, rt in REL_TYPES.items()}


def _merged(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in old.items() if v is not None}
    merge_into(out, new)
    return out


def _fold(records: Iterable[Record]) -> _Folded:
    """Fold the stream as graph/store/batch.py folds a batch; each shape of record validated once."""
    f = _Folded()
    checked: set[tuple[Any, ...]] = set()
    for record in records:
        props = record.props
        if type(record) is Rel:
            shape: tuple[Any, ...] = (record.type, record.src[0], record.dst[0], *props)
            if shape not in checked or not record.src[1] or not record.dst[1]:
                validate_in_batch(record, 1, repr)
                checked.add(shape)
                f.names[shape[:3]].update(shape[3:])
            keys = _REL_KEYS[record.type]
            ident = (record.src[1], record.dst[1], *(props.get(k) or "" for k in keys)) if keys else \
                (record.src[1], record.dst[1])
            by_ident = f.rels[shape[:3]]
            old = by_ident.get(ident)
            by_ident[ident] = props if old is None else _merged(old, props)
        elif type(record) is Node:
            shape = (record.label, *props)
            key = props.get(_NODE_KEYS.get(record.label, ""))
            if shape not in checked or key in (None, ""):
                validate_in_batch(record, 1, repr)
                checked.add(shape)
                f.names[record.label].update(shape[1:])
            by_key = f.nodes[record.label]
            key = str(key)
            old = by_key.get(key)
            by_key[key] = props if old is None else _merged(old, props)
        else:
            validate_in_batch(record, 1, repr)
    return f


def _column_values(rows: Sequence[Mapping[str, Any]], name: str, kind: str) -> pa.Array:
    """One column as an Arrow array, stored the way the transactional path stores it."""
    values = [row.get(name) for row in rows]
    if name == "source":  # ';'-joined sources without repeats
        values = [v if v is None or ";" not in v else ";".join(dict.fromkeys(v.split(";"))) for v in values]
    if kind == "STRING[]":
        out: list[str | None] = []
        for v in values:
            items = list(dict.fromkeys(v)) if v else None
            if not items:  # an empty list stores nothing, as the transactional merge of aliases
                out.append(None)
                continue
            if any(ARRAY_DELIMITER in s for s in items):
                raise StoreError(f"property {name!r} holds the character U+001F, which the bulk import uses between list elements")
            out.append(ARRAY_DELIMITER.join(items))
        return pa.array(out, pa.string())
    if kind == "DOUBLE":
        arr = pa.array(values, pa.float64())
        if pc.any(pc.invert(pc.is_finite(arr))).as_py():
            raise StoreError(f"property {name!r} holds NaN or infinity, which the bulk import cannot carry; load transactionally")
        return arr
    return pa.array(values, _ARROW_TYPES[kind])


def _write_csv(path: Path, header: Sequence[str], columns: Sequence[pa.Array]) -> bool:
    """Write one importer CSV (header unquoted, strings quoted); True when a value spans lines."""
    table = pa.table(list(columns), names=[f"c{i}" for i in range(len(columns))])
    multiline = any(
        pa.types.is_string(col.type) and pc.any(pc.or_(pc.match_substring(col, "\n"), pc.match_substring(col, "\r"))).as_py()
        for col in columns
    )
    with path.open("wb") as out:
        out.write((",".join(header) + "\n").encode())
        pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return bool(multiline)


def write_import_files(
    records: Iterable[Record], directory: Path, *, progress: Callable[[int], None] | None = None
) -> ImportFiles:
    """Fold ``records`` and write the importer's CSV files into ``directory`` (created; must hold no CSV).

    Raises StoreError for a record that does not fit graph/model.py or a relationship whose endpoint
    is not among the records (the importer would refuse it later, with less to go on).
    """
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.glob("*.csv")):
        raise StoreError(f"{directory} already holds CSV files; give an empty directory for the import files")
    folded = _fold(records)
    folded.nodes["Meta"].setdefault("schema_version", {"key": "schema_version", "value": str(SCHEMA_VERSION)})
    folded.names["Meta"].update(("key", "value"))
    files = ImportFiles(directory)
    for label in sorted(folded.nodes):
        nt = NODE_TYPES[label]
        rows = list(folded.nodes[label].values())
        used = [p for p in nt.props if p.name != nt.key and p.name in folded.names[label]]
        header = [f"{nt.key}:ID({label})", *(f"{p.name}:{_IMPORT_TYPES[p.type]}" for p in used)]
        columns = [pa.array(list(folded.nodes[label]), pa.string()),
                   *(_column_values(rows, p.name, p.type) for p in used)]
        path = directory / f"nodes_{label}.csv"
        files.multiline |= _write_csv(path, header, columns)
        files.nodes.append((label, path))
        files.node_count += len(rows)
        if progress:
            progress(len(rows))
    for group in sorted(folded.rels):
        files.rel_count += _write_rel_group(files, group, folded)
        if progress:
            progress(len(folded.rels[group]))
    return files


def _write_rel_group(files: ImportFiles, group: RelGroup, folded: _Folded) -> int:
    type_, src_label, dst_label = group
    rt = REL_TYPES[type_]
    rels = folded.rels[group]
    idents = list(rels)
    for end, label in ((0, src_label), (1, dst_label)):
        known = folded.nodes.get(label, {})
        missing = [i for i in idents if i[end] not in known]
        if missing:
            first = missing[0]
            raise StoreError(missing_endpoint_message(
                1, type_, (src_label, first[0]), (dst_label, first[1]), label, [m[end] for m in missing],
            ).replace("batch 1: ", "bulk import: ").replace("in this batch", "in the records"))
    rows = list(rels.values())
    used = [p for p in rt.props if p.name in folded.names[group] or p.name in rt.key]
    header = [f":START_ID({src_label})", f":END_ID({dst_label})", *(f"{p.name}:{_IMPORT_TYPES[p.type]}" for p in used)]
    key_at = {k: 2 + n for n, k in enumerate(rt.key)}  # key properties come from the identity ("" when missing)
    columns = [pa.array([i[0] for i in idents], pa.string()), pa.array([i[1] for i in idents], pa.string()),
               *(pa.array([i[key_at[p.name]] for i in idents], pa.string()) if p.name in key_at
                 else _column_values(rows, p.name, p.type) for p in used)]
    path = files.directory / f"rels_{type_}_{src_label}_{dst_label}.csv"
    files.multiline |= _write_csv(path, header, columns)
    files.rels.append((type_, path))
    return len(rows)


def write_import_files_from_columns(batches: Iterable[Columns], directory: Path) -> ImportFiles:
    """``write_import_files`` for column batches: the same files' content, written from Arrow tables.

    Rows whose identity occurs once in all the batches and whose values need no merging go to the
    CSV as columns; the others are folded by the record path's rules (:func:`_fold`) first.
    """
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.glob("*.csv")):
        raise StoreError(f"{directory} already holds CSV files; give an empty directory for the import files")
    node_parts: dict[str, list[pa.Table]] = defaultdict(list)
    rel_parts: dict[RelGroup, list[pa.Table]] = defaultdict(list)
    for number, batch in enumerate(batches, start=1):
        try:
            checked = check_columns(batch)
        except SchemaError as exc:
            raise StoreError(f"bulk import, batch {number}: {exc}") from exc
        for label, table in checked.nodes.items():
            node_parts[label].append(table)
        for group, table in checked.rels.items():
            rel_parts[group].append(table)
    node_parts["Meta"].append(pa.table({"key": ["schema_version"], "value": [str(SCHEMA_VERSION)]}))
    files = ImportFiles(directory)
    # Arrow compute and the CSV writer release the GIL: the files are written on every core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        written = list(pool.map(lambda label: _write_node_columns(directory, label, node_parts.pop(label)), sorted(node_parts)))
        keys = {label: key for label, _, key, _ in written}
        for label, path, key, multiline in written:
            files.nodes.append((label, path))
            files.node_count += len(key)
            files.multiline |= multiline
        groups = sorted(rel_parts)
        for group, (path, multiline, count) in zip(groups, pool.map(
            lambda g: _write_rel_columns(directory, g, pa.concat_tables(rel_parts[g]).combine_chunks(), keys), groups,
        ), strict=True):
            files.rels.append((group[0], path))
            files.rel_count += count
            files.multiline |= multiline
    return files


def _write_node_columns(directory: Path, label: str, parts: list[pa.Table]) -> tuple[str, Path, pa.Array, bool]:
    """Write ``nodes_<label>.csv`` from the label's tables: its path, every key, whether a value spans lines."""
    nt = NODE_TYPES[label]
    table = pa.concat_tables(parts, promote_options="default").combine_chunks()
    fast, folded = _split(table, [nt.key], partial(_fold_nodes, label))
    props = [p for p in nt.props if p.name != nt.key]
    rows = list(folded.values())
    columns = [pa.concat_arrays([fast.column(nt.key).combine_chunks(), pa.array(list(folded), pa.string())])]
    columns += [_both(fast, rows, p.name, p.type) for p in props]
    used = [n for n, col in enumerate(columns) if n == 0 or col.null_count < len(col)]
    header = [f"{nt.key}:ID({label})", *(f"{p.name}:{_IMPORT_TYPES[p.type]}" for p in props)]
    path = directory / f"nodes_{label}.csv"
    multiline = _write_csv(path, [header[n] for n in used], [columns[n] for n in used])
    return label, path, columns[0], multiline


def _fold_nodes(label: str, table: pa.Table) -> dict[Any, Any]:
    return _fold(Node(label, r) for r in table.to_pylist()).nodes[label]


def _split(table: pa.Table, ident_cols: Sequence[str], fold: Callable[[pa.Table], dict[Any, Any]]) -> tuple[pa.Table, dict[Any, Any]]:
    """The rows written as they are (identity once, nothing to merge) and the others folded by ``fold``."""
    ok = pc.and_(unique_mask(identity(table, ident_cols)), canonical_mask(table))
    for name in table.column_names:
        if pa.types.is_list(table.column(name).type):  # lists are de-duplicated on the record path
            ok = pc.and_(ok, pc.is_null(table.column(name).combine_chunks()))
    slow = table.filter(pc.invert(ok))
    return table.filter(ok), (fold(slow) if slow.num_rows else {})


def _both(fast: pa.Table, rows: Sequence[Mapping[str, Any]], name: str, kind: str) -> pa.Array:
    """Column ``name`` of the rows written as they are, then of the folded ``rows``, as the CSV stores it."""
    col = fast.column(name).combine_chunks()
    if kind == "STRING[]":
        col = pa.nulls(len(col), pa.string())  # rows with a list were folded
    elif kind == "DOUBLE" and pc.any(pc.invert(pc.is_finite(col))).as_py():
        raise StoreError(f"property {name!r} holds NaN or infinity, which the bulk import cannot carry; load transactionally")
    return pa.concat_arrays([col, _column_values(rows, name, kind)])


def _write_rel_columns(directory: Path, group: RelGroup, table: pa.Table, keys: Mapping[str, pa.Array]) -> tuple[Path, bool, int]:
    """Write the group's relationship CSV: its path, whether a value spans lines, how many relationships."""
    type_, src_label, dst_label = group
    rt = REL_TYPES[type_]
    for k in rt.key:  # a missing key property is stored as "" (graph/store/batch.py fold_batch)
        table = table.set_column(table.column_names.index(k), k, pc.fill_null(table.column(k), ""))
    for end, label in (("from", src_label), ("to", dst_label)):
        col = table.column(end)
        known = keys.get(label, pa.array([], pa.string()))
        bad = pc.invert(pc.is_in(col, value_set=known))
        if pc.any(bad).as_py():
            row = pc.index(bad, True).as_py()
            missing = pc.unique(col.filter(bad)).to_pylist()
            raise StoreError(missing_endpoint_message(
                1, type_, (src_label, table.column("from")[row].as_py()), (dst_label, table.column("to")[row].as_py()),
                label, missing).replace("batch 1: ", "bulk import: ").replace("in this batch", "in the records"))

    def fold(slow: pa.Table) -> dict[Any, Any]:
        recs = (Rel(type_, (src_label, r.pop("from")), (dst_label, r.pop("to")), r) for r in slow.to_pylist())
        return _fold(recs).rels[group]

    fast, folded = _split(table, ["from", "to", *rt.key], fold)
    idents = list(folded)
    rows = list(folded.values())
    key_at = {k: 2 + n for n, k in enumerate(rt.key)}
    columns = [pa.concat_arrays([fast.column("from").combine_chunks(), pa.array([i[0] for i in idents], pa.string())]),
               pa.concat_arrays([fast.column("to").combine_chunks(), pa.array([i[1] for i in idents], pa.string())])]
    columns += [pa.concat_arrays([fast.column(p.name).combine_chunks(), pa.array([i[key_at[p.name]] for i in idents], pa.string())])
                if p.name in key_at else _both(fast, rows, p.name, p.type) for p in rt.props]
    used = [n for n, col in enumerate(columns) if n < 2 or col.null_count < len(col)
            or (n >= 2 and rt.props[n - 2].name in key_at)]
    header = [f":START_ID({src_label})", f":END_ID({dst_label})", *(f"{p.name}:{_IMPORT_TYPES[p.type]}" for p in rt.props)]
    path = directory / f"rels_{type_}_{src_label}_{dst_label}.csv"
    return path, _write_csv(path, [header[n] for n in used], [columns[n] for n in used]), len(columns[0])


_SOURCE = re.compile(r"source:(?P<file>[^,\]\s]+\.csv), position:\d+, line:(?P<line>\d+)")
_DETAIL = re.compile(r"^\s*(in field|raw field value|original error): (.*)$", re.M)


def rejected_at(output: str) -> str | None:
    """Where and why the importer rejected its input, from its ``--verbose`` output; None if it does not say.

    The line is the importer's count (0 at the header line), as it reports it.

    >>> rejected_at("data source: BufferedCharSeeker[source:/t/nodes_Fund.csv, position:35, line:3]\\n"
    ...             "  in field: value:double:3\\n  raw field value: abc\\n  original error: Not a number")
    "nodes_Fund.csv line 3 (in field value:double:3, raw field value 'abc', Not a number)"
    >>> rejected_at("nothing here") is None
    True
    """
    m = _SOURCE.search(output)
    if not m:
        return None
    details = {k: v.strip() for k, v in _DETAIL.findall(output[m.end():])}
    parts = [f"in field {details['in field']}"] if "in field" in details else []
    if "raw field value" in details:
        parts.append(f"raw field value {details['raw field value']!r}")
    if "original error" in details:
        parts.append(details["original error"])
    return f"{Path(m['file']).name} line {m['line']}" + (f" ({', '.join(parts)})" if parts else "")


def _importer_message(output: str) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for ln in lines:
        if re.search(r"(?i)error|exception|invalid|missing|duplicate|unable", ln) and not ln.startswith("at "):
            return ln[:400]
    return (lines[-1] if lines else "no output")[:400]


def run_import(
    files: ImportFiles,
    admin: Sequence[str],
    *,
    database: str = "neo4j",
    data_dir: Path | None = None,
    root: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    options: Sequence[str] = (),
) -> str:
    """Run ``admin database import full`` on ``files``; the importer's output.

    ``admin`` is the neo4j-admin command as a list. ``data_dir``, when known, is the Neo4j data
    directory the importer writes to (``databases/<database>``, ``transactions/<database>``): a
    database there is refused before anything runs, and a failed import's leftovers are removed.
    ``root`` is where the files' directory is seen by the importer (a container's mount);
    ``options`` more importer options (e.g. ``--max-off-heap-memory=1G``).
    """
    built = [data_dir / "databases" / database, data_dir / "transactions" / database] if data_dir else []
    if any(p.exists() and any(p.iterdir()) for p in built):
        raise StoreError(_not_empty(database, str(data_dir)))
    cmd = [*admin, *files.admin_args(database, root, options)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(env) if env else None, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _remove(built)
        raise StoreError(f"could not run the Neo4j importer {' '.join(admin)!r}: {exc}") from exc
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        if re.search(r"(?i)database .*already exist|contains data|--overwrite-destination", output):
            raise StoreError(_not_empty(database, str(data_dir or "the server's data directory")))
        _remove(built)
        where = rejected_at(output)
        raise StoreError(
            f"the Neo4j importer rejected {where or 'the import: ' + _importer_message(output)}. "
            "Nothing was imported; fix the record and run the import again."
        )
    return output


def _not_empty(database: str, where: str) -> str:
    return (
        f"Neo4j database {database!r} already exists in {where}: the bulk import only builds a new database "
        f"and never merges into one; {TRANSACTIONAL_HINT}"
    )


def _remove(paths: Sequence[Path]) -> None:
    for p in paths:
        shutil.rmtree(p, ignore_errors=True)


def refuse_non_empty(count_nodes: Callable[[], int], database: str | None = None) -> None:
    """Refuse a bulk import when the running database at hand holds nodes (``count_nodes`` counts them)."""
    n = count_nodes()
    if n:
        raise StoreError(
            f"the Neo4j database {database or '(default)'} is not empty ({n:,} nodes): the bulk import only "
            f"builds a new database; {TRANSACTIONAL_HINT}"
        )


__all__ = ["ImportFiles", "write_import_files", "write_import_files_from_columns", "run_import", "rejected_at", "refuse_non_empty", "ARRAY_DELIMITER"]
