"""Splitting a column batch into rows the bulk COPY may take as they are and rows to merge in Python.

A row may go straight into ``COPY FROM`` only when its identity is proved new: it occurs once in
the batch (a duplicate key in one COPY crashes LadybugDB 0.22), the database does not hold it, and
its values are already canonical (``source`` a single name, no set-valued list to sort and unite).
Every other row is folded with graph/store/batch.py's rules and written by the record path, so the
merge semantics are the same code whichever way a batch arrives.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph.columns import Columns, check_columns
from graph.errors import SchemaError, StoreError
from graph.model import NODE_TYPES, REL_TYPES, NodeType, RelType
from graph.store import LoadStats
from graph.store.batch import SET_PROPS, canonical, merge_into, missing_endpoint_message
from graph.store.dbpath import batch_transaction

_SEP = "\x1f"
_NO_AUTO_CHECKPOINT = 1 << 50  # bytes of write-ahead log: never reached by one load


def identity(table: pa.Table, columns: Sequence[str]) -> pa.Array:
    """One string per row naming its identity (the columns joined by a separator no key holds)."""
    if len(columns) == 1:
        return table.column(columns[0]).combine_chunks()
    parts = [table.column(c).combine_chunks() for c in columns]
    return pc.binary_join_element_wise(*parts, _SEP)


def unique_mask(ident: pa.Array) -> pa.Array:
    """True where the row's identity occurs once in the batch."""
    if len(pc.unique(ident)) == len(ident):
        return pa.array(np.ones(len(ident), dtype=bool))
    counts = pc.value_counts(ident)
    dup = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    if len(dup) == 0:
        return pa.array(np.ones(len(ident), dtype=bool))
    return pc.invert(pc.is_in(ident, value_set=dup))


def canonical_mask(table: pa.Table) -> pa.Array:
    """True where the row's values are stored as given (no ``;`` in ``source``, no set-valued list)."""
    ok = pa.array(np.ones(table.num_rows, dtype=bool))
    if "source" in table.column_names:
        has_sep = pc.match_substring(table.column("source").combine_chunks(), ";").fill_null(False)
        ok = pc.and_(ok, pc.invert(has_sep))
    for name in SET_PROPS & set(table.column_names):
        ok = pc.and_(ok, pc.is_null(table.column(name).combine_chunks()))
    return ok


def without_unknown_columns(table: pa.Table, keep: set[str]) -> pa.Table:
    """``table`` without the columns, other than ``keep``, that hold only nulls (COPY leaves them null)."""
    drop = [n for n in table.column_names if n not in keep and table.column(n).null_count == table.num_rows]
    return table.drop_columns(drop) if drop else table


def member(values: pa.Array, keys: pa.Array | None) -> pa.Array:
    """True where ``values`` is among ``keys``."""
    if keys is None or len(keys) == 0:
        return pa.array(np.zeros(len(values), dtype=bool))
    return pc.is_in(values, value_set=keys).fill_null(False)


def fold_nodes(nt: NodeType, table: pa.Table) -> dict[str, dict[str, Any]]:
    """The rows of ``table`` folded into one merged row per key, as graph/store/batch.py's fold_batch does."""
    by_key: dict[str, dict[str, Any]] = {}
    for row in table.to_pylist():
        key = row[nt.key]
        if key in by_key:
            merge_into(by_key[key], row)
        else:
            by_key[key] = canonical(row)
    return by_key


