"""The ``stakenet`` command line: thin click commands over the library (entry point ``graph.cli:cli``).

Each command parses options, calls one library function and prints its result. The store is
selected once by the group (embedded by default, Neo4j when a URI is given), opened lazily by
``get_store`` (graph/cli/context.py) and closed when the command ends. Library errors
(StakenetError) become one-line ``Error: ...`` messages with exit code 1. This is the edge of the
application: the only package under graph/ allowed to import viz/ (lazily, in graph/cli/views.py).
"""

from graph.cli.main import _effective_argv, cli

__all__ = ["_effective_argv", "cli"]
