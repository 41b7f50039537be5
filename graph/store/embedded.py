"""The embedded default store on LadybugDB: a database file on disk, no server.

DDL comes from graph/model.py. Loads are idempotent upserts done per batch in one transaction:
records are de-duplicated by identity, the batch asks the database which of them exist already
(``UNWIND`` of list parameters matched on the primary key; relationships with an endpoint created
in the batch are known to be new), new ones go in through ``COPY FROM`` (the bulk path), and
existing ones are merged in Python and, only where something changed, updated through
``LOAD FROM ... MATCH ... WHERE ... SET`` (never the comma form ``MATCH (a {..}), (b {..})``, which
is pathologically slow on this engine). Known values are never overwritten with unknown ones, and
``source`` accumulates. ``load_columns`` (graph/store/arrow_batch.py) takes Arrow column batches
instead: rows proved new are COPYed as they are, the rest go through the same merge.
"""

from __future__ import annotations

import gc
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import ladybug
import pyarrow as pa
import pyarrow.parquet as pq

from graph.columns import ARROW_TYPES
from graph.errors import QueryError, SchemaError, StoreError
from graph.model import NODE_TYPES, REL_TYPES, SCHEMA_VERSION, NodeType, RelType
from graph.records import Record, batches
from graph.store import Counts, LoadStats
from graph.store.arrow_batch import ColumnLoading
from graph.store.batch import (
    BATCH_SIZE_TOO_SMALL,
    READ_ONLY_REFUSED,
    changed_rows,
    count_graph,
    fold_batch,
    missing_endpoint_message,
    one_line,
    plain,
    property_columns,
    validate_in_batch,
)
from graph.store.dbpath import batch_transaction, check_db_path, open_failure, open_marker

DEFAULT_BATCH_SIZE = 200_000
_UNREADABLE = ("the embedded database returned data it cannot read ({}); the file may be damaged: "
               "run `stakenet check`, and restore it from a copy or load again into a new --db if it is")

_LEAD = r"^(?:\s|//[^\n]*\n|/\*.*?\*/)*"
_TX_CONTROL = re.compile(_LEAD + r"(BEGIN|COMMIT|ROLLBACK|CHECKPOINT)\b", re.I | re.S)
# Statements that touch files or the catalogue rather than read the graph.
_SIDE_EFFECTS = re.compile(_LEAD + r"(EXPORT|IMPORT|ATTACH|DETACH|INSTALL|LOAD\s+EXTENSION|USE)\b", re.I | re.S)

_ARROW_TYPES = ARROW_TYPES


class _OwningConnection(ladybug.Connection):
    """A connection that owns its database: closing it closes the database file too.

    Otherwise the Database object outlives ``close()`` until the garbage collector finds it; a
    second Database opened on the same file in the meantime (the CLI run twice in one process)
    then has its write-ahead log rotated away under it by the first one's late teardown.
    ``unclean`` says that the last writer did not close the file (its open marker was left).
    """

    marker: Path | None = None
    unclean: bool = False

    def close(self) -> None:
        if self.is_closed:
            return
        super().close()
        gc.collect()  # engine objects only the collector can free go while their Database still exists
        self.database.close()
        if self.marker is not None:
            self.marker.unlink(missing_ok=True)


def open_database(path: str | os.PathLike[str], *, read_only: bool = False, create: bool = True) -> ladybug.Connection:
    """Open (or, with ``create``, create) the database file at ``path`` and return a connection.

    Raises StoreError with what to do when the path is a directory, a device, a fifo or socket,
    missing (without ``create``), cannot be created, is read-only, damaged, or not a LadybugDB
    database; nothing is written in those cases. A connection opened for writing keeps a marker
    file next to the database until it is closed; finding one says the last writer crashed
    (``conn.unclean``).
    """
    p = Path(path)
    check_db_path(p, create=create and not read_only)
    if not p.parent.exists():
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for --db {p}: {exc.strerror}") from exc
    # Engine objects of an earlier Database in this process that only the garbage collector can
    # free must go before a new Database opens the file (see EmbeddedStore._run_prepared).
    gc.collect()
    failure = None
    try:
        conn = _OwningConnection(ladybug.Database(str(p), read_only=read_only))
    except RuntimeError as exc:
        failure = str(exc)
    except MemoryError:  # a damaged catalogue can make the engine ask for absurd allocations
        failure = "the file is damaged (the engine could not read its catalogue: out of memory)"
    if failure is not None and read_only and "recovery is pending" in failure:
        # A writer stopped between commit and checkpoint (a crash, a full disk): the engine finishes
        # that recovery only in a read-write open. Do it, then open read-only as asked.
        gc.collect()
        open_database(p, create=False).close()
        return open_database(p, read_only=True, create=False)
    if failure is not None:  # raised outside the handler, so the half-made Database is freed now
        gc.collect()
        raise StoreError(open_failure(p, failure, read_only=read_only))
    if not read_only:
        marker = open_marker(p)
        conn.unclean = marker.exists()
        try:
            marker.write_text(f"{os.getpid()}\n", encoding="utf-8")
            conn.marker = marker
        except OSError:
            pass  # a marker is a hint for `stakenet check`, not a condition for writing
    return conn


