"""Reports: known answers on a small hand-made graph, golden files on a fixed synthetic graph,
schema validation, escaping of names from data, the CLI, and the HTML in real headless Chromium.

Regenerate the golden files after an intended change with::

    STAKENET_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_report.py -k golden

and review the diff (git diff tests/golden) before committing it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from graph import report
from graph.analysis.analyze import analyze
from graph.cli import cli
from graph.records import Node, Record, Rel
from graph.sources import synthetic
from graph.store.embedded import EmbeddedStore, open_database

GOLDEN = Path(__file__).resolve().parent / "golden" / "report_synthetic"
SCHEMA_FILE = Path(report.__file__).resolve().parents[1] / "schemas" / "report.schema.json"
REGEN = os.environ.get("STAKENET_REGEN_GOLDEN") == "1"
FIXED = {"now": "2026-01-01T00:00:00Z", "version": "0.0.0-test", "command": "stakenet report --region SE313"}

XSS = "<img src=x onerror=alert(1)>"
SCRIPT_TITLE = "<script>alert(2)</script>"
R = "SE-ON:2321000198"  # Region Gävleborg
D = "SE-ON:2321000206"  # Region Dalarna (fixture id)
X = "NAME:upphandling:xss"
S2 = "SE-ON:5560000001"
S3 = "NAME:upphandling:soder"
T = "report-test"


def _rel(type_: str, src: tuple[str, str], dst: tuple[str, str], **props: Any) -> Rel:
    return Rel(type_, src, dst, {"source": T, **props})


def small_records() -> list[Record]:
    """A graph whose indicators are easy to compute by hand (see the expected values in the tests)."""
    recs: list[Record] = [
        Node("Country", {"code": "SE", "name": "Sverige", "source": T}),
        Node("Region", {"nuts_code": "SE3", "name": "Norra Sverige", "level": 1, "source": T}),
        Node("Region", {"nuts_code": "SE31", "name": "Norra Mellansverige", "level": 2, "source": T}),
        Node("Region", {"nuts_code": "SE313", "name": "Gävleborgs län", "level": 3, "source": T}),
        Node("Region", {"nuts_code": "SE312", "name": "Dalarnas län", "level": 3, "source": T}),
        _rel("PART_OF", ("Region", "SE3"), ("Country", "SE")),
        _rel("PART_OF", ("Region", "SE31"), ("Region", "SE3")),
        _rel("PART_OF", ("Region", "SE313"), ("Region", "SE31")),
        _rel("PART_OF", ("Region", "SE312"), ("Region", "SE31")),
        Node("Fund", {"code": "ERDF", "source": T}),
        Node("Fund", {"code": "ESF", "source": T}),
        Node("Source", {"source_id": "upphandling:awards.csv:abc", "kind": "upphandling", "path": "awards.csv",
                        "loaded_at": "2026-01-01T00:00:00Z", "rows": 10, "rejected": 2, "notes": "test file"}),
        Node("Organisation", {"org_id": R, "name": "Region Gävleborg", "org_number": "2321000198", "org_number_valid": True,
                              "aliases": ["Gävleborgs Läns Landsting"], "is_public": True, "source": T}),
        Node("Organisation", {"org_id": D, "name": "Region Dalarna", "org_number": "2321000206", "org_number_valid": False,
                              "quality": "org number fails check digit", "is_public": True, "source": T}),
        Node("Organisation", {"org_id": X, "name": XSS, "size": "small", "source": T}),
        Node("Organisation", {"org_id": S2, "name": "Norr AB", "org_number": "5560000001", "size": "large", "source": T}),
        Node("Organisation", {"org_id": S3, "name": "Söder | AB *star* `x", "size": "micro", "source": T}),
        _rel("LOCATED_IN", ("Organisation", R), ("Region", "SE313")),
        _rel("LOCATED_IN", ("Organisation", X), ("Region", "SE313")),
        _rel("LOCATED_IN", ("Organisation", S3), ("Region", "SE313")),
        _rel("LOCATED_IN", ("Organisation", D), ("Region", "SE312")),
        _rel("LOCATED_IN", ("Organisation", S2), ("Region", "SE312")),
    ]
    procs = [
        ("P1", R, 100.0, True, None),
        ("P2", R, 50.0, False, False),
        ("P3", R, None, None, None),
        ("P4", D, 70.0, True, True),
    ]
    for pid, buyer, value, env, innovation in procs:
        recs.append(Node("Procurement", {"procurement_id": pid, "title": f"{SCRIPT_TITLE} {pid}", "value": value, "currency": "SEK",
                                         "env_sustainable": env, "innovation": innovation, "cpv": "79624000", "source": T}))
        recs.append(_rel("BUYER_OF", ("Organisation", buyer), ("Procurement", pid)))
    for pid, lot, supplier in (("P1", "1", X), ("P1", "2", X), ("P2", "1", X), ("P2", "1", S2), ("P3", "1", S3), ("P4", "1", S2)):
        recs.append(_rel("AWARDED_TO", ("Procurement", pid), ("Organisation", supplier), lot_id=lot))
    for pid, region, fund, budget, members in (
        ("PR1", "SE313", "ERDF", 1000.0, [R, X]),
        ("PR2", "SE313", "ESF", 500.0, [R]),
        ("PR3", "SE312", "ERDF", 200.0, [D]),
    ):
        recs.append(Node("Project", {"project_id": pid, "title": f"{SCRIPT_TITLE} {pid}", "eu_budget": budget, "currency": "SEK", "source": T}))
        recs.append(_rel("LOCATED_IN", ("Project", pid), ("Region", region)))
        recs.append(_rel("FUNDED_BY", ("Project", pid), ("Fund", fund)))
        recs += [_rel("BENEFICIARY_OF", ("Organisation", o), ("Project", pid), role="lead" if i == 0 else "partner")
                 for i, o in enumerate(members)]
    return recs


@pytest.fixture
def small_store(embedded_store: EmbeddedStore) -> EmbeddedStore:
    embedded_store.load(small_records())
    analyze(embedded_store, seed=1)
    return embedded_store


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory: pytest.TempPathFactory):
    """The fixed synthetic graph of the golden files: scale 300, seed 7, analysed with seed 42."""
    conn = open_database(tmp_path_factory.mktemp("synthetic") / "g.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load(synthetic.iter_records(scale=300, seed=7))
    analyze(store, seed=42)
    yield store
    conn.close()


# -- known answers --------------------------------------------------------------------------------


def test_buyer_indicators_match_hand_computation(small_store: EmbeddedStore) -> None:
    data = report.collect_report(small_store, region="SE313", org=R, **FIXED)
    rows = {r["org_id"]: r for r in data["buyers"]["top"]}
    assert sorted(rows) == [R, D], "X supplies but never buys, so it has no buyer row"
    r = rows[R]
    assert r == data["org"]["buyer"], "the org profile shows the same figures"
    # awards: X x3 (P1 lot 1, P1 lot 2, P2 lot 1), S2 x1, S3 x1
    assert (r["procurements"], r["awards"], r["distinct_suppliers"]) == (3, 5, 3)
    assert r["hhi"] == pytest.approx((9 + 1 + 1) / 25)
    assert r["top_supplier_share"] == pytest.approx(3 / 5)
    assert r["top_supplier"] == {"org_id": X, "name": XSS}
    assert r["sme_share"] == pytest.approx(4 / 5) and (r["sme_awards"], r["size_known_awards"]) == (4, 5)
    # no notice database recorded: the one "(not recorded)" database fills env (P1, P2, P4) and
    # innovation (P2, P4), so all three of R's procurements count; coordinated is never filled
    assert (r["env_flagged"], r["env_filled"], r["env_flagged_share"]) == (1, 3, pytest.approx(1 / 3))
    assert (r["innovation_flagged"], r["innovation_filled"], r["innovation_status"]) == (0, 3, "reported")
    assert (r["coordinated_flagged_share"], r["coordinated_status"]) == (None, "not reported")
    assert (r["redacted_awards"], r["hhi_pooled"], r["hhi_range"]) == (0, r["hhi"], [r["hhi"], r["hhi"]])
    assert r["signals"] == [], "five awards are below the minimum a signal needs"
    assert [(s["org_id"], s["awards"]) for s in data["org"]["top_suppliers"]] == [(X, 3), (S3, 1), (S2, 1)]
    assert data["buyers"]["coverage"]["hhi_count"] == {"with_data": 2, "missing": 0, "not_applicable": 0}
    county = data["region"]["county_indicators"]
    assert county["org_id"] == "SE313" and county["awards"] == 5


def test_report_sections_on_small_graph(small_store: EmbeddedStore) -> None:
    data = report.collect_report(small_store, region="SE313", org="gävleborgs läns landsting", top=5, **FIXED)
    report.validate_report(data)
    ov = data["overview"]
    assert ov["nodes"]["Organisation"] == 5 and ov["relationships"]["AWARDED_TO"] == 6
    assert ov["sources"][0]["rows"] == 10 and ov["quality"]["rejected_rows"] == 2
    assert ov["quality"]["invalid_org_numbers"] == 1
    assert ov["quality"]["without_org_number"] == 2
    assert (ov["quality"]["name_only"], ov["quality"]["anonymous"]) == (2, 0)
    assert ov["quality"]["invalid_examples"] == [{"org_id": D, "name": "Region Dalarna", "org_number": "2321000206"}]
    assert data["buyers"]["most_concentrated"] == [] == data["buyers"]["lowest_sme_share"], "no buyer has 10 awards"
    assert ov["quality"]["flags"] == {"org number fails check digit": 1}

    assert data["bridges"]["count"] == 3 and data["bridges"]["as_buyer"] == 2 and data["bridges"]["as_supplier"] == 1
    received = {(r["org_id"], r["currency"]): r["amount"] for r in data["top"]["money_received"]}
    assert received[(R, "SEK")] == 1500.0 and received[(X, "SEK")] == 1000.0
    awarded = {r["org_id"]: r["amount"] for r in data["top"]["money_awarded"]}
    assert awarded == {R: 150.0, D: 70.0}

    region = data["region"]
    assert region["parents"] == [{"nuts_code": "SE31", "name": "Norra Mellansverige"}]
    assert (region["projects"], region["projects_by_fund"], region["eu_budget"]) == (2, {"ERDF": 1, "ESF": 1}, {"SEK": 1500.0})
    assert region["organisations_located"] == 3
    ben = {b["org_id"]: b for b in region["top_beneficiaries"]}
    assert ben[R]["projects"] == 2 and ben[R]["granted"] == {"SEK": 1500.0}
    assert ben[R]["projects_by_fund"] == {"ERDF": 1, "ESF": 1}
    assert [b["org_id"] for b in region["top_buyers"]] == [R], "Region Dalarna is in SE312, not SE313"
    assert region["sme_share"] == pytest.approx(0.8)

    org = data["org"]
    assert org["org_id"] == R, "the alias resolves to the organisation"
    assert org["beneficiary"]["partners"] == [{"org_id": X, "name": XSS, "projects": 1}]
    assert org["buyer"]["awards"] == 5
    assert data["communities"]["count"] >= 1
    assert sum(data["communities"]["sizes"]) == data["meta"]["metric_coverage"]["community"]
    by_name = report.collect_report(small_store, region="gävleborgs LÄN", **FIXED)
    assert by_name["region"] == data["region"] and by_name["meta"]["parameters"]["region"] == "SE313"
    views = {v["file"] for v in data["views"]}
    assert {"network.html", "region-SE313.html"} <= views


def test_unknown_region_and_org_fail_with_what_to_do(small_store: EmbeddedStore) -> None:
    with pytest.raises(report.ReportError, match="region 'SE999' is not in the graph"):
        report.collect_report(small_store, region="SE999")
    with pytest.raises(report.ReportError, match=r"Did you mean: Region Gävleborg\?"):
        report.collect_report(small_store, org="Gävleborg")
    with pytest.raises(report.ReportError, match="unknown report format"):
        report.parse_formats("md,pdf")


def test_command_line_masks_credentials() -> None:
    text = report.command_line(["--neo4j-password=hunter2", "--neo4j-uri", "bolt://u:pw@h:7687", "report"])
    assert "hunter2" not in text and "pw@" not in text
    assert text.startswith("stakenet --neo4j-password=*** ")


def test_report_on_an_empty_graph_says_so(embedded_store: EmbeddedStore, tmp_path: Path) -> None:
    paths = report.write_report(embedded_store, tmp_path, **FIXED)
    data = json.loads(paths.json.read_text(encoding="utf-8")) if paths.json else {}
    assert data["overview"]["total_nodes"] == 0 and data["buyers"]["top"] == [] and paths.charts == []
    md = paths.markdown.read_text(encoding="utf-8") if paths.markdown else ""
    assert "No procurements in the graph." in md and "not computed (run `stakenet analyze`)" in md


# -- escaping ---------------------------------------------------------------------------------------


def test_names_from_data_are_escaped(small_store: EmbeddedStore, tmp_path: Path) -> None:
    paths = report.write_report(small_store, tmp_path, region="SE313", org=R, **FIXED)
    assert paths.html and paths.markdown and paths.json
    page = paths.html.read_text(encoding="utf-8")
    assert XSS not in page and "<script>" not in page
    assert html_escaped(XSS) in page and html_escaped(SCRIPT_TITLE) in page
    md = paths.markdown.read_text(encoding="utf-8")
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt;" in md
    assert r"Söder \| AB \*star\* \`x" in md, "a pipe, stars and a lone backtick must not break the table"
    assert json.loads(paths.json.read_text(encoding="utf-8"))["org"]["beneficiary"]["partners"][0]["name"] == XSS


def html_escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


@pytest.mark.browser
def test_html_report_in_headless_chromium(small_store: EmbeddedStore, tmp_path: Path, page: Any) -> None:
    from browser import PageLog

    paths = report.write_report(small_store, tmp_path, region="SE313", org=R, formats=("html",), **FIXED)
    assert paths.html is not None
    log = PageLog.attach(page)
    page.goto(paths.html.as_uri())
    page.wait_for_load_state("load")
    log.assert_offline()
    log.assert_no_errors()
    body = page.inner_text("body")
    assert XSS in body, "the name shows as text"
    assert SCRIPT_TITLE + " PR1" in body
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.alt, e.complete && e.naturalWidth > 0])")
    assert images and all(ok for _, ok in images), images
    assert {alt for alt, _ in images} <= set(report.CHART_TITLES.values()), "no image other than the charts"
    assert page.locator("#region-profile-g-vleborgs-l-n-se313 table").count() >= 2
    assert page.get_by_role("link", name="Region SE313").get_attribute("href") == "region-SE313.html"


# -- golden files and determinism -----------------------------------------------------------------


def _normalise_html(text: str) -> str:
    """Chart pixels are checked as PNG files; the golden HTML keeps only where each image goes."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,...", text)


