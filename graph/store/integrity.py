"""`stakenet check`: does the stored graph hold together (schema, keys, relationship endpoints)?

The engine offers no checksum of its catalogue or pages, so the check reads everything back and
compares what must agree: the schema version and the tables of graph/model.py; per label, the
node count against the count of distinct, non-null primary keys (a damaged page shows up as a
missing or repeated key, or as a read error); per relationship type, the count against the sum over
its (from, to) label pairs, each endpoint having its key. Any read error is a finding, not a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.errors import StakenetError
from graph.model import NODE_TYPES, REL_TYPES, SCHEMA_VERSION


@dataclass
class IntegrityReport:
    """What ``check_integrity`` found: counts read back and the problems, if any."""

    nodes: dict[str, int] = field(default_factory=dict)
    rels: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def verdict(self) -> str:
        """One line: intact with totals, or damaged with the first problems and what to do."""
        if self.ok:
            return (f"ok: schema version {SCHEMA_VERSION}, {sum(self.nodes.values())} nodes in {len(self.nodes)} labels, "
                    f"{sum(self.rels.values())} relationships in {len(self.rels)} types; keys and endpoints agree")
        shown = "; ".join(self.problems[:3]) + (f"; and {len(self.problems) - 3} more" if len(self.problems) > 3 else "")
        return (f"DAMAGED: {shown}. Restore the database from a copy, or load the source files again "
                "into a new --db (loads are repeatable).")


def check_integrity(
    query: Callable[[str], list[list[Any]]], scan: Callable[[str], Iterable[tuple[Any, ...]]] | None = None
) -> IntegrityReport:
    """Check the graph reachable through ``query`` (a Cypher text -> rows as lists).

    ``query`` is the store's raw reader; an error it raises is recorded as a problem. With
    ``scan`` (a streaming reader, ``store.rows``) every property of every node is read back too,
    which finds pages whose text no longer decodes.
    """
    report = IntegrityReport()
    if scan is not None:
        for label, nt in NODE_TYPES.items():
            try:
                for _ in scan(f"MATCH (n:{label}) RETURN " + ", ".join(f"n.{p}" for p in nt.prop_names)):
                    pass
            except (RuntimeError, UnicodeDecodeError, MemoryError, StakenetError) as exc:
                report.problems.append(f"{label} properties: cannot be read ({' '.join(str(exc).split())[:160]})")

    def ask(cypher: str, what: str) -> list[Any] | None:
        try:
            rows = query(cypher)
        except (RuntimeError, MemoryError, StakenetError) as exc:
            report.problems.append(f"{what}: cannot be read ({' '.join(str(exc).split())[:200]})")
            return None
        return list(rows[0]) if rows else []

    version = ask("MATCH (m:Meta) WHERE m.key = 'schema_version' RETURN m.value", "schema version")
    if version is not None and version != [str(SCHEMA_VERSION)]:
        report.problems.append(f"schema version is {version[0] if version else 'missing'}, expected {SCHEMA_VERSION}")
    for label, nt in NODE_TYPES.items():
        row = ask(f"MATCH (n:{label}) RETURN count(*), count(n.{nt.key}), count(DISTINCT n.{nt.key})", f"{label} nodes")
        if row is None:
            continue
        total, keyed, distinct = (int(v) for v in row)
        if label != "Meta":
            report.nodes[label] = total
        if not total == keyed == distinct:
            report.problems.append(f"{label}: {total} nodes but {keyed} keys of which {distinct} distinct")
    for type_, rt in REL_TYPES.items():
        row = ask(f"MATCH ()-[e:{type_}]->() RETURN count(*)", f"{type_} relationships")
        if row is None:
            continue
        total = int(row[0])
        report.rels[type_] = total
        by_pair = 0
        for src, dst in rt.pairs:
            skey, dkey = NODE_TYPES[src].key, NODE_TYPES[dst].key
            pair = ask(f"MATCH (a:{src})-[e:{type_}]->(b:{dst}) RETURN count(*), count(a.{skey}), count(b.{dkey})",
                       f"{type_} ({src}->{dst})")
            if pair is None:
                continue
            n, a_keyed, b_keyed = (int(v) for v in pair)
            by_pair += n
            if not n == a_keyed == b_keyed:
                report.problems.append(f"{type_} ({src}->{dst}): {n} relationships but {min(a_keyed, b_keyed)} "
                                       "with both endpoints' keys")
        if by_pair != total:
            report.problems.append(f"{type_}: {total} relationships but {by_pair} between the labels it joins")
    return report
