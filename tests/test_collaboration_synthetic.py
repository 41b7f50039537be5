"""The golden report's "Who works with whom" figures, re-derived from the synthetic records without a store."""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path

from graph.records import Rel
from graph.sources import synthetic

GOLDEN = Path(__file__).parent / "golden" / "report_synthetic" / "report.json"


def test_golden_collaboration_counts_match_the_records() -> None:
    # the graph of the golden files: scale 300, seed 7 (tests/test_report.py), report scoped to SE313
    members: dict[str, set[str]] = defaultdict(set)
    roles: dict[tuple[str, str], str] = {}
    located: set[str] = set()
    bought: dict[str, set[str]] = defaultdict(set)
    awarded: dict[str, set[str]] = defaultdict(set)
    for r in synthetic.iter_records(scale=300, seed=7):
        if isinstance(r, Rel) and r.type == "BUYER_OF":
            bought[r.src[1]].add(r.dst[1])
        elif isinstance(r, Rel) and r.type == "AWARDED_TO":
            awarded[r.src[1]].add(r.dst[1])
        if isinstance(r, Rel) and r.type == "BENEFICIARY_OF" and r.props.get("role") in ("lead", "partner"):
            members[r.dst[1]].add(r.src[1])
            roles[(r.src[1], r.dst[1])] = r.props["role"]
        elif isinstance(r, Rel) and r.type == "LOCATED_IN" and r.src[0] == "Organisation" and r.dst[1].startswith("SE313"):
            located.add(r.src[1])
    scoped = {p: m for p, m in members.items() if m & located}
    pairs = {pair for m in scoped.values() for pair in itertools.combinations(sorted(m), 2)}
    role_counts = Counter(role for (o, p), role in roles.items() if p in scoped)
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))["collaboration"]
    assert golden["scope"] == "SE313"
    assert golden["projects"] == len(scoped)
    assert golden["multi_partner_projects"] == sum(len(m) >= 2 for m in scoped.values())
    assert golden["organisations"] == len({o for m in scoped.values() for o in m})
    assert golden["pairs"] == len(pairs)
    assert golden["roles"] == dict(sorted(role_counts.items()))
    suppliers = {b: {s for p in ps for s in awarded[p]} for b, ps in bought.items()}
    buyer_pairs = [(a, b) for a, b in pairs if a in suppliers and b in suppliers]
    assert golden["shared_market"]["buyer_pairs"] == len(buyer_pairs)
    assert golden["shared_market"]["pairs_sharing_suppliers"] == sum(bool(suppliers[a] & suppliers[b]) for a, b in buyer_pairs)
    top = golden["top_pairs"][0]
    assert top["projects"] == max(sum(1 for m in scoped.values() if {a, b} <= m) for a, b in pairs)
