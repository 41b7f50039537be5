"""The stakenet error hierarchy: typed in the library, made friendly by the CLI."""


class StakenetError(Exception):
    """Base class of every error stakenet raises on purpose; its message tells what to do."""


class SchemaError(StakenetError):
    """A record or database does not fit the graph model in graph/model.py."""


class SourceError(StakenetError):
    """A source (file, SPARQL endpoint) could not be read or parsed."""


class StoreError(StakenetError):
    """A store (embedded database, Neo4j) could not be opened, written or queried."""


class AnalysisError(StakenetError):
    """A network metric or indicator cannot be computed for the given graph."""


class AmbiguousReference(StakenetError):
    """A name given by the user matches several organisations; the message lists the candidates (CLI exit 2)."""


class ReportError(StakenetError):
    """A report cannot be made as asked (unknown region or organisation, bad format, ...)."""


class ExportError(StakenetError):
    """A network cannot be exported as asked (unknown format or network, target exists, cannot write)."""


class QueryError(StakenetError):
    """A query file, a query name, a parameter or an ad-hoc query is wrong."""


class RowError(SourceError, ValueError):
    """A cell that cannot be parsed; the row goes to the rejects file.

    Also a ValueError, as it was before the hierarchy took it in, so callers catching ValueError
    around a cell parser keep working.
    """

    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.value, self.reason = field, value, reason


class TransientSourceError(SourceError):
    """A request failed in a way worth retrying (timeout, dropped connection, 429, 5xx, bad JSON)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
