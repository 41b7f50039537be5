"""Network reports: one data model, collected from a store, written as JSON, Markdown and HTML.

``collect_report`` (collect.py, with the Cypher in queries.py and the ``--region``/``--org``
profiles in profiles.py) asks the store for the overview, the top organisations, the communities,
the buyer indicators, the bridges between EU funding and procurement and, on request, a region or an
organisation profile. The result is a plain dict that follows ``graph/schemas/report.schema.json``
(checked by schema.py); render.py presents it as Markdown and as HTML (Jinja2 templates in
templates/), charts.py draws its charts with matplotlib, and ``write_report`` (write.py) writes all
of it to a folder.

Everything is deterministic: rows are sorted with ties broken by id, floats are rounded, and the
time, version and command line are parameters, so the same graph gives byte-identical files.

>>> command_line(["--neo4j-password", "s3cret", "report", "--region", "SE313"])
'stakenet --neo4j-password *** report --region SE313'
"""

from graph.errors import ReportError
from graph.report.charts import CHART_TITLES, render_charts
from graph.report.collect import REPORT_FORMAT, ProgressFn, collect_report
from graph.report.profiles import resolve_org
from graph.report.render import md_escape, render_html, render_markdown, to_json
from graph.report.rows import MIN_AWARDS_FOR_SIGNAL, buyer_row
from graph.report.schema import load_schema, validate_report
from graph.report.write import FORMATS, ReportPaths, command_line, parse_formats, write_report

__all__ = [
    "CHART_TITLES",
    "FORMATS",
    "MIN_AWARDS_FOR_SIGNAL",
    "REPORT_FORMAT",
    "ProgressFn",
    "ReportError",
    "ReportPaths",
    "buyer_row",
    "collect_report",
    "command_line",
    "load_schema",
    "md_escape",
    "parse_formats",
    "render_charts",
    "render_html",
    "render_markdown",
    "resolve_org",
    "to_json",
    "validate_report",
    "write_report",
]