def test_golden_report_on_fixed_synthetic_graph(synthetic_store: EmbeddedStore, tmp_path: Path) -> None:
    paths = report.write_report(synthetic_store, tmp_path, region="SE313", org="Region Gävleborg", top=5, synthetic=True, **FIXED)
    assert paths.markdown and paths.html and paths.json
    got = {
        "report.md": paths.markdown.read_text(encoding="utf-8"),
        "report.json": paths.json.read_text(encoding="utf-8"),
        "report.html": _normalise_html(paths.html.read_text(encoding="utf-8")),
    }
    if REGEN:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, text in got.items():
            (GOLDEN / name).write_text(text, encoding="utf-8")
    for name, text in got.items():
        golden = GOLDEN / name
        assert golden.exists(), f"{golden} is missing: run with STAKENET_REGEN_GOLDEN=1 and review it"
        assert text == golden.read_text(encoding="utf-8"), (
            f"{name} differs from {golden}; if the change is intended, regenerate with STAKENET_REGEN_GOLDEN=1 and review the diff"
        )
    assert "SYNTHETIC DATA" in got["report.md"] and 'class="banner"' in got["report.html"]
    assert {p.name for p in paths.charts} == {f"{n}.png" for n in report.CHART_TITLES}
    for png in paths.charts:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"](charts/{png.name})" in got["report.md"]


