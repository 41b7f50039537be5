"""A fingerprint of a store's graph: every node's and relationship's properties, read back from the store."""

from __future__ import annotations

from typing import Any

from graph.model import NODE_TYPES, REL_TYPES

# Written at load time, not data: the provenance nodes carry the time of the load.
SKIP_LABELS = ("Meta", "Source")


def _canon(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)  # list order is compared as stored: the store keeps set-valued lists sorted
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def graph_fingerprint(store: Any) -> dict[str, Any]:
    """``{"nodes": {label: {key: props}}, "rels": {type: sorted list of (src, dst, props)}}``."""
    nodes: dict[str, dict[str, tuple[tuple[str, Any], ...]]] = {}
    for label, nt in NODE_TYPES.items():
        if label in SKIP_LABELS:
            continue
        ret = ", ".join(f"n.{p} AS {p}" for p in nt.prop_names)
        nodes[label] = {
            row[nt.key]: tuple(sorted((k, _canon(v)) for k, v in row.items() if v is not None))
            for row in store.query(f"MATCH (n:{label}) RETURN {ret}")
        }
    rels: dict[str, list[tuple[Any, ...]]] = {}
    for type_, rt in REL_TYPES.items():
        out = []
        for a, b in rt.pairs:
            ka, kb = NODE_TYPES[a].key, NODE_TYPES[b].key
            ret = ", ".join(f"e.{p} AS {p}" for p in rt.prop_names)
            for row in store.query(f"MATCH (a:{a})-[e:{type_}]->(b:{b}) RETURN a.{ka} AS _src, b.{kb} AS _dst, {ret}"):
                props = tuple(sorted((k, _canon(v)) for k, v in row.items() if v is not None and not k.startswith("_")))
                out.append((a, row["_src"], b, row["_dst"], props))
        rels[type_] = sorted(out, key=repr)
    return {"nodes": nodes, "rels": rels}


def first_difference(a: dict[str, Any], b: dict[str, Any]) -> str:
    """A short description of where two fingerprints differ (for assertion messages)."""
    for label in a["nodes"]:
        x, y = a["nodes"][label], b["nodes"][label]
        if x != y:
            keys = sorted(set(x) ^ set(y))[:3] or [k for k in sorted(x) if x[k] != y.get(k)][:3]
            diff = {k: (dict(x.get(k, ())), dict(y.get(k, ()))) for k in keys}
            return f"{label}: {len(set(x) ^ set(y))} keys differ, e.g. {diff}; props differ on " \
                   f"{sum(1 for k in x if k in y and x[k] != y[k])} nodes"
    for type_ in a["rels"]:
        x, y = a["rels"][type_], b["rels"][type_]
        if x != y:
            sx, sy = set(x), set(y)
            return f"{type_}: {len(x)} vs {len(y)}; only first {sorted(sx - sy, key=repr)[:2]}; only second {sorted(sy - sx, key=repr)[:2]}"
    return "no difference"
