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


class ReportError(StakenetError):
    """A report cannot be made as asked (unknown region or organisation, bad format, ...)."""


class QueryError(StakenetError):
    """A query file, a query name, a parameter or an ad-hoc query is wrong."""
