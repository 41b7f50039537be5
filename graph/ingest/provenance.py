"""Provenance: the ``Source`` node every load, harvest and demo records, and the file digests in its id."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from graph.records import Node


def file_digest(path: Path) -> str:
    """A short content hash: the same file loaded twice is the same Source node."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()[:12]


def source_node(source_id: str, kind: str, *, rows: int, rejected: int = 0, path: str | None = None,
                notes: str | None = None, loaded_at: str | None = None) -> Node:
    """The ``Source`` node of one load: where the records came from, when, and how many.

    ``loaded_at`` defaults to now (UTC, ISO 8601 to the second); ``path`` is left out when None.

    >>> n = source_node("nuts:x.csv:abc", "nuts", rows=3, path="x.csv", loaded_at="2026-01-01T00:00:00+00:00")
    >>> n.key, n.props["rows"], n.props["rejected"]
    ('nuts:x.csv:abc', 3, 0)
    """
    return Node(
        "Source",
        {
            "source_id": source_id,
            "kind": kind,
            **({"path": path} if path is not None else {}),
            "loaded_at": loaded_at or datetime.now(UTC).isoformat(timespec="seconds"),
            "rows": rows,
            "rejected": rejected,
            "notes": notes,
        },
    )
