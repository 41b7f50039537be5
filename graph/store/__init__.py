"""Stores: the embedded default (LadybugDB) and Neo4j, behind one small interface.

Both store classes take an open connection (only ``graph/cli.py`` opens one) and offer:

- ``ensure_schema()``: DDL / constraints from graph/model.py, schema version check;
- ``load(records, batch_size=..., progress=...) -> LoadStats``: idempotent upsert of Node/Rel records;
- ``query(cypher, params) -> list[dict]`` and ``rows(cypher, params) -> Iterator[tuple]`` (streamed);
- ``write_properties(label, rows) -> int``: set properties on existing nodes by key (metrics);
- ``counts() -> Counts``: nodes per label, relationships per type;
- ``dialect``: ``"embedded"`` or ``"neo4j"``, which picks a query's sibling variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