def test_report_is_byte_identical_across_runs(synthetic_store: EmbeddedStore, tmp_path: Path) -> None:
    a = report.write_report(synthetic_store, tmp_path / "a", region="SE313", top=5, **FIXED)
    b = report.write_report(synthetic_store, tmp_path / "b", region="SE313", top=5, **FIXED)
    names_a = sorted(p.relative_to(a.out_dir) for p in a.all())
    assert names_a == sorted(p.relative_to(b.out_dir) for p in b.all())
    for rel in names_a:
        assert (a.out_dir / rel).read_bytes() == (b.out_dir / rel).read_bytes(), rel


def test_risk_rankings_on_synthetic_graph(synthetic_store: EmbeddedStore) -> None:
    b = report.collect_report(synthetic_store, top=5, **FIXED)["buyers"]
    conc = b["most_concentrated"]
    assert conc and all(r["awards"] >= report.MIN_AWARDS_FOR_SIGNAL for r in conc)
    assert [r["hhi"] for r in conc] == sorted((r["hhi"] for r in conc), reverse=True)
    low = b["lowest_sme_share"]
    assert low and all(r["size_known_awards"] >= report.MIN_AWARDS_FOR_SIGNAL for r in low)
    assert [r["sme_share"] for r in low] == sorted(r["sme_share"] for r in low)
    for r in conc + low:
        assert all("indicator" in signal for signal in r["signals"]), "worded as indicators, never verdicts"


