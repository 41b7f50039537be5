"""Stores: the embedded default (LadybugDB) and Neo4j, behind one small interface, :class:`Store`.

Both store classes take an open connection (only ``graph/cli/`` opens one) and offer:

- ``ensure_schema()``: DDL / constraints from graph/model.py, schema version check;
- ``load(records, batch_size=..., progress=...) -> LoadStats``: idempotent upsert of Node/Rel records;
- ``query(cypher, params) -> list[dict]`` and ``rows(cypher, params) -> Iterator[tuple]`` (streamed);
- ``run(cypher, params, write=False) -> (columns, rows)``: one ad-hoc statement, read-only by default;
- ``write_properties(label, rows) -> int``: set properties on existing nodes by key (metrics);
- ``counts() -> Counts``: nodes per label, relationships per type;
- ``dialect``: ``"embedded"`` or ``"neo4j"``, which picks a query's sibling variant.

What both share (batch folding, merge rules, counts, messages) is in ``graph/store/batch.py``;
``embedded.py`` and ``neo4j.py`` hold only their dialect. This package imports neither engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph.records import Record


@dataclass
class LoadStats:
    """What a load did. ``created`` + ``updated`` counts every distinct record once per batch."""

    nodes_created: int = 0
    nodes_updated: int = 0
    rels_created: int = 0
    rels_updated: int = 0
    records: int = 0
    batches: int = 0
    # Seconds spent inside the bulk statements that create relationships (the embedded store's
    # COPY FROM): what the bulk path itself costs, apart from preparing the records in Python.
    rel_copy_seconds: float = 0.0

    def add(self, other: LoadStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Counts:
    """Nodes per label and relationships per type (zero counts included)."""

    nodes: dict[str, int] = field(default_factory=dict)
    rels: dict[str, int] = field(default_factory=dict)

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def total_rels(self) -> int:
        return sum(self.rels.values())


class Store(Protocol):
    """What every store offers (``EmbeddedStore``, ``Neo4jStore``); code above the stores uses only this."""

    dialect: str

    def ensure_schema(self) -> None:
        """Create what graph/model.py needs; refuse a database of another schema version."""

    def load(
        self, records: Iterable[Record], *, batch_size: int = ..., progress: Callable[[int], None] | None = None
    ) -> LoadStats:
        """Upsert ``records`` in batches; reloading the same records changes nothing."""

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every row of ``cypher`` as a dict."""

    def rows(self, cypher: str, params: Mapping[str, Any] | None = None, chunk: int = ...) -> Iterator[tuple[Any, ...]]:
        """The rows of ``cypher`` as tuples, streamed."""

    def run(
        self, cypher: str, params: Mapping[str, Any] | None = None, *, write: bool = False,
        timeout: float | None = None,
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """One ad-hoc statement, read-only unless ``write``, stopped after ``timeout`` seconds: columns and rows."""

    def write_properties(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Set properties on existing ``label`` nodes by key; the number of nodes matched."""

    def counts(self) -> Counts:
        """Nodes per label and relationships per type."""
