"""What every command shares: the store selection (embedded or Neo4j), opened lazily, closed at exit, and one-line errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from graph.errors import AmbiguousReference, StakenetError
from graph.text import redact_url, safe_text


@dataclass
class StoreConfig:
    """How to reach the store; filled by the group's options."""

    db: Path
    neo4j_uri: str | None
    neo4j_user: str
    neo4j_password: str | None
    neo4j_database: str | None
    store: Any = None

    @property
    def kind(self) -> str:
        return "neo4j" if self.neo4j_uri else "embedded"

    def describe(self) -> str:
        return f"Neo4j at {redact_url(self.neo4j_uri)}" if self.neo4j_uri else f"embedded database {self.db}"


class StakenetGroup(click.Group):
    """A group that turns library errors into click's one-line errors (no tracebacks)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StakenetError as exc:
            # Messages quote data and URLs: control characters escaped, secrets redacted.
            if isinstance(exc, AmbiguousReference):  # the candidates are listed; exit 2 like a usage error
                raise click.UsageError(safe_text(exc)) from exc
            raise click.ClickException(safe_text(exc)) from exc


def get_store(ctx: click.Context, *, write: bool = True, create: bool = False) -> Any:
    """The selected store, opened once per command and closed when the command ends.

    The embedded database is opened read-only unless ``write`` (so several readers can share it
    and a read-only file can be read), and only ``create`` makes a new one at a missing path. A
    writer that finds the last writer's open marker (a crash) checks the graph first.
    """
    cfg = ctx.find_object(StoreConfig)
    assert cfg is not None, "the stakenet group sets up the store configuration"
    if cfg.store is not None:
        return cfg.store
    root = ctx.find_root()
    if cfg.neo4j_uri:
        from graph.store import neo4j as neo4j_store  # type: ignore[attr-defined,unused-ignore]

        driver = neo4j_store.connect(cfg.neo4j_uri, cfg.neo4j_user, cfg.neo4j_password)
        root.call_on_close(driver.close)
        store: Any = neo4j_store.Neo4jStore(driver, database=cfg.neo4j_database)
        store.ensure_schema()
    else:
        from graph.store.embedded import EmbeddedStore, open_database

        conn = open_database(cfg.db, read_only=not write, create=create)
        root.call_on_close(conn.close)
        store = EmbeddedStore(conn)
        if write:
            store.ensure_schema()
        else:
            store.check_schema()
        if getattr(conn, "unclean", False):
            _check_after_crash(store, cfg.db)
    cfg.store = store
    return store


def _rows_of(store: Any) -> Any:
    """A store's reader as the integrity check wants it: Cypher text -> rows as lists."""
    return lambda cypher: [list(row.values()) for row in store.query(cypher)]


def _check_after_crash(store: Any, db: Path) -> None:
    """Run the integrity check on a database whose last writer did not close it; refuse it if damaged."""
    from graph.store.integrity import check_integrity

    found = check_integrity(_rows_of(store), store.rows)
    if not found.ok:
        raise StakenetError(f"{db} was not closed cleanly last time and is {found.verdict()}")
    click.echo(f"note: {db} was not closed cleanly last time; `stakenet check` finds it intact.", err=True)
