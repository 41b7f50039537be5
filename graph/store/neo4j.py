"""The Neo4j store: the same interface as the embedded store, over the official ``neo4j`` driver.

The CLI opens the driver once (:func:`connect`) and hands it to :class:`Neo4jStore`. The schema
comes from graph/model.py: a unique constraint (hence an index) for every node key, and a ``Meta``
node holding the schema version.

Loads are idempotent upserts. Records are cut into batches (default 10,000); each batch is
folded in Python as the embedded store folds it (graph/store/batch.py), then written in **one** write
transaction through ``session.execute_write`` (so the driver retries transient failures): one
``UNWIND $rows ... MERGE`` statement per node label, then one per relationship type and label pair.
Known values are never overwritten with unknown ones (``None`` properties are dropped before
``SET n += ...``), ``source`` accumulates ``;``-joined and ``aliases`` are unioned, both sorted. A batch that
fails leaves earlier batches committed, so rerunning the same load completes it. While one batch
is written, the next one is validated and folded in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import neo4j
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    CypherSyntaxError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from graph.errors import QueryError, SchemaError, StoreError
from graph.model import NODE_TYPES, REL_TYPES, SCHEMA_VERSION, NodeType, RelType
from graph.records import Record, batches
from graph.store import Counts, LoadStats
from graph.store.batch import (
    BATCH_SIZE_TOO_SMALL,
    READ_ONLY_REFUSED,
    SET_PROPS,
    count_graph,
    fold_batch,
    missing_endpoint_message,
    one_line,
    plain,
    property_columns,
    validate_in_batch,
)

DEFAULT_BATCH_SIZE = 10_000

_SPECIAL = ("source", *sorted(SET_PROPS))
_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")  # merged by rule, not overwritten


def _unreachable(uri: str) -> str:
    return f"cannot reach Neo4j at {uri}. Start it with docker compose up -d --wait, or set NEO4J_URI."


def connect(uri: str, user: str = "neo4j", password: str | None = None) -> neo4j.Driver:
    """Open a driver to Neo4j at ``uri`` and check that the server answers.

    Without a password the driver connects without authentication (a server with auth disabled,
    such as the test server of ``make neo4j``). The password is never put in a message.

    >>> connect("bolt://127.0.0.1:1")
    Traceback (most recent call last):
    ...
    graph.errors.StoreError: cannot reach Neo4j at bolt://127.0.0.1:1. Start it with docker compose up -d --wait, or set NEO4J_URI.
    """
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if scheme not in _SCHEMES:
        raise StoreError(
            f"--neo4j-uri {uri!r} is not a Neo4j URI; use e.g. neo4j://localhost:7687 or bolt://127.0.0.1:7687 "
            f"(schemes: {', '.join(_SCHEMES)})"
        )
    auth = neo4j.basic_auth(user, password) if password is not None else None
    try:
        driver = neo4j.GraphDatabase.driver(
            uri, auth=auth, connection_timeout=10.0, max_transaction_retry_time=30.0, notifications_min_severity="OFF"
        )
    except (ConfigurationError, ValueError) as exc:
        raise StoreError(
            f"--neo4j-uri {uri!r} is not a Neo4j URI ({exc}); use e.g. neo4j://localhost:7687 or bolt://127.0.0.1:7687"
        ) from exc
    try:
        driver.verify_connectivity()
    except AuthError:
        driver.close()
        how = "the password given" if password is not None else "no password"
        raise StoreError(
            f"Neo4j at {uri} refused the credentials of user {user!r} ({how}): wrong user or password. "
            "Set NEO4J_USER and NEO4J_PASSWORD (or --neo4j-user / --neo4j-password)."
        ) from None
    except (ServiceUnavailable, SessionExpired, OSError) as exc:
        driver.close()
        raise StoreError(_unreachable(uri)) from exc
    except Neo4jError as exc:
        driver.close()
        raise StoreError(f"Neo4j at {uri} refused the connection: {exc.message}") from exc
    except DriverError as exc:
        driver.close()
        raise StoreError(f"{_unreachable(uri)} ({type(exc).__name__})") from exc
    return driver


def _sorted_union(old: str, new: str) -> str:
    """Cypher: the sorted union of lists ``old`` and ``new`` (no repeats), as batch.merge_into keeps them."""
    return (
        f"reduce(acc = [], x IN coalesce({old}, []) + coalesce({new}, []) | "
        "CASE WHEN x IN acc THEN acc ELSE [y IN acc WHERE y < x] + [x] + [y IN acc WHERE y > x] END)"
    )


def _source_expr(var: str) -> str:
    """Cypher folding ``row.source`` (possibly ';'-joined) into ``var.source``: sorted, without repeats."""
    parts = _sorted_union(f"split({var}.source, ';')", "split(row.source, ';')")
    return f"reduce(acc = NULL, x IN [y IN {parts} WHERE y <> ''] | CASE WHEN acc IS NULL THEN x ELSE acc + ';' + x END)"


def _set_expr(var: str, name: str) -> str:
    return f"CASE WHEN row.{name} IS NULL THEN {var}.{name} ELSE {_sorted_union(f'{var}.{name}', f'row.{name}')} END"


def _merge_sets(var: str, prop_names: Sequence[str]) -> str:
    sets = [f"{var} += row.p"]
    if "source" in prop_names:
        sets.append(f"{var}.source = {_source_expr(var)}")
    for name in SET_PROPS:
        if name in prop_names:
            sets.append(f"{var}.{name} = {_set_expr(var, name)}")
    return "SET " + ", ".join(sets)


def _node_cypher(nt: NodeType) -> str:
    """MERGE the rows' nodes; return the keys of those that did not exist before."""
    return (
        f"UNWIND $rows AS row OPTIONAL MATCH (old:{nt.label} {{{nt.key}: row.k}}) WITH row, old IS NULL AS fresh "
        f"MERGE (n:{nt.label} {{{nt.key}: row.k}}) {_merge_sets('n', nt.prop_names)} "
        "WITH row, fresh WHERE fresh RETURN collect(row.k) AS created"
    )


