"""Interactive network views (pyvis / vis-network pages) of stakenet graphs.

``viz`` renders a networkx graph that already carries its attributes and metrics; it never opens
or queries a store (``graph/cli/`` fetches the graph with ``graph.neighbourhood`` and hands it
here), and nothing under ``graph/`` imports ``viz``.
"""

from viz.views import PageInfo, layout_positions, write_view

__all__ = ["PageInfo", "layout_positions", "write_view"]
