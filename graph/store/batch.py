"""What both stores share: folding a batch of records, the merge rules, counts and their messages.

A batch is folded in Python before either store writes it: records with the same identity (a
node's key; a relationship's endpoints and key properties) become one row, merged by the rules of
:func:`merge_into` (known values are never overwritten with unknown ones, ``source`` accumulates
``;``-joined in sorted order, ``aliases`` are unioned and sorted). The stores differ only in how they write the folded rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from graph.errors import SchemaError, StoreError
from graph.model import NODE_TYPES, REL_TYPES
from graph.records import Node, Record, Rel, validate
from graph.store import Counts

RelGroup = tuple[str, str, str]
"""A relationship type with its source and destination labels: one bulk statement each."""

BATCH_SIZE_TOO_SMALL = "batch size must be at least 1"
READ_ONLY_REFUSED = (
    "this query writes, and ad-hoc queries are read-only; add --write if you mean to change the database"
)


# List properties that are sets: unioned on merge and stored sorted, so that no load order shows.
SET_PROPS = frozenset({"aliases", "org_number_aliases"})


def canonical(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` without unknowns, with ``source`` and the set-valued lists in canonical sorted order.

    An empty list is no value, as None is (Neo4j's bulk importer cannot store one, and "no
    aliases" should read the same from every store and load path).

    >>> canonical({"source": "y;x;y", "aliases": ["b", "a", "b"], "name": None, "sni": []})
    {'source': 'x;y', 'aliases': ['a', 'b']}
    """
    out: dict[str, Any] = {}
    for k, v in props.items():
        if v is None or (isinstance(v, list) and not v):
            continue
        if k == "source" and isinstance(v, str):
            v = ";".join(sorted({s for s in v.split(";") if s}))
        elif k in SET_PROPS and isinstance(v, list):
            v = sorted(set(v))
        out[k] = v
    return out


def merge_into(old: dict[str, Any], new: Mapping[str, Any]) -> None:
    """Fold ``new`` into ``old`` the way the stores do: known values win, sources and set lists unite.

    ``source`` is kept ``;``-joined in sorted order and ``aliases`` / ``org_number_aliases`` sorted,
    so that the stored value does not depend on the order of loads. Any other known value replaces
    the old one: a source that may meet one property with different values makes it deterministic
    itself (see graph/sources/upphandling.py).

    >>> row = {"name": "A", "source": "x", "aliases": ["a"]}
    >>> merge_into(row, {"name": None, "source": "y;x", "aliases": ["b", "a"]})
    >>> row
    {'name': 'A', 'source': 'x;y', 'aliases': ['a', 'b']}
    """
    for k, v in canonical(new).items():
        if k == "source" and old.get("source"):
            old["source"] = ";".join(sorted({*old["source"].split(";"), *v.split(";")} - {""}))
        elif k in SET_PROPS and old.get(k):
            old[k] = sorted({*old[k], *v})
        else:
            old[k] = v


def changed_rows(existing: Mapping[Any, dict[str, Any]], incoming: Mapping[Any, dict[str, Any]]) -> list[Any]:
    """Rows whose stored values change when ``incoming`` is merged in (nothing to write otherwise).

    Node rows come back as merged dicts; relationship rows as ``(identity, merged)`` pairs.
    """
    out: list[Any] = []
    for ident, stored in existing.items():
        merged = dict(stored)
        merge_into(merged, incoming[ident])
        if merged != stored:
            out.append(merged if isinstance(ident, str) else (ident, merged))
    return out


