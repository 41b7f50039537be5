"""Records: what every source yields and every store loads.

A source is a generator of ``Node`` and ``Rel`` records. Nodes carry their key property inside
``props``; relationships name their endpoints by ``(label, key)``. ``None`` means unknown: stores
never overwrite a known value with ``None``, so a second source can add to a node without erasing
what the first one knew. A source of many uniform rows may instead hand ``Columns`` batches
(graph/columns.py: one Arrow table per label and relationship group) to the stores.

>>> org = Node("Organisation", {"org_id": "SE-ON:2321000198", "name": "Region Gävleborg"})
>>> org.key
'SE-ON:2321000198'
>>> Rel("BUYER_OF", ("Organisation", org.key), ("Procurement", "UH-1")).dst
('Procurement', 'UH-1')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.errors import SchemaError
from graph.model import NODE_TYPES, REL_TYPES, node_type, rel_type

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "STRING": (str,),
    "INT64": (int,),
    "DOUBLE": (float, int),
    "BOOLEAN": (bool,),
    "STRING[]": (list, tuple),
}


@dataclass(frozen=True, slots=True)
class Node:
    """A node: its label and its properties, the key property among them."""

    label: str
    props: Mapping[str, Any]

    @property
    def key(self) -> str:
        return str(self.props[NODE_TYPES[self.label].key])


@dataclass(frozen=True, slots=True)
class Rel:
    """A relationship from ``src`` to ``dst``, each given as ``(label, key)``."""

    type: str
    src: tuple[str, str]
    dst: tuple[str, str]
    props: Mapping[str, Any] = field(default_factory=dict)


Record = Node | Rel


# Exact Python types accepted per schema type (bool is not an int here; ints are fine for DOUBLE).
_EXACT: dict[str, frozenset[type]] = {
    "STRING": frozenset({str}),
    "INT64": frozenset({int}),
    "DOUBLE": frozenset({float, int}),
    "BOOLEAN": frozenset({bool}),
    "STRING[]": frozenset({list, tuple}),
}
_NODE_PROPS = {label: {p.name: (p.type, _EXACT[p.type]) for p in nt.props} for label, nt in NODE_TYPES.items()}
_REL_PROPS = {t: {p.name: (p.type, _EXACT[p.type]) for p in rt.props} for t, rt in REL_TYPES.items()}


def _check_props(owner: str, props: Mapping[str, Any], schema_props: dict[str, tuple[str, frozenset[type]]]) -> None:
    for name, value in props.items():
        spec = schema_props.get(name)
        if spec is None:
            raise SchemaError(f"{owner}: property {name!r} is not in graph/model.py")
        if value is None or type(value) in spec[1]:
            if spec[0] == "STRING[]" and value is not None and not all(type(v) is str for v in value):
                raise SchemaError(f"{owner}: property {name!r} should be a list of strings")
            continue
        if not isinstance(value, _PY_TYPES[spec[0]]) or isinstance(value, bool):
            raise SchemaError(f"{owner}: property {name!r} should be {spec[0]}, got {type(value).__name__} {value!r}")


def validate(record: Record) -> None:
    """Raise SchemaError when ``record`` does not fit graph/model.py.

    >>> validate(Node("Fund", {"code": "ERDF"}))
    >>> validate(Node("Fund", {"name": "no key"}))
    Traceback (most recent call last):
    ...
    graph.errors.SchemaError: Fund node without its key property 'code'
    """
    if type(record) is Rel:
        rt = REL_TYPES.get(record.type) or rel_type(record.type)
        if (record.src[0], record.dst[0]) not in rt.pairs:
            raise SchemaError(f"{record.type} cannot join {record.src[0]} to {record.dst[0]}; allowed: {rt.pairs}")
        if not record.src[1] or not record.dst[1]:
            raise SchemaError(f"{record.type} relationship with an empty endpoint key: {record.src} -> {record.dst}")
        if record.props:
            _check_props(f"{record.type} {record.src}->{record.dst}", record.props, _REL_PROPS[record.type])
    elif type(record) is Node:
        nt = NODE_TYPES.get(record.label) or node_type(record.label)
        if record.props.get(nt.key) in (None, ""):
            raise SchemaError(f"{record.label} node without its key property {nt.key!r}")
        _check_props(f"{record.label} {record.props.get(nt.key)!r}", record.props, _NODE_PROPS[record.label])
    else:
        raise SchemaError(f"not a record: {record!r}")


def batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    """``records`` in lists of ``size`` (the last one shorter), consumed lazily.

    >>> [len(b) for b in batches([Node("Fund", {"code": str(i)}) for i in range(5)], 2)]
    [2, 2, 1]
    """
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
