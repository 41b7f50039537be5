"""What a source made of one file (rows, rejects, data-quality findings) and the rejects CSV."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Reject:
    """A row that could not be loaded: where it is, which field, and why."""

    file: str
    row: int
    field: str
    value: str
    reason: str


@dataclass
class FileReport:
    """What a source made of one file: rows read and loaded, rejects, data-quality findings.

    ``quality`` maps a finding (e.g. ``"organisation number fails its check digit"``) to the items
    it concerns; ``notes`` counts things worth knowing that are not errors; ``placements`` counts
    distinct buyers by the rule that placed them in a county (``graph.placement.RULES``) or ``unplaced``.
    """

    path: str
    kind: str
    rows: int = 0
    rejects: list[Reject] = field(default_factory=list)
    quality: dict[str, list[str]] = field(default_factory=dict)
    notes: Counter[str] = field(default_factory=Counter)
    placements: Counter[str] = field(default_factory=Counter)
    source_id: str = ""
    seconds: float = 0.0

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejects})

    @property
    def loaded(self) -> int:
        return self.rows - self.rejected_rows

    def reject(self, row: int, field_: str, value: Any, reason: str) -> None:
        self.rejects.append(Reject(self.path, row, field_, "" if value is None else str(value), reason))

    def flag(self, finding: str, item: str) -> None:
        items = self.quality.setdefault(finding, [])
        if item not in items:
            items.append(item)


def write_rejects(path: Path, rejects: Sequence[Reject]) -> None:
    """Write rejected rows as CSV: file, row, field, value, reason."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "row", "field", "value", "reason"])
        for r in rejects:
            w.writerow([r.file, r.row, r.field, r.value, r.reason])