@dataclass
class FoldedBatch:
    """A batch with one row per identity: ``nodes[label][key]`` and ``rels[group][identity]``.

    A relationship's identity is ``(src key, dst key, *its key properties)`` (missing keys as "").
    ``origins`` maps ``(label, key)`` or ``(group, identity)`` to the first record of that row,
    when asked for (a store that names the offending record of a refused batch).
    """

    nodes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    rels: dict[RelGroup, dict[tuple[Any, ...], dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    origins: dict[tuple[Any, ...], Record] = field(default_factory=dict)


def fold_batch(
    batch: Sequence[Record],
    check: Callable[[Record], None],
    *,
    every_record: bool = False,
    keep_origins: bool = False,
) -> FoldedBatch:
    """Fold ``batch`` into one row per identity, calling ``check`` (which raises) to validate records.

    Without ``every_record`` each shape of record (label or type, endpoints, property names) is
    checked in full once, and records without a key; the types of the rest are left to the store.
    """
    folded = FoldedBatch()
    nodes, rels = folded.nodes, folded.rels
    checked: set[tuple[Any, ...]] = set()
    for record in batch:
        if every_record:
            check(record)
        else:
            if isinstance(record, Node):
                shape: tuple[Any, ...] = (record.label, *record.props)
            elif isinstance(record, Rel):
                shape = (record.type, record.src[0], record.dst[0], *record.props)
            else:
                shape = (type(record),)
            if shape not in checked:
                check(record)
                checked.add(shape)
        if isinstance(record, Node):
            by_key = nodes[record.label]
            key = record.key
            if not key and not every_record:
                check(record)
            if key in by_key:
                merge_into(by_key[key], record.props)
            else:
                by_key[key] = canonical(record.props)
                if keep_origins:
                    folded.origins[(record.label, key)] = record
        else:
            if not every_record and (not record.src[1] or not record.dst[1]):
                check(record)
            rt = REL_TYPES[record.type]
            key_values = tuple(record.props.get(k) or "" for k in rt.key)
            ident = (record.src[1], record.dst[1], *key_values)
            group = (record.type, record.src[0], record.dst[0])
            by_ident = rels[group]
            if ident in by_ident:
                merge_into(by_ident[ident], record.props)
            else:
                by_ident[ident] = canonical(record.props)
                if keep_origins:
                    folded.origins[(group, ident)] = record
            by_ident[ident].update(zip(rt.key, key_values))
    return folded


def validate_in_batch(record: Record, number: int, describe: Callable[[Record], str] = repr) -> None:
    """Validate ``record``; a SchemaError becomes a StoreError naming the batch and the record."""
    try:
        validate(record)
    except SchemaError as exc:
        raise StoreError(f"batch {number}: {exc} (record {describe(record)})") from exc


def missing_endpoint_message(
    number: int, rel_type: str, src: tuple[str, Any], dst: tuple[str, Any], end_label: str, missing: Sequence[Any],
    record: str = "",
) -> str:
    """The error of a relationship whose endpoint exists neither in the store nor earlier in the stream."""
    first = f"; first record {record}" if record else ""
    return (
        f"batch {number}: {rel_type} from {src[0]} {src[1]!r} to {dst[0]} {dst[1]!r}: "
        f"{end_label} {missing[0]!r} does not exist ({len(missing)} missing {end_label} endpoints in "
        f"this batch{first}). A source must yield a node before relationships that use it."
    )


def property_columns(label: str, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The non-key properties ``rows`` set on ``label`` nodes (write-back); unknown ones raise SchemaError."""
    nt = NODE_TYPES[label]
    unknown = {n for r in rows for n in r} - set(nt.prop_names)
    if unknown:
        raise SchemaError(f"{label} has no properties {sorted(unknown)} in graph/model.py")
    return [n for n in nt.prop_names if n != nt.key and any(n in r for r in rows)]


def count_graph(count: Callable[[str], int]) -> Counts:
    """Nodes per label and relationships per type; ``count`` runs a Cypher returning one number."""
    counts = Counts()
    for label in NODE_TYPES:
        if label == "Meta":
            continue
        counts.nodes[label] = int(count(f"MATCH (n:{label}) RETURN count(*) AS c"))
    for type_ in REL_TYPES:
        counts.rels[type_] = int(count(f"MATCH ()-[e:{type_}]->() RETURN count(*) AS c"))
    return counts


def one_line(msg: str | None) -> str:
    """Engine messages span lines (a caret under the error); keep the first meaningful one."""
    lines = [ln.strip() for ln in (msg or "").splitlines() if ln.strip()]
    return lines[0] if lines else (msg or "")


def plain(value: Any) -> Any:
    """One result value as plain Python: Decimal (the embedded store's wide integers) becomes
    int/float, a Neo4j node or relationship a dict of its properties with ``_labels`` / ``_type``."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "items") and hasattr(value, "labels"):  # a neo4j Node
        return {"_labels": sorted(value.labels), **{k: plain(v) for k, v in value.items()}}
    if hasattr(value, "items") and hasattr(value, "type") and hasattr(value, "start_node"):  # a neo4j Relationship
        return {"_type": value.type, **{k: plain(v) for k, v in value.items()}}
    return value