def _rel_cypher(rt: RelType, src: NodeType, dst: NodeType) -> str:
    keys = ", ".join(f"{k}: row.{k}" for k in rt.key)
    return (
        f"UNWIND $rows AS row "
        f"MATCH (a:{src.label} {{{src.key}: row.s}}) MATCH (b:{dst.label} {{{dst.key}: row.d}}) "
        f"MERGE (a)-[e:{rt.type}{' {' + keys + '}' if keys else ''}]->(b) "
        f"{_merge_sets('e', rt.prop_names)} RETURN count(*) AS n"
    )


def _rel_create_cypher(rt: RelType, src: NodeType, dst: NodeType) -> str:
    """CREATE for relationships known to be new: one endpoint did not exist before this transaction."""
    return (
        f"UNWIND $rows AS row "
        f"MATCH (a:{src.label} {{{src.key}: row.s}}) MATCH (b:{dst.label} {{{dst.key}: row.d}}) "
        f"CREATE (a)-[e:{rt.type}]->(b) SET e += row.p, e.source = row.source RETURN count(*) AS n"
    )


def _plain_props(props: Mapping[str, Any], types: Mapping[str, str], skip: Iterable[str]) -> dict[str, Any]:
    """Known (non-None) properties, DOUBLEs as floats, without the ones merged by rule."""
    skip = set(skip)
    out: dict[str, Any] = {}
    for k, v in props.items():
        if v is None or k in skip:
            continue
        out[k] = float(v) if types.get(k) == "DOUBLE" else v
    return out


def _short(record: Record, limit: int = 300) -> str:
    text = repr(record)
    return text if len(text) <= limit else text[: limit - 15] + f"... ({len(text)} chars)"