def test_json_follows_schema_file(synthetic_store: EmbeddedStore) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = report.collect_report(synthetic_store, region="SE313", org="Region Gävleborg", top=3, **FIXED)
    jsonschema.validate(json.loads(report.to_json(data)), schema, cls=jsonschema.Draft202012Validator)
    data["buyers"]["top"][0]["hhi"] = 1.5
    with pytest.raises(report.ReportError, match="buyers/top/0/hhi"):
        report.validate_report(data)


# -- CLI ------------------------------------------------------------------------------------------


def test_report_command(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    conn = open_database(db)
    store = EmbeddedStore(conn)
    store.ensure_schema()
    store.load(small_records())
    conn.close()
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["--db", str(db), "report", "--region", "SE313", "--out", str(out), "--format", "json,md", "--top", "3"])
    assert result.exit_code == 0, result.output
    assert (out / "report.json").is_file() and (out / "report.md").is_file() and not (out / "report.html").exists()
    assert "report: indicators ..." in result.stderr and "report: region SE313 ..." in result.stderr, "progress on stderr"
    written = {str(out / "report.json"), str(out / "report.md"), *(str(p) for p in (out / "charts").glob("*.png"))}
    assert sorted(result.stdout.split()) == sorted(written), "stdout lists every file written"
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["meta"]["parameters"] == {"region": "SE313", "org": None, "top": 3}
    assert "report --region SE313" in data["meta"]["command"]
    assert data["meta"]["notes"][0].startswith("Network metrics are not in the graph yet")

    bad = runner.invoke(cli, ["--db", str(db), "report", "--region", "ZZ1", "--out", str(out)])
    assert bad.exit_code == 1 and "Error: region 'ZZ1' is not in the graph" in bad.output
    bad = runner.invoke(cli, ["--db", str(db), "report", "--format", "pdf"])
    assert bad.exit_code == 2 and "--format" in bad.output


