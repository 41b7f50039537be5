"""Gives every organisation a report names its display name (graph/display.py), in place."""

from __future__ import annotations

from typing import Any

from graph.display import INTERNAL_KEY, display_name, org_label, org_number_text, recase
from graph.report.rows import query_rows

__all__ = ["INTERNAL_KEY", "apply_display_names", "display_name", "org_label", "org_number_text", "recase"]

Q_NAMES_ALIASES = "MATCH (o:Organisation) WHERE o.org_id IN $ids RETURN o.org_id AS org_id, o.name AS name, o.aliases AS aliases"


def _walk(node: Any, found: dict[str, list[dict[str, Any]]]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("org_id"), str) and "name" in node:
            found.setdefault(node["org_id"], []).append(node)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


def apply_display_names(store: Any, data: Any) -> None:
    """Give every organisation in the report (a dict with ``org_id`` and ``name``) its display name, in place."""
    found: dict[str, list[dict[str, Any]]] = {}
    _walk(data, found)
    if not found:
        return
    rows = {r["org_id"]: r for r in query_rows(store, Q_NAMES_ALIASES, {"ids": sorted(found)})}
    for org_id, nodes in found.items():
        row = rows.get(org_id, {})
        fallback = nodes[0]["name"] if nodes[0]["name"] != org_id else None
        shown = display_name(row.get("name") or fallback, row.get("aliases") or [], org_id)
        for node in nodes:
            node["name"] = shown