class _Statement:
    """One UNWIND statement of a batch, with its rows and what they came from."""

    __slots__ = ("cypher", "rows", "origins", "kind", "check", "create_cypher", "label")

    def __init__(
        self, cypher: str, rows: list[dict[str, Any]], origins: list[Record], kind: str, check: Any = None, label: str = ""
    ):
        self.label = label  # for nodes
        self.cypher = cypher
        self.rows = rows
        self.origins = origins
        self.kind = kind  # "node" or "rel"
        self.check = check  # for rels: (rt, src NodeType, dst NodeType)
        self.create_cypher = _rel_create_cypher(*check) if check else ""


class Neo4jStore:
    """The stakenet graph in Neo4j, handed an open driver (see :func:`connect`).

    ``database`` is the Neo4j database name (None: the server's default); ``batch_size`` the
    default number of records per write transaction.
    """

    dialect = "neo4j"

    def __init__(self, driver: neo4j.Driver, database: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        self._node_cypher = {label: _node_cypher(nt) for label, nt in NODE_TYPES.items()}
        self._types = {
            **{label: {p.name: p.type for p in nt.props} for label, nt in NODE_TYPES.items()},
            **{type_: {p.name: p.type for p in rt.props} for type_, rt in REL_TYPES.items()},
        }

    # -- plumbing ---------------------------------------------------------------------------
    def _session(self, **kwargs: Any) -> neo4j.Session:
        return self.driver.session(database=self.database, **kwargs)

    def _fail(self, exc: Exception, what: str) -> StoreError:
        if isinstance(exc, (ServiceUnavailable, SessionExpired)):
            return StoreError(f"lost the connection to Neo4j during {what}: {one_line(str(exc))}")
        if isinstance(exc, Neo4jError):
            return StoreError(f"Neo4j refused {what}: {one_line(exc.message)}")
        return StoreError(f"{what} failed: {one_line(str(exc))}")

    def _run(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        # An auto-commit transaction, so that ``CALL { ... } IN TRANSACTIONS`` works too.
        try:
            with self._session() as session:
                return [r.data() for r in session.run(cypher, dict(params or {}))]
        except (Neo4jError, DriverError) as exc:
            raise self._fail(exc, "the query") from exc

    # -- schema -----------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create constraints and indexes from graph/model.py; refuse another schema version."""
        found = self._run("MATCH (m:Meta {key: 'schema_version'}) RETURN m.value AS v")
        if found:
            version = found[0]["v"]
            if version != str(SCHEMA_VERSION):
                raise SchemaError(
                    f"this Neo4j database has stakenet schema version {version}, this stakenet uses "
                    f"{SCHEMA_VERSION}. Use another database (--neo4j-database) and load again (loads are repeatable)."
                )
        else:
            other = self._run("MATCH (n) WHERE NOT n:Meta RETURN labels(n) AS l LIMIT 1")
            if other:
                raise SchemaError(
                    f"this Neo4j database holds nodes not made by stakenet (labels {other[0]['l']}) and no "
                    "stakenet schema version. Use another database (--neo4j-database) or an empty server."
                )
        for nt in NODE_TYPES.values():
            self._run(
                f"CREATE CONSTRAINT stakenet_{nt.label.lower()}_{nt.key} IF NOT EXISTS "
                f"FOR (n:{nt.label}) REQUIRE n.{nt.key} IS UNIQUE"
            )
        # No index on relationship key properties (AWARDED_TO.lot_id): MERGE finds a relationship by
        # expanding from its sparser endpoint, while a plan cached on a still-empty database would
        # seek such a low-cardinality index instead ("1", "2", ...) and scan half the relationships
        # per row: 6x slower loads measured. An index left by an earlier stakenet is dropped.
        for rt in REL_TYPES.values():
            for k in rt.key:
                self._run(f"DROP INDEX stakenet_{rt.type.lower()}_{k} IF EXISTS")
        self._run("CALL db.awaitIndexes(300)")
        if not found:
            self._run("MERGE (m:Meta {key: 'schema_version'}) SET m.value = $v", {"v": str(SCHEMA_VERSION)})

    def clear(self) -> None:
        """Delete every relationship, then every node, in batches (constraints and indexes stay).

        Relationships go first and on their own: deleting a node with a million relationships in
        one transaction would exceed the server's transaction memory.
        """
        self._run("MATCH ()-[e]->() CALL { WITH e DELETE e } IN TRANSACTIONS OF 50000 ROWS")
        self._run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 50000 ROWS")

    # -- loading ----------------------------------------------------------------------------
    def load(
        self,
        records: Iterable[Record],
        *,
        batch_size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> LoadStats:
        """Upsert ``records`` in batches, each in its own write transaction; reloading changes nothing.

        Nodes of a batch are written before its relationships. A relationship whose endpoint exists
        neither in the database nor earlier in the stream, or a batch the server refuses, raises
        StoreError naming the batch and the first offending record; earlier batches stay committed.
        """
        size = self.batch_size if batch_size is None else batch_size
        if size < 1:
            raise StoreError(BATCH_SIZE_TOO_SMALL)
        stats = LoadStats()
        # One worker thread writes batch N while this thread validates and folds batch N+1 (the
        # driver waits on the socket without the GIL). Batch N+1 is sent only once batch N has
        # committed, so a relationship may use a node of any earlier batch.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stakenet-neo4j-load") as pool:
            pending: tuple[Future[LoadStats], int] | None = None

            def finish() -> None:
                nonlocal pending
                if pending is not None:
                    future, n_records = pending
                    pending = None
                    stats.add(future.result())
                    if progress:
                        progress(n_records)

            def submit(batch: list[Record], number: int) -> None:
                nonlocal pending
                try:
                    statements = self._statements(batch, number)
                except BaseException:
                    finish()  # an error in the batch in flight is the earlier one: it wins
                    raise
                finish()
                pending = (pool.submit(self._write_batch, statements, number, len(batch)), len(batch))

            for number, batch in enumerate(batches(records, size), start=1):
                submit(batch, number)
            finish()
        return stats

    def _statements(self, batch: Sequence[Record], number: int) -> list[_Statement]:
        folded = fold_batch(
            batch, lambda record: validate_in_batch(record, number, _short), every_record=True, keep_origins=True
        )
        nodes, rels, origin = folded.nodes, folded.rels, folded.origins
        out: list[_Statement] = []
        for label in sorted(nodes):
            nt = NODE_TYPES[label]
            types = self._types[label]
            rows: list[dict[str, Any]] = []
            origins: list[Record] = []
            for k, props in nodes[label].items():
                rows.append(
                    {
                        "k": k,
                        "p": _plain_props(props, types, (nt.key, *_SPECIAL)),
                        "source": props.get("source"),
                        **{name: props.get(name) for name in SET_PROPS},
                    }
                )
                origins.append(origin[(label, k)])
            out.append(_Statement(self._node_cypher[label], rows, origins, "node", label=label))
        for group in sorted(rels):
            type_, src_label, dst_label = group
            rt = REL_TYPES[type_]
            src, dst = NODE_TYPES[src_label], NODE_TYPES[dst_label]
            types = self._types[type_]
            rows, origins = [], []
            for ident, props in rels[group].items():
                row = {"s": ident[0], "d": ident[1], "source": props.get("source")}
                row["p"] = _plain_props(props, types, ("source",))
                for n, k in enumerate(rt.key):
                    row[k] = ident[2 + n]
                rows.append(row)
                origins.append(origin[(group, ident)])
            out.append(_Statement(_rel_cypher(rt, src, dst), rows, origins, "rel", (rt, src, dst)))
        return out

    def _write_batch(self, statements: Sequence[_Statement], number: int, n_records: int) -> LoadStats:
        stats = LoadStats(records=n_records, batches=1)

        def work(tx: neo4j.ManagedTransaction) -> list[tuple[int, int]]:
            done = []
            # Nodes this transaction created: a relationship to one of them cannot exist yet, and
            # the batch holds each relationship once, so CREATE (cheaper than MERGE) is exact.
            fresh: dict[str, set[str]] = {}
            for st in statements:
                if st.kind == "node":
                    result = tx.run(st.cypher, rows=st.rows)
                    created = result.single(strict=True)["created"]
                    fresh[st.label] = set(created)
                    done.append((len(created), len(st.rows)))
                    continue
                src_fresh = fresh.get(st.check[1].label, set())
                dst_fresh = fresh.get(st.check[2].label, set())
                new_rows: list[dict[str, Any]] = []
                other_rows: list[dict[str, Any]] = []
                for row in st.rows:
                    (new_rows if row["s"] in src_fresh or row["d"] in dst_fresh else other_rows).append(row)
                matched = rels_created = 0
                for cypher, rows in ((st.create_cypher, new_rows), (st.cypher, other_rows)):
                    if rows:
                        result = tx.run(cypher, rows=rows)
                        matched += result.single(strict=True)["n"]
                        rels_created += result.consume().counters.relationships_created
                if matched < len(st.rows):
                    raise _MissingEndpoint(self._missing_endpoint(tx, st, number))
                done.append((rels_created, len(st.rows)))
            return done

        try:
            with self._session() as session:
                done = session.execute_write(work)
        except _MissingEndpoint as exc:
            raise StoreError(str(exc)) from None
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreError(
                f"batch {number}: lost the connection to Neo4j ({one_line(str(exc))}). Earlier batches are "
                "committed; run the same load again to complete it."
            ) from exc
        except Neo4jError as exc:
            culprit = self._first_offender(statements)
            raise StoreError(
                f"batch {number}: Neo4j refused it: {one_line(exc.message)[:400]}; first offending record: {culprit}. "
                "Earlier batches are committed; fix the record and run the load again."
            ) from exc
        for st, (created, rows) in zip(statements, done):
            if st.kind == "node":
                stats.nodes_created += created
                stats.nodes_updated += rows - created
            else:
                stats.rels_created += created
                stats.rels_updated += rows - created
        return stats

    @staticmethod
    def _missing_endpoint(tx: neo4j.ManagedTransaction, st: _Statement, number: int) -> str:
        rt, src, dst = st.check
        for end, key_field in ((src, "s"), (dst, "d")):
            keys = sorted({row[key_field] for row in st.rows})
            found = {
                r["k"]
                for r in tx.run(
                    f"UNWIND $keys AS k MATCH (n:{end.label} {{{end.key}: k}}) RETURN k", keys=keys
                )
            }
            missing = [k for k in keys if k not in found]
            if missing:
                i = next(i for i, row in enumerate(st.rows) if row[key_field] == missing[0])
                return missing_endpoint_message(
                    number, rt.type, (src.label, st.rows[i]["s"]), (dst.label, st.rows[i]["d"]), end.label, missing,
                    _short(st.origins[i]),
                )
        return f"batch {number}: {rt.type}: some endpoints do not exist"

    def _first_offender(self, statements: Sequence[_Statement]) -> str:
        """Replay a refused batch row by row in a transaction that is rolled back; name the first bad row."""
        try:
            with self._session() as session:
                tx = session.begin_transaction()
                try:
                    for st in statements:
                        for row, origin in zip(st.rows, st.origins):
                            try:
                                tx.run(st.cypher, rows=[row]).consume()
                            except Neo4jError:
                                return _short(origin)
                finally:
                    if not tx.closed():
                        tx.rollback()
        except (Neo4jError, DriverError):
            pass
        return "(not found by replaying the batch row by row)"

    # -- reading and writing back ----------------------------------------------------------
    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run ``cypher`` with ``$parameters`` and return every row as a dict."""
        return self._run(cypher, params)

    def run(
        self, cypher: str, params: Mapping[str, Any] | None = None, *, write: bool = False,
        timeout: float | None = None,
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one ad-hoc statement, read-only unless ``write``: its columns and rows.

        Read-only is the driver's ``execute_read`` in a READ-mode session (the server refuses
        writes); refusals and syntax errors raise QueryError with the server's first line.
        ``timeout`` (seconds) is the server's transaction timeout.
        """

        @neo4j.unit_of_work(timeout=timeout)
        def work(tx: neo4j.ManagedTransaction) -> tuple[list[str], list[tuple[Any, ...]]]:
            res = tx.run(cypher, dict(params or {}))
            keys = list(res.keys())
            return keys, [tuple(plain(v) for v in rec.values()) for rec in res]

        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        try:
            with self._session(default_access_mode=mode) as session:
                return session.execute_write(work) if write else session.execute_read(work)
        except CypherSyntaxError as exc:
            raise QueryError(one_line(f"Cypher syntax error: {exc.message}")) from exc
        except ClientError as exc:
            if "AccessMode" in (exc.code or "") or "read access mode" in (exc.message or ""):
                raise QueryError(READ_ONLY_REFUSED) from exc
            if "Timeout" in (exc.code or "") or "terminated" in (exc.message or "").lower():
                raise QueryError(f"the query ran longer than --timeout {timeout:g} s and was stopped") from exc
            raise QueryError(one_line(f"the query failed on Neo4j: {exc.message}")) from exc
        except Neo4jError as exc:
            raise QueryError(one_line(f"the query failed on Neo4j: {exc.message}")) from exc
        except DriverError as exc:
            raise self._fail(exc, "the query") from exc

    def rows(
        self, cypher: str, params: Mapping[str, Any] | None = None, chunk: int = 100_000
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the rows of ``cypher`` as tuples (the driver fetches ``chunk`` records at a time)."""
        try:
            with self._session(fetch_size=chunk) as session:
                result = session.run(cypher, dict(params or {}))
                for record in result:
                    yield tuple(record.values())
        except (Neo4jError, DriverError) as exc:
            raise self._fail(exc, "the query") from exc

    def write_properties(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Set properties on existing ``label`` nodes; each row holds the key and the values.

        Values are written as given (``None`` clears), so metrics of an earlier run do not linger.
        Rows go in batches of ``batch_size``, each in its own write transaction.
        """
        nt = NODE_TYPES[label]
        if not rows:
            return 0
        names = property_columns(label, rows)
        types = self._types[label]
        sets = ", ".join(f"n.{n} = row.{n}" for n in names)
        cypher = (
            f"UNWIND $rows AS row MATCH (n:{label} {{{nt.key}: row.k}}) "
            f"{'SET ' + sets if sets else ''} RETURN count(*) AS n"
        )
        total = 0
        for start in range(0, len(rows), self.batch_size):
            chunk = []
            for r in rows[start : start + self.batch_size]:
                row: dict[str, Any] = {"k": r[nt.key]}
                for n in names:
                    v = r.get(n)
                    row[n] = float(v) if v is not None and types[n] == "DOUBLE" else v
                chunk.append(row)
            try:
                with self._session() as session:
                    total += session.execute_write(_write_rows, cypher, chunk)
            except (Neo4jError, DriverError) as exc:
                raise self._fail(exc, f"writing {label} properties") from exc
        return total

    def counts(self) -> Counts:
        """Nodes per label and relationships per type (from Neo4j's count store: cheap)."""
        try:
            with self._session() as session:
                return count_graph(lambda cypher: session.run(cypher).single(strict=True)["c"])
        except (Neo4jError, DriverError) as exc:
            raise self._fail(exc, "counting") from exc


def _write_rows(tx: neo4j.ManagedTransaction, cypher: str, rows: list[dict[str, Any]]) -> int:
    return int(tx.run(cypher, rows=rows).single(strict=True)["n"])


class _MissingEndpoint(Exception):
    """Raised inside a batch's transaction (so it rolls back) when a relationship has no endpoint."""


__all__ = ["connect", "Neo4jStore", "DEFAULT_BATCH_SIZE"]