# -- both stores ----------------------------------------------------------------------------------


@pytest.mark.neo4j
def test_same_report_from_neo4j_and_embedded(small_store: EmbeddedStore, neo4j_store: Any) -> None:
    """Every query of the report runs on both dialects and gives the same figures."""
    neo4j_store.load(small_records())
    analyze(neo4j_store, seed=1)
    args = {"region": "SE313", "org": "Region Gävleborg", "top": 5, **FIXED}
    from_embedded = report.collect_report(small_store, **args)
    from_neo4j = report.collect_report(neo4j_store, **args)
    assert (from_embedded["meta"].pop("store"), from_neo4j["meta"].pop("store")) == ("embedded", "neo4j")
    from_embedded["overview"]["nodes"].pop("Meta", None)
    from_neo4j["overview"]["nodes"].pop("Meta", None)
    for section in from_embedded:
        assert from_neo4j[section] == from_embedded[section], section
    report.validate_report(from_neo4j | {"meta": {**from_neo4j["meta"], "store": "neo4j"}})


def test_golden_figures_recomputed_from_the_generator_records(synthetic_store: EmbeddedStore) -> None:
    """The figures issue 13 changed, recomputed from synthetic.iter_records (not from the code under test).

    Region SE313's buyers are the buyers the records place in SE313 (LOCATED_IN) and nobody else; a
    community's SME share is of the awards its members won, with a known size; EU money counts the
    projects located in SE313 alone.
    """
    nodes: dict[tuple[str, str], dict[str, Any]] = {}
    rels: list[Rel] = []
    for rec in synthetic.iter_records(scale=300, seed=7):
        if isinstance(rec, Node):
            key = {"Organisation": "org_id", "Project": "project_id", "Procurement": "procurement_id"}.get(rec.label)
            if key:
                nodes[(rec.label, rec.props[key])] = dict(rec.props)
        else:
            rels.append(rec)
    placed = {r.src[1]: r.dst[1] for r in rels if r.type == "LOCATED_IN" and r.src[0] == "Organisation"}
    buyer_of = {r.dst[1]: r.src[1] for r in rels if r.type == "BUYER_OF"}
    awards = [(buyer_of[r.src[1]], r.dst[1]) for r in rels if r.type == "AWARDED_TO"]
    size = {k[1]: p.get("size") for k, p in nodes.items() if k[0] == "Organisation"}
    sme = {"micro", "small", "medium"}
    region_awards = [(b, s) for b, s in awards if placed.get(b) == "SE313"]
    sized = [s for _, s in region_awards if size.get(s)]
    data = report.collect_report(synthetic_store, region="SE313", top=5, **FIXED)
    region = data["region"]
    assert region["buyers"] == len({b for b, _ in region_awards})
    assert region["awards"] == len(region_awards) and region["size_known_awards"] == len(sized)
    assert region["sme_share"] == pytest.approx(sum(size[s] in sme for s in sized) / len(sized), abs=1e-6)
    # key findings: the county against every county, recomputed from the records
    rows = {r["key"]: r for r in data["key_findings"]["tables"][0]["rows"]}
    assert data["key_findings"]["tables"][0]["peers"] == "counties"
    assert rows["awards"]["value"] == len(region_awards)
    assert rows["sme_share"]["value"] == pytest.approx(region["sme_share"], abs=1e-6)
    by_county: dict[str, list[str]] = {}
    for b, s in awards:
        if b in placed and size.get(s):
            by_county.setdefault(placed[b], []).append(s)
    shares = sorted(sum(size[s] in sme for s in won) / len(won) for won in by_county.values())
    own = sum(size[s] in sme for s in sized) / len(sized)
    mid = len(shares) // 2
    assert rows["sme_share"]["peers"] == len(shares)
    assert rows["sme_share"]["median"] == pytest.approx(shares[mid] if len(shares) % 2 else (shares[mid - 1] + shares[mid]) / 2, abs=1e-6)
    below = sum(x < own - 1e-12 for x in shares) + sum(abs(x - own) <= 1e-12 for x in shares) / 2
    assert rows["sme_share"]["percentile"] == pytest.approx(100 * below / len(shares), abs=0.05)
    places: dict[str, set[str]] = {}
    for r in rels:
        if r.type == "LOCATED_IN" and r.src[0] == "Project":
            places.setdefault(r.src[1], set()).add(r.dst[1])
    alone = [p for p, where in places.items() if where == {"SE313"}]
    assert region["single_county_projects"] == len(alone)
    assert region["eu_budget"]["SEK"] == pytest.approx(sum(nodes[("Project", p)]["eu_budget"] or 0 for p in alone), abs=0.01)
    # communities: membership is the analysis' output (read back), the SME share is recomputed here
    members: dict[int, list[str]] = {}
    for org_id, community in synthetic_store.rows("MATCH (o:Organisation) WHERE o.community IS NOT NULL RETURN o.org_id, o.community", {}):
        members.setdefault(int(community), []).append(org_id)
    for c in data["communities"]["largest"]:
        won = [s for _, s in awards if s in set(members[c["community"]]) and size.get(s)]
        assert c["size_known"] == len(won)
        assert c["sme_share"] == (pytest.approx(sum(size[s] in sme for s in won) / len(won), abs=1e-6) if won else None)


def test_key_findings_for_the_nation_pool_every_award(synthetic_store: EmbeddedStore) -> None:
    """Without --region or --org the key findings pool every buyer's awards (recomputed from the records)."""
    rels = [r for r in synthetic.iter_records(scale=300, seed=7) if isinstance(r, Rel)]
    size = {r.props["org_id"]: r.props.get("size") for r in synthetic.iter_records(scale=300, seed=7)
            if isinstance(r, Node) and r.label == "Organisation"}
    won = [r.dst[1] for r in rels if r.type == "AWARDED_TO"]
    sized = [s for s in won if size.get(s)]
    data = report.collect_report(synthetic_store, top=5, **FIXED)
    kf = data["key_findings"]
    (table,) = kf["tables"]
    rows = {r["key"]: r for r in table["rows"]}
    assert rows["awards"]["value"] == len(won)
    assert rows["sme_share"]["value"] == pytest.approx(sum(size[s] in {"micro", "small", "medium"} for s in sized) / len(sized),
                                                       abs=1e-6)
    assert all(r["percentile"] is None for r in table["rows"]), "the nation is not one of its buyers"
    assert rows["suppliers"]["value"] == len(set(won))
    assert kf["sentences"] and kf["competition"] is None
