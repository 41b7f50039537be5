"""Checks a report's data against its JSON Schema, graph/schemas/report.schema.json."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from graph.errors import ReportError


def load_schema() -> dict[str, Any]:
    """The JSON Schema of the report (graph/schemas/report.schema.json)."""
    text = resources.files("graph.schemas").joinpath("report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_report(data: Mapping[str, Any]) -> None:
    """Raise ReportError when ``data`` does not follow report.schema.json."""
    import jsonschema

    try:
        jsonschema.validate(data, load_schema(), cls=jsonschema.Draft202012Validator)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise ReportError(f"report JSON does not follow report.schema.json at {where}: {exc.message}") from exc