def fold_rels(rt: RelType, table: pa.Table) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The rows of ``table`` folded into one merged row per identity (endpoints and key properties)."""
    by_ident: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in table.to_pylist():
        src, dst = row.pop("from"), row.pop("to")
        key_values = tuple(row.get(k) or "" for k in rt.key)
        ident = (src, dst, *key_values)
        if ident in by_ident:
            merge_into(by_ident[ident], row)
        else:
            by_ident[ident] = canonical(row)
        by_ident[ident].update(zip(rt.key, key_values))
    return by_ident


class ColumnLoading:
    """``load_columns`` for the embedded store, which provides the record path's methods used here."""

    conn: Any
    _rel_copy_seconds: float

    def _copy(self, table: str, columns: Sequence[str], data: pa.Table, options: str = "") -> None:
        raise NotImplementedError

    def _existing_keys(self, label: str, key: str, keys: Sequence[str]) -> set[str]:
        raise NotImplementedError

    def _upsert_nodes(self, nt: NodeType, by_key: dict[str, dict[str, Any]]) -> set[str]:
        raise NotImplementedError

    def _upsert_rels(
        self, rt: RelType, src_label: str, dst_label: str, by_ident: dict[tuple[Any, ...], dict[str, Any]], number: int,
        batch_nodes: Mapping[str, Any], fresh: Mapping[str, set[str]],
    ) -> tuple[int, int]:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _holds_any(self, pattern: str) -> bool:
        """Whether the database holds anything matching the Cypher ``pattern`` (built from model names)."""
        res = self.conn.execute(f"MATCH {pattern} RETURN 1 LIMIT 1")
        return bool(res.get_all())

    def load_columns(
        self, batches: Iterable[Columns], *, progress: Callable[[int], None] | None = None
    ) -> LoadStats:
        """Upsert column batches (see graph/records.py ``Columns``): the same graph as ``load`` of the same records.

        Rows whose identity is proved new go into COPY as Arrow columns; the others (duplicates in
        the batch, rows the database holds, values to canonicalise) are merged by the record path.
        """
        stats = LoadStats()
        # A commit over the checkpoint threshold (16 MB by default) checkpoints; COPY into a table
        # writes its pages directly, so checkpointing after every big batch only redoes work
        # (measured at 1M relationships: 0.5 s of 5). One checkpoint at the end instead.
        threshold = self.conn.execute("CALL current_setting('checkpoint_threshold') RETURN *").get_all()[0][0]
        self.conn.execute(f"CALL checkpoint_threshold={_NO_AUTO_CHECKPOINT}")
        try:
            self._load_column_batches(batches, stats, progress)
        finally:
            self.conn.execute(f"CALL checkpoint_threshold={int(threshold)}")
            self.conn.execute("CHECKPOINT")
        return stats

    def _load_column_batches(
        self, batches: Iterable[Columns], stats: LoadStats, progress: Callable[[int], None] | None
    ) -> None:
        for number, batch in enumerate(batches, start=1):
            try:
                checked = check_columns(batch)
            except SchemaError as exc:
                raise StoreError(f"batch {number}: {exc}") from exc
            self._rel_copy_seconds = 0.0
            with batch_transaction(self.conn, number, self._rollback):
                one = self._load_columns_unguarded(checked, number)
            one.rel_copy_seconds = self._rel_copy_seconds
            stats.add(one)
            if progress:
                progress(batch.rows)

    def _load_columns_unguarded(self, cols: Columns, number: int) -> LoadStats:
        stats = LoadStats(records=cols.rows, batches=1)
        keys: dict[str, pa.Array] = {}  # every key of the batch's nodes, per label
        fresh: dict[str, pa.Array] = {}  # the keys this batch created, per label
        for label, table in cols.nodes.items():
            nt = NODE_TYPES[label]
            key = table.column(nt.key).combine_chunks()
            # Into an empty table (a fresh load) every key is new: no probe.
            probe = pc.unique(key).to_pylist() if self._holds_any(f"(:{label})") else []
            known = pa.array(sorted(self._existing_keys(label, nt.key, probe)) if probe else [], pa.string())
            fast = pc.and_(pc.and_(unique_mask(key), pc.invert(member(key, known))), canonical_mask(table))
            new = table.filter(fast)
            if new.num_rows:
                new = without_unknown_columns(new, keep={nt.key})
                self._copy(label, new.column_names, new)
            by_key = fold_nodes(nt, table.filter(pc.invert(fast)))
            created = self._upsert_nodes(nt, by_key) if by_key else set()
            keys[label] = pc.unique(key)
            fresh[label] = pa.concat_arrays([new.column(nt.key).combine_chunks(), pa.array(sorted(created), pa.string())])
            stats.nodes_created += new.num_rows + len(created)
            stats.nodes_updated += len(by_key) - len(created)
        for (type_, src_label, dst_label), table in cols.rels.items():
            created_n, updated_n = self._upsert_rel_columns(REL_TYPES[type_], src_label, dst_label, table, number, keys, fresh)
            stats.rels_created += created_n
            stats.rels_updated += updated_n
        return stats

    def _upsert_rel_columns(
        self, rt: RelType, src_label: str, dst_label: str, table: pa.Table, number: int,
        keys: Mapping[str, pa.Array], fresh: Mapping[str, pa.Array],
    ) -> tuple[int, int]:
        for k in rt.key:  # a missing key property is stored as "" (graph/store/batch.py fold_batch)
            table = table.set_column(table.column_names.index(k), k, pc.fill_null(table.column(k), ""))
        src, dst = table.column("from").combine_chunks(), table.column("to").combine_chunks()
        for end_label, col in ((src_label, src), (dst_label, dst)):
            outside = pc.unique(col.filter(pc.invert(member(col, keys.get(end_label))))).to_pylist()
            end_nt = NODE_TYPES[end_label]
            found = self._existing_keys(end_label, end_nt.key, outside) if outside else set()
            missing = sorted(k for k in outside if k not in found)
            if missing:
                row = pc.index(col, missing[0]).as_py()
                s, d = src[row].as_py(), dst[row].as_py()
                raise StoreError(missing_endpoint_message(number, rt.type, (src_label, s), (dst_label, d), end_label, missing))
        # New for certain: identity once in the batch, values canonical, and either no relationship of
        # this group stored yet or an endpoint created in this batch.
        ident = identity(table, ["from", "to", *rt.key])
        fast = pc.and_(unique_mask(ident), canonical_mask(table))
        if self._holds_any(f"(:{src_label})-[:{rt.type}]->(:{dst_label})"):
            fast = pc.and_(fast, pc.or_(member(src, fresh.get(src_label)), member(dst, fresh.get(dst_label))))
        new = table.filter(fast)
        if new.num_rows:
            options = f"from='{src_label}', to='{dst_label}'" if len(rt.pairs) > 1 else ""
            t0 = time.perf_counter()
            new = without_unknown_columns(new, keep={"from", "to"})
            self._copy(rt.type, new.column_names[2:], new, options)
            self._rel_copy_seconds += time.perf_counter() - t0
        by_ident = fold_rels(rt, table.filter(pc.invert(fast)))
        if not by_ident:
            return new.num_rows, 0
        batch_nodes = {label: set(k.to_pylist()) for label, k in keys.items()}
        fresh_sets = {label: set(k.to_pylist()) for label, k in fresh.items()}
        created, updated = self._upsert_rels(rt, src_label, dst_label, by_ident, number, batch_nodes, fresh_sets)  # type: ignore[arg-type]
        return new.num_rows + created, updated

