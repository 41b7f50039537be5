"""Column batches: one Arrow table per node label and relationship group, the bulk form of records.

A source of many uniform rows hands ``Columns`` to ``EmbeddedStore.load_columns`` or
``write_import_files_from_columns`` instead of one Python object per record: the same graph. Kept
apart from graph/records.py so that code which only needs records (a Neo4j-only user) never imports
pyarrow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import SchemaError
from graph.model import node_type, rel_type
from graph.records import Node, Record, Rel

ARROW_TYPES: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "INT64": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "STRING[]": pa.list_(pa.string()),
}
# The Arrow column types a schema type accepts (bool is not an int; ints are fine for DOUBLE).
_ACCEPTS: dict[str, Callable[[pa.DataType], bool]] = {
    "STRING": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "INT64": pa.types.is_integer,
    "DOUBLE": lambda t: pa.types.is_floating(t) or pa.types.is_integer(t),
    "BOOLEAN": pa.types.is_boolean,
    "STRING[]": lambda t: (pa.types.is_list(t) or pa.types.is_large_list(t))
    and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type) or pa.types.is_null(t.value_type)),
}
RelGroupKey = tuple[str, str, str]


@dataclass
class Columns:
    """A batch of records as columns: one Arrow table per node label and per relationship group.

    ``nodes[label]`` has one column per property (the key among them); ``rels[(type, src label,
    dst label)]`` has ``from`` and ``to`` (the endpoint keys) and one column per property. A null
    is an unknown value, as ``None`` in a record. Nodes of a batch are written before its
    relationships, as in a record batch.
    """

    nodes: dict[str, pa.Table] = field(default_factory=dict)
    rels: dict[RelGroupKey, pa.Table] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(t.num_rows for t in self.nodes.values()) + sum(t.num_rows for t in self.rels.values())


def _cast(owner: str, table: pa.Table, wanted: list[tuple[str, str]]) -> pa.Table:
    """``table`` with exactly the ``wanted`` columns in order, cast to their Arrow types (absent: null)."""
    names = dict(wanted)
    for name in table.column_names:
        if name not in names:
            raise SchemaError(f"{owner}: column {name!r} is not a property in graph/model.py")
    arrays = []
    for name, type_ in wanted:
        if name not in table.column_names:
            arrays.append(pa.nulls(table.num_rows, ARROW_TYPES[type_]))
            continue
        col = table.column(name)
        if not (pa.types.is_null(col.type) or _ACCEPTS[type_](col.type)):
            raise SchemaError(f"{owner}: column {name!r} holds {col.type}, graph/model.py says {type_}")
        try:
            arrays.append(col if col.type == ARROW_TYPES[type_] else col.cast(ARROW_TYPES[type_]))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise SchemaError(f"{owner}: column {name!r} does not fit {type_}: {exc}") from exc
    return pa.Table.from_arrays(arrays, names=[n for n, _ in wanted])


def _require_keys(owner: str, table: pa.Table, name: str, what: str) -> None:
    col = table.column(name)
    bad = pc.or_kleene(pc.is_null(col), pc.equal(col, "")).fill_null(True)
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        raise SchemaError(f"{owner} row {row}: {what} {name!r} is empty")


def check_columns(batch: Columns) -> Columns:
    """``batch`` validated against graph/model.py, every table cast to the model's columns in order.

    Raises SchemaError naming the label or type, the column and (for a missing key) the row.
    """
    out = Columns()
    for label, table in batch.nodes.items():
        nt = node_type(label)
        cast = _cast(f"{label} columns", table, [(p.name, p.type) for p in nt.props])
        _require_keys(f"{label} columns", cast, nt.key, "no key property")
        out.nodes[label] = cast
    for (type_, src, dst), table in batch.rels.items():
        rt = rel_type(type_)
        if (src, dst) not in rt.pairs:
            raise SchemaError(f"{type_} cannot join {src} to {dst}; allowed: {rt.pairs}")
        owner = f"{type_} {src}->{dst} columns"
        cast = _cast(owner, table, [("from", "STRING"), ("to", "STRING"), *[(p.name, p.type) for p in rt.props]])
        for end in ("from", "to"):
            _require_keys(owner, cast, end, "empty endpoint key")
        out.rels[(type_, src, dst)] = cast
    return out


def columns_from_records(records: Iterable[Record]) -> Columns:
    """The records as one ``Columns`` batch (in order; validated when the store checks the batch)."""
    node_rows: dict[str, list[Mapping[str, Any]]] = {}
    rel_rows: dict[RelGroupKey, list[tuple[str, str, Mapping[str, Any]]]] = {}
    for r in records:
        if type(r) is Node:
            node_rows.setdefault(r.label, []).append(r.props)
        elif type(r) is Rel:
            rel_rows.setdefault((r.type, r.src[0], r.dst[0]), []).append((r.src[1], r.dst[1], r.props))
        else:
            raise SchemaError(f"not a record: {r!r}")
    out = Columns()
    for label, rows in node_rows.items():
        props = node_type(label).props
        out.nodes[label] = pa.Table.from_arrays(
            [_array([row.get(p.name) for row in rows], p.type, label, p.name) for p in props], names=[p.name for p in props]
        )
    for group, rel_list in rel_rows.items():
        rprops = rel_type(group[0]).props
        arrays = [pa.array([x[0] for x in rel_list], pa.string()), pa.array([x[1] for x in rel_list], pa.string())]
        arrays += [_array([x[2].get(p.name) for x in rel_list], p.type, group[0], p.name) for p in rprops]
        out.rels[group] = pa.Table.from_arrays(arrays, names=["from", "to", *[p.name for p in rprops]])
    return out


def _array(values: list[Any], type_: str, owner: str, name: str) -> pa.Array:
    if type_ in ("INT64", "BOOLEAN") and any(type(v) is not _EXACT_ONE[type_] for v in values if v is not None):
        bad = next(v for v in values if v is not None and type(v) is not _EXACT_ONE[type_])
        raise SchemaError(f"{owner}: property {name!r} should be {type_}, got {type(bad).__name__} {bad!r}")
    try:
        return pa.array(values, type=ARROW_TYPES[type_])
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
        raise SchemaError(f"{owner}: property {name!r} should be {type_}: {exc}") from exc


_EXACT_ONE = {"INT64": int, "BOOLEAN": bool}


__all__ = ["ARROW_TYPES", "Columns", "check_columns", "columns_from_records"]
