"""Records: what every source yields and every store loads.

A source is a generator of ``Node`` and ``Rel`` records. Nodes carry their key property inside
``props``; relationships name their endpoints by ``(label, key)``. ``None`` means unknown: stores
never overwrite a known value with ``None``, so a second source can add to a node without erasing
what the first one knew.

>>> org = Node("Organisation", {"org_id": "SE-ON:2321000246", "name": "Region Gävleborg"})
>>> org.key
'SE-ON:2321000246'
>>> Rel("BUYER_OF", ("Organisation", org.key), ("Procurement", "UH-1")).dst
('Procurement', 'UH-1')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

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


def _check_props(owner: str, props: Mapping[str, Any], schema_props: dict[str, str]) -> None:
    for name, value in props.items():
        if name not in schema_props:
            raise SchemaError(f"{owner}: property {name!r} is not in graph/model.py")
        if value is None:
            continue
        want = schema_props[name]
        if isinstance(value, bool) and want != "BOOLEAN":
            raise SchemaError(f"{owner}: property {name!r} should be {want}, got a boolean")
        if not isinstance(value, _PY_TYPES[want]):
            raise SchemaError(f"{owner}: property {name!r} should be {want}, got {type(value).__name__} {value!r}")
        if want == "STRING[]" and not all(isinstance(v, str) for v in cast(list[Any], value)):
            raise SchemaError(f"{owner}: property {name!r} should be a list of strings")


def validate(record: Record) -> None:
    """Raise SchemaError when ``record`` does not fit graph/model.py.

    >>> validate(Node("Fund", {"code": "ERDF"}))
    >>> validate(Node("Fund", {"name": "no key"}))
    Traceback (most recent call last):
    ...
    graph.errors.SchemaError: Fund node without its key property 'code'
    """
    if isinstance(record, Node):
        nt = node_type(record.label)
        if record.props.get(nt.key) in (None, ""):
            raise SchemaError(f"{record.label} node without its key property {nt.key!r}")
        _check_props(f"{record.label} {record.props.get(nt.key)!r}", record.props, {p.name: p.type for p in nt.props})
    elif isinstance(record, Rel):
        rt = rel_type(record.type)
        pair = (record.src[0], record.dst[0])
        if pair not in rt.pairs:
            raise SchemaError(f"{record.type} cannot join {pair[0]} to {pair[1]}; allowed: {rt.pairs}")
        if not record.src[1] or not record.dst[1]:
            raise SchemaError(f"{record.type} relationship with an empty endpoint key: {record.src} -> {record.dst}")
        _check_props(f"{record.type} {record.src}->{record.dst}", record.props, {p.name: p.type for p in rt.props})
    else:
        raise SchemaError(f"not a record: {record!r}")


__all__ = ["Node", "Rel", "Record", "validate", "REL_TYPES"]