def _arrow_table(columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    arrays = []
    for name, type_ in columns:
        try:
            arrays.append(pa.array([r.get(name) for r in rows], type=_ARROW_TYPES[type_]))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
            raise SchemaError(f"property {name!r} should be {type_}: {exc}") from exc
    return pa.Table.from_arrays(arrays, names=[c for c, _ in columns])


@contextmanager
def _as_parquet(data: pa.Table) -> Iterator[str]:
    """A temporary Parquet file holding ``data``, as a quoted Cypher string literal.

    LadybugDB 0.22 can scan an Arrow table directly (``LOAD FROM $tbl``, ``COPY ... FROM $tbl``),
    but every such scan keeps buffer-pool memory that is never given back, so a long load ran out
    of memory after a few million records; scanning the same rows from Parquet does not (measured:
    6M nodes copied in a 128 MB pool). Every bulk scan in this store goes through here.
    """
    fd, path = tempfile.mkstemp(suffix=".parquet", prefix="stakenet-scan-")
    os.close(fd)
    try:
        pq.write_table(data, path, compression="none")
        yield "'" + path.replace("'", "''") + "'"
    finally:
        os.unlink(path)


class EmbeddedStore(ColumnLoading):
    """The stakenet graph in a LadybugDB database, handed an open connection.

    >>> import tempfile, os
    >>> from graph.records import Node
    >>> store = EmbeddedStore(open_database(os.path.join(tempfile.mkdtemp(), "g.db")))
    >>> store.ensure_schema()
    >>> stats = store.load([Node("Fund", {"code": "ERDF", "source": "demo"})])
    >>> (stats.nodes_created, store.counts().nodes["Fund"])
    (1, 1)
    """

    dialect = "embedded"

    def __init__(self, conn: ladybug.Connection) -> None:
        self.conn = conn
        self._rel_copy_seconds = 0.0

    def _copy(self, table: str, columns: Sequence[str], data: pa.Table, options: str = "") -> None:
        """``COPY table(columns)`` from ``data`` (through a temporary Parquet file, see _as_parquet)."""
        with _as_parquet(data) as src:
            self.conn.execute(f"COPY {table}({', '.join(columns)}) FROM {src}" + (f" ({options})" if options else ""))

    def _all(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[list[Any]]:
        """Every row of one statement, as lists (internal queries; errors propagate as they are)."""
        res = self.conn.execute(cypher, dict(params or {}))
        assert not isinstance(res, list)
        return cast(list[list[Any]], res.get_all())

    def _columns_of(self, cypher: str, params: Mapping[str, Any]) -> list[list[Any]]:
        """The result of one statement as columns, through Arrow (fast for many rows)."""
        res = self.conn.execute(cypher, dict(params))
        assert not isinstance(res, list)
        names = res.get_column_names()
        if not res.has_next():
            return [[] for _ in names]
        table = res.get_as_arrow(1_000_000)
        return [table.column(i).to_pylist() for i in range(len(names))]

    # -- schema -----------------------------------------------------------------------------
    def _tables(self) -> dict[str, str]:
        return {name: type_ for name, type_ in self._all("CALL show_tables() RETURN name, type")}

    def _columns(self, table: str) -> set[str]:
        return {row[0] for row in self._all(f"CALL table_info('{table}') RETURN name")}

    def ensure_schema(self) -> None:
        """Create missing tables and columns from graph/model.py; refuse another schema version."""
        tables = self._tables()
        self._check_version(tables)
        self._create_missing(tables)

    def check_schema(self) -> None:
        """Refuse a database that holds no stakenet data or another schema version (changes nothing).

        What read-only commands call instead of ensure_schema: they open the file read-only.
        """
        tables = self._tables()
        if not tables:
            raise SchemaError("this database holds no stakenet data yet. Load some with `stakenet load` first.")
        self._check_version(tables)
        missing = sorted((set(NODE_TYPES) | set(REL_TYPES)) - set(tables))
        if missing:
            raise SchemaError(f"this database lacks the tables {', '.join(missing)}; run `stakenet load` "
                              "(or any writing command) once to add them.")

    def _check_version(self, tables: dict[str, str]) -> None:
        known = set(NODE_TYPES) | set(REL_TYPES)
        if tables:
            stray = sorted(set(tables) - known)
            if "Meta" not in tables or stray:
                raise SchemaError(
                    "this database was not made by stakenet (tables: "
                    f"{', '.join(sorted(tables))}). Use another --db path."
                )
            found = self._all("MATCH (m:Meta) WHERE m.key = 'schema_version' RETURN m.value")
            version = found[0][0] if found else None
            if version != str(SCHEMA_VERSION):
                raise SchemaError(
                    f"this database has stakenet schema version {version}, this stakenet uses "
                    f"{SCHEMA_VERSION}. Use a new --db path and load again (loads are repeatable)."
                )

    def _create_missing(self, tables: dict[str, str]) -> None:
        for nt in NODE_TYPES.values():
            if nt.label not in tables:
                cols = ", ".join(f"{p.name} {p.type}" for p in nt.props)
                self.conn.execute(f"CREATE NODE TABLE {nt.label}({cols}, PRIMARY KEY({nt.key}))")
            else:
                have = self._columns(nt.label)
                for p in nt.props:
                    if p.name not in have:
                        self.conn.execute(f"ALTER TABLE {nt.label} ADD {p.name} {p.type}")
        for rt in REL_TYPES.values():
            if rt.type not in tables:
                pairs = ", ".join(f"FROM {a} TO {b}" for a, b in rt.pairs)
                cols = "".join(f", {p.name} {p.type}" for p in rt.props)
                self.conn.execute(f"CREATE REL TABLE {rt.type}({pairs}{cols})")
            else:
                have = self._columns(rt.type)
                for p in rt.props:
                    if p.name not in have:
                        self.conn.execute(f"ALTER TABLE {rt.type} ADD {p.name} {p.type}")
        if not tables:
            self.conn.execute(
                "MERGE (m:Meta {key: 'schema_version'}) SET m.value = $v", {"v": str(SCHEMA_VERSION)}
            )

    # -- loading ----------------------------------------------------------------------------
    def load(
        self,
        records: Iterable[Record],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Callable[[int], None] | None = None,
    ) -> LoadStats:
        """Upsert ``records`` in batches; reloading the same records changes nothing.

        Nodes of a batch are written before its relationships, so a source may yield a
        relationship right after its endpoints. A relationship whose endpoint exists neither in
        the database nor earlier in the stream raises StoreError naming the batch and the record.
        """
        if batch_size < 1:
            raise StoreError(BATCH_SIZE_TOO_SMALL)
        stats = LoadStats()
        for number, batch in enumerate(batches(records, batch_size), start=1):
            stats.add(self._load_batch(batch, number))
            if progress:
                progress(len(batch))
        return stats

    def _load_batch(self, batch: Sequence[Record], number: int) -> LoadStats:
        # A batch builds millions of small dicts and tuples that all live until it ends; the
        # cyclic garbage collector would rescan them again and again (about a third of the time).
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._load_batch_unguarded(batch, number)
        finally:
            if enabled:
                gc.enable()

    def _load_batch_unguarded(self, batch: Sequence[Record], number: int) -> LoadStats:
        stats = LoadStats(records=len(batch), batches=1)
        self._rel_copy_seconds = 0.0
        # Each shape of record (label or type, endpoints, property names) is validated in full
        # once per batch; the types of the rest are checked when their Arrow columns are built.
        folded = fold_batch(batch, lambda record: validate_in_batch(record, number))
        nodes, rels = folded.nodes, folded.rels
        fresh: dict[str, set[str]] = {}

        def name_fault() -> None:  # name the first record at fault
            for record in batch:
                validate_in_batch(record, number)

        with batch_transaction(self.conn, number, self._rollback, name_fault):
            for label, by_key in nodes.items():
                fresh[label] = self._upsert_nodes(NODE_TYPES[label], by_key)
                stats.nodes_created += len(fresh[label])
                stats.nodes_updated += len(by_key) - len(fresh[label])
            for (type_, src_label, dst_label), by_ident in rels.items():
                created, updated = self._upsert_rels(
                    REL_TYPES[type_], src_label, dst_label, by_ident, number, nodes, fresh
                )
                stats.rels_created += created
                stats.rels_updated += updated
        stats.rel_copy_seconds = self._rel_copy_seconds
        return stats

    def _rollback(self) -> None:
        """Roll back the batch's transaction, if the engine has not already ended it.

        After some failures (out of memory) LadybugDB has already aborted the transaction, and
        its ROLLBACK error would hide the error that matters.
        """
        try:
            self.conn.execute("ROLLBACK")
        except RuntimeError:
            pass

    def _existing_keys(self, label: str, key: str, keys: Sequence[str]) -> set[str]:
        return set(self._columns_of(f"UNWIND $keys AS k MATCH (n:{label}) WHERE n.{key} = k RETURN k", {"keys": list(keys)})[0])

    def _upsert_nodes(self, nt: NodeType, by_key: dict[str, dict[str, Any]]) -> set[str]:
        """Create or update ``by_key``'s nodes; return the keys that were created."""
        for k, props in by_key.items():
            props[nt.key] = k
        names = list(nt.prop_names)
        cols = self._columns_of(
            f"UNWIND $keys AS k MATCH (n:{nt.label}) WHERE n.{nt.key} = k RETURN " + ", ".join(f"n.{p}" for p in names),
            {"keys": list(by_key)},
        )
        existing = {row[names.index(nt.key)]: dict(zip(names, row)) for row in zip(*cols)}
        new_rows = [p for k, p in by_key.items() if k not in existing]
        columns = [(p.name, p.type) for p in nt.props]
        if new_rows:
            # Name the columns: after a schema change the table's column order may differ from model.py.
            self._copy(nt.label, [n for n, _ in columns], _arrow_table(columns, new_rows))
        changed = changed_rows(existing, by_key)
        if changed:
            present = {name for row in changed for name in row}
            cols_ = [(n, t) for n, t in columns if n in present]
            sets = ", ".join(f"n.{n} = {n}" for n, _ in cols_ if n != nt.key)
            with _as_parquet(_arrow_table(cols_, changed)) as src:
                self.conn.execute(f"LOAD FROM {src} MATCH (n:{nt.label}) WHERE n.{nt.key} = {nt.key} SET {sets}")
        return {row[nt.key] for row in new_rows}

    def _upsert_rels(
        self,
        rt: RelType,
        src_label: str,
        dst_label: str,
        by_ident: dict[tuple[Any, ...], dict[str, Any]],
        number: int,
        batch_nodes: Mapping[str, Mapping[str, Any]],
        fresh: Mapping[str, set[str]],
    ) -> tuple[int, int]:
        src_nt, dst_nt = NODE_TYPES[src_label], NODE_TYPES[dst_label]
        for end_label, end_nt, pos in ((src_label, src_nt, 0), (dst_label, dst_nt, 1)):
            # Nodes of this batch exist by now; ask the database only about the others.
            in_batch = batch_nodes.get(end_label, {})
            wanted = sorted({ident[pos] for ident in by_ident if ident[pos] not in in_batch})
            found = self._existing_keys(end_label, end_nt.key, wanted) if wanted else set()
            missing = [k for k in wanted if k not in found]
            if missing:
                example = next(i for i in by_ident if i[pos] == missing[0])
                raise StoreError(
                    missing_endpoint_message(number, rt.type, (src_label, example[0]), (dst_label, example[1]), end_label, missing)
                )
        key_cols = list(rt.key)
        value_cols = [p for p in rt.prop_names if p not in key_cols]
        where = "".join(f" AND e.{k} = {k}" for k in key_cols)
        # A relationship with an endpoint created in this batch cannot exist yet: probe the rest only
        # (on a fresh load that is almost nothing, and the probe's join is the costly part).
        new_src, new_dst = fresh.get(src_label, set()), fresh.get(dst_label, set())
        maybe = [i for i in by_ident if i[0] not in new_src and i[1] not in new_dst]
        existing: dict[tuple[Any, ...], dict[str, Any]] = {}
        if maybe:
            # Parallel list parameters indexed by position: a list of structs makes this engine plan a
            # pathological join (185 s for 200k rows against 1 s), and an Arrow table scanned with
            # LOAD FROM leaks buffer-pool memory on every call in LadybugDB 0.22 until loads fail.
            params = {"s": [i[0] for i in maybe], "d": [i[1] for i in maybe]}
            for n, k in enumerate(key_cols):
                params[k] = [i[2 + n] for i in maybe]
            found_cols = self._columns_of(
                "UNWIND range(0, size($s) - 1) AS i WITH " + ", ".join(f"${c}[i + 1] AS {c}" for c in params) + " "
                f"MATCH (a:{src_label})-[e:{rt.type}]->(b:{dst_label}) "
                f"WHERE a.{src_nt.key} = s AND b.{dst_nt.key} = d{where} "
                f"RETURN s, d{''.join(', ' + k for k in key_cols)}{''.join(', e.' + p for p in value_cols)}",
                params,
            )
            width = 2 + len(key_cols)
            existing = {row[:width]: dict(zip(value_cols, row[width:])) for row in zip(*found_cols)}
        new = [(i, p) for i, p in by_ident.items() if i not in existing]
        columns = [(p.name, p.type) for p in rt.props]
        if new:
            rows = [{"from": i[0], "to": i[1], **p} for i, p in new]
            table = _arrow_table([("from", "STRING"), ("to", "STRING"), *columns], rows)
            options = f"from='{src_label}', to='{dst_label}'" if len(rt.pairs) > 1 else ""
            t0 = time.perf_counter()
            self._copy(rt.type, [n for n, _ in columns], table, options)
            self._rel_copy_seconds += time.perf_counter() - t0
        changed = changed_rows(existing, by_ident)
        if changed:
            rows = []
            for ident, merged in changed:
                row = {"s": ident[0], "d": ident[1], **merged}
                row.update(zip(key_cols, ident[2:]))
                rows.append(row)
            cols = [(n, t) for n, t in columns if n not in key_cols]
            table = _arrow_table([("s", "STRING"), ("d", "STRING"), *[(k, "STRING") for k in key_cols], *cols], rows)
            sets = ", ".join(f"e.{n} = {n}" for n, _ in cols)
            with _as_parquet(table) as src:
                self.conn.execute(
                    f"LOAD FROM {src} MATCH (a:{src_label})-[e:{rt.type}]->(b:{dst_label}) "
                    f"WHERE a.{src_nt.key} = s AND b.{dst_nt.key} = d{where} SET {sets}"
                )
        return len(new), len(by_ident) - len(new)

    # -- reading and writing back ----------------------------------------------------------
    def _execute(self, cypher: str, params: Mapping[str, Any] | None) -> Any:
        failure = None
        try:
            return self.conn.execute(cypher, dict(params or {}))
        except RuntimeError as exc:
            failure = one_line(str(exc))
        # Raised outside the handler: the engine's frames (holding its statement) are not kept (see _run_prepared).
        raise StoreError(f"embedded query failed: {failure}")

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run ``cypher`` with ``$parameters`` and return every row as a dict."""
        res = self._execute(cypher, params)
        names = res.get_column_names()
        failure = None
        try:
            return [dict(zip(names, row)) for row in res.get_all()]
        except (RuntimeError, UnicodeDecodeError) as exc:
            failure = _UNREADABLE.format(one_line(str(exc))[:200])
        finally:
            res.close()
        raise StoreError(failure)

    def run(
        self, cypher: str, params: Mapping[str, Any] | None = None, *, write: bool = False,
        timeout: float | None = None,
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one ad-hoc statement, in a ``READ ONLY`` transaction unless ``write``: columns and rows.

        The engine refuses writes in the read-only transaction; the text must be a single
        statement, and transaction control or file and catalogue statements raise QueryError.
        """
        conn = self.conn
        m = _TX_CONTROL.match(cypher)
        if m:
            raise QueryError(f"{m[1].upper()} is not allowed here: stakenet runs each query in its own transaction")
        m = _SIDE_EFFECTS.match(cypher)
        if m and not write:
            raise QueryError(f"{m[1].upper()} statements change files or the database; add --write if you mean it")
        conn.set_query_timeout(round(timeout * 1000) if timeout else 0)
        conn.execute("BEGIN TRANSACTION" if write else "BEGIN TRANSACTION READ ONLY")
        try:
            columns, rows = self._run_prepared(cypher, params)
        except RuntimeError as exc:
            self._end_transaction()
            msg = str(exc)
            exc.__traceback__ = None  # its frames hold the engine's statement; see _run_prepared
            if "read-only transaction" in msg or "read-only database" in msg:
                raise QueryError(READ_ONLY_REFUSED) from exc
            if timeout and "Interrupted" in msg:
                raise QueryError(f"the query ran longer than --timeout {timeout:g} s and was stopped") from exc
            raise QueryError(one_line(f"the query failed on the embedded store: {msg}")) from exc
        try:
            conn.execute("COMMIT")
        except RuntimeError as exc:  # the statement ended the transaction itself
            exc.__traceback__ = None
            raise QueryError(f"the query may not end its transaction: {exc}") from exc
        return columns, rows

    def _run_prepared(self, cypher: str, params: Mapping[str, Any] | None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Prepare and run one statement, releasing the engine's statement and result before returning.

        A prepared statement the engine made keeps a part of its Database alive until the Python
        object is destroyed; left in an exception's traceback (a failed query, kept by a caller or
        a test runner) it was destroyed by the garbage collector later, after the Database was
        closed and while the next one on the same file was open, and a committed write went
        missing or the file was damaged. So nothing of the engine leaves this function.
        """
        conn = self.conn
        prepared: Any = None
        res: Any = None
        failure: str | None = None
        try:
            # One statement only, prepared inside the transaction: text such as "MATCH ...; COMMIT;
            # CREATE ..." must not leave it. prepare() refuses several statements and reports syntax errors.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # a separate prepare is what we want here
                prepared = conn.prepare(cypher)
            if not prepared.is_success():
                raise RuntimeError(prepared.get_error_message())
            res = conn.execute(prepared, dict(params or {}))
            assert not isinstance(res, list)
            columns = list(res.get_column_names())
            rows = [tuple(plain(v) for v in row) for row in res.get_all()]
        except RuntimeError as exc:
            failure = str(exc)
        except UnicodeDecodeError as exc:  # bytes that are not text: a damaged page (reproduced), or an engine fault
            failure = _UNREADABLE.format(exc)
        finally:
            if res is not None:
                res.close()
            if prepared is not None:
                prepared.close()
            prepared = res = None
        if failure is not None:  # raised here, a fresh error without the frames that held the statement
            raise RuntimeError(failure)
        return columns, rows

    def _end_transaction(self) -> None:
        """Roll back, unless the engine already did (it ends a transaction on some errors)."""
        try:
            self.conn.execute("ROLLBACK")
        except RuntimeError as exc:
            if "No active transaction" not in str(exc):
                raise

    def rows(self, cypher: str, params: Mapping[str, Any] | None = None, chunk: int = 100_000) -> Iterator[tuple[Any, ...]]:
        """Stream the rows of ``cypher`` as tuples, a chunk at a time (for large projections)."""
        res = self._execute(cypher, params)
        failure = None
        try:
            if not res.has_next():
                return
            table = res.get_as_arrow(chunk)
        except (RuntimeError, UnicodeDecodeError, pa.ArrowException) as exc:
            failure = _UNREADABLE.format(one_line(str(exc))[:200])
        if failure is not None:
            raise StoreError(failure)
        for batch in table.to_batches():
            columns = [col.to_pylist() for col in batch.columns]
            yield from zip(*columns)

    def write_properties(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Set properties on existing ``label`` nodes; each row holds the key and the values.

        Values are written as given (``None`` clears), so metrics of an earlier run do not linger.
        """
        nt = NODE_TYPES[label]
        if not rows:
            return 0
        names = property_columns(label, rows)
        cols = [(nt.key, "STRING")] + [(n, nt.prop(n).type) for n in names]
        table = _arrow_table(cols, rows)
        sets = ", ".join(f"n.{n} = {n}" for n in names)
        with _as_parquet(table) as src:
            res = self._execute(f"LOAD FROM {src} MATCH (n:{label}) WHERE n.{nt.key} = {nt.key} SET {sets} RETURN count(*)", None)
        return int(res.get_all()[0][0])

    def counts(self) -> Counts:
        """Nodes per label and relationships per type."""
        return count_graph(lambda cypher: self._all(cypher)[0][0])
