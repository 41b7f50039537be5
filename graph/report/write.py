"""Writes a report to a folder: report.json, report.md with charts/*.png, and report.html."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from graph.errors import ReportError
from graph.report.charts import CHART_TITLES, render_charts
from graph.report.collect import ProgressFn, collect_report
from graph.report.render import render_html, render_markdown, to_json
from graph.report.schema import validate_report

FORMATS = ("md", "html", "json")


@dataclass
class ReportPaths:
    """The files a report run wrote."""

    out_dir: Path
    markdown: Path | None = None
    html: Path | None = None
    json: Path | None = None
    charts: list[Path] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict, repr=False)  # the report's data (views to write, ...)

    def all(self) -> list[Path]:
        """Every written file, reports first."""
        return [p for p in (self.markdown, self.html, self.json) if p is not None] + list(self.charts)


# -- the command line as the report states it -----------------------------------------------------

_SECRET_OPTIONS = ("--neo4j-password",)
_URI_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def command_line(argv: Sequence[str], prog: str = "stakenet") -> str:
    """The command line as the report states it, with passwords and URI credentials masked.

    >>> command_line(["--neo4j-uri", "neo4j://bob:pw@host:7687", "report"])
    "stakenet --neo4j-uri 'neo4j://***@host:7687' report"
    """
    out: list[str] = [prog]
    mask_next = False
    for arg in argv:
        if mask_next:
            out.append("***")
            mask_next = False
            continue
        if arg in _SECRET_OPTIONS:
            out.append(arg)
            mask_next = True
            continue
        name, eq, _ = arg.partition("=")
        if eq and name in _SECRET_OPTIONS:
            out.append(f"{name}=***")
            continue
        out.append(shlex.quote(_URI_USERINFO.sub("***@", arg)))
    return " ".join(out)


# -- writing ------------------------------------------------------------------------------------


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    """Formats from ``"md,html,json"`` (or a sequence), in the canonical order; unknown ones raise.

    >>> parse_formats("json, md")
    ('md', 'json')
    """
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    unknown = sorted(set(items) - set(FORMATS))
    if unknown or not items:
        raise ReportError(f"unknown report format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in items)


def write_report(
    store: Any,
    out_dir: str | Path,
    *,
    formats: Iterable[str] = FORMATS,
    region: str | None = None,
    org: str | None = None,
    top: int = 10,
    synthetic: bool = False,
    command: str | None = None,
    now: datetime | str | None = None,
    version: str | None = None,
    progress: ProgressFn | None = None,
    view_prefix: str = "stakenet",
) -> ReportPaths:
    """Collect the report from ``store`` and write ``report.md`` (+ ``charts/*.png``), ``report.html``
    and ``report.json`` into ``out_dir``; returns the paths written.

    The JSON is validated against report.schema.json before anything is written.
    """
    chosen = parse_formats(formats)
    data = collect_report(
        store, region=region, org=org, top=top, synthetic=synthetic, command=command, now=now, version=version,
        progress=progress, view_prefix=view_prefix,
    )
    validate_report(data)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create the report folder {out}: {exc.strerror}") from exc
    paths = ReportPaths(out, data=data)
    charts: dict[str, bytes] = {}
    if "md" in chosen or "html" in chosen:
        if progress:
            progress("charts")
        charts = render_charts(data)
    if "json" in chosen:
        paths.json = out / "report.json"
        paths.json.write_text(to_json(data), encoding="utf-8")
    if "md" in chosen:
        chart_dir = out / "charts"
        chart_dir.mkdir(exist_ok=True)
        files = {}
        for stale in set(CHART_TITLES) - set(charts):  # a chart with no data this time must not linger
            (chart_dir / f"{stale}.png").unlink(missing_ok=True)
        for name, png in charts.items():
            path = chart_dir / f"{name}.png"
            path.write_bytes(png)
            paths.charts.append(path)
            files[name] = f"charts/{name}.png"
        paths.markdown = out / "report.md"
        paths.markdown.write_text(render_markdown(data, files), encoding="utf-8")
    if "html" in chosen:
        paths.html = out / "report.html"
        paths.html.write_text(render_html(data, charts), encoding="utf-8")
    return paths
