"""The EU Knowledge Graph harvester against a real SPARQL 1.1 endpoint on 127.0.0.1.

The endpoint (tests/sparql_endpoint.py, pyoxigraph behind http.server) serves the Wikibase-shaped
fixture built by tests/fixtures/eukg/build_fixture.py; the harvester talks to it through
SPARQLWrapper over real HTTP and loads into the real embedded store. Expected values are computed
from the builder's Python data, independently of the SPARQL queries and parsers.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graph.cli import cli
from graph.errors import SourceError
from graph.ingest import harvest as ingest_harvest
from graph.sources import eukg
from graph.sources.eukg import fetch as eukg_fetch
from graph.sources.eukg import parse as eukg_parse
from graph.sources.eukg import queries as eukg_queries
from graph.store.embedded import EmbeddedStore, open_database

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "fixtures" / "eukg"))
sys.path.insert(0, str(HERE))

import build_fixture as bf  # noqa: E402
from sparql_endpoint import Fault, SparqlServer  # noqa: E402

FAST = eukg_fetch.RetryPolicy(attempts=4, base=0.01, cap=0.05, timeout=5.0)
PAGE = 10


def new_store(path: Path) -> EmbeddedStore:
    store = EmbeddedStore(open_database(path))
    store.ensure_schema()
    return store


def snapshot(store: EmbeddedStore) -> dict[str, Any]:
    """Every node's and relationship's properties (Source's load time left out), sorted."""
    from graph.model import NODE_TYPES, REL_TYPES

    out: dict[str, Any] = {}
    for label, nt in NODE_TYPES.items():
        if label == "Meta":
            continue
        props = [p for p in nt.prop_names if not (label == "Source" and p in ("loaded_at", "notes"))]
        rows = store.query(f"MATCH (n:{label}) RETURN {', '.join(f'n.{p} AS {p}' for p in props)}")
        out[label] = sorted(rows, key=lambda r: str(r[nt.key]))
    for type_, rt in REL_TYPES.items():
        for src, dst in rt.pairs:
            sk, dk = NODE_TYPES[src].key, NODE_TYPES[dst].key
            extra = "".join(f", e.{p} AS {p}" for p in rt.prop_names)
            rows = store.query(f"MATCH (a:{src})-[e:{type_}]->(b:{dst}) RETURN a.{sk} AS s, b.{dk} AS d{extra}")
            out[f"{type_}:{src}->{dst}"] = sorted(rows, key=lambda r: (r["s"], r["d"]))
    return out


# -- the truth, from the builder's data ---------------------------------------------------------
def _lang(p: bf.Project) -> str | None:
    return next(iter(sorted(p.summaries)), None)


def _money(quantities: list[bf.Quantity]) -> tuple[float | None, float | None, str | None]:
    live = [q for q in quantities if q.rank != "DeprecatedRank"]
    eur = [float(q.amount) for q in live if q.unit == bf.EURO]
    nat = [(bf.CURRENCY_OF_UNIT[q.unit], float(q.amount)) for q in live if q.unit != bf.EURO]
    if nat:
        return (eur[0] if eur else None), nat[0][1], nat[0][0]
    if eur:
        return eur[0], eur[0], "EUR"
    return None, None, None


def expected_project(p: bf.Project) -> dict[str, Any]:
    summary_lang = _lang(p)
    title = p.labels.get("en") or (p.labels.get(summary_lang) if summary_lang else None)
    if title is None and p.labels:
        title = p.labels[sorted(p.labels)[0]]
    eu_eur, eu, cur = _money(p.eu)
    tot_eur, tot, tot_cur = _money(p.total)
    return {
        "project_id": f"EUKG:{p.qid}",
        "title": title,
        "summary": p.summaries.get(summary_lang) if summary_lang else None,
        "start_date": p.start,
        "end_date": p.end,
        "eu_budget": eu,
        "total_budget": tot,
        "currency": cur or tot_cur,
        "eu_budget_eur": eu_eur,
        "total_budget_eur": tot_eur,
        "cofinancing_rate": float(p.rate.amount) if p.rate else None,
        "cofinancing_unit": "percent" if p.rate else None,
        "postal_code": p.postal_code,
        "country": bf.COUNTRIES[p.country][0] if p.country else None,
        "source": "eukg",
    }


def expected_theme_id(theme_qid: str) -> str:
    """The one theme id scheme (graph/themes.py), written out from the builder's codes."""
    kind, code, _ = bf.THEMES[theme_qid]
    if kind == "thematic_objective":
        return f"TO{int(code):02d}"
    if kind == "policy_objective":
        return code if code.startswith("PO") else f"PO{int(code)}"
    return f"IC:{int(code):03d}"


def region_chain(region_qid: str) -> list[str]:
    chain = []
    q = region_qid
    while q in bf.REGIONS:
        chain.append(q)
        q = bf.REGIONS[q][1]
    return chain


def expected_counts(projects: list[bf.Project]) -> tuple[dict[str, int], dict[str, int]]:
    regions = {r for p in projects for q in p.regions for r in region_chain(q)}
    orgs = {q for p in projects for q in p.beneficiaries}
    name_orgs = {" ".join(n.split()).casefold() for p in projects if not p.beneficiaries for n in p.raw_names}
    countries = {p.country for p in projects if p.country}
    countries |= {bf.ORGS[o][0] for o in orgs}
    countries |= {bf.REGIONS[r][2] for r in regions}
    nodes = {
        "Project": len(projects),
        "Organisation": len(orgs) + len(name_orgs),
        "Region": len(regions),
        "Country": len(countries),
        "Fund": len({q for p in projects for q in p.funds}),
        "Programme": len({q for p in projects for q in p.programmes}),
        "Theme": len({q for p in projects for q in p.themes} | {q for p in projects for q in p.priority_axes}),
    }
    rels = {
        "BENEFICIARY_OF": sum(len(p.beneficiaries) or len(set(p.raw_names)) for p in projects),
        "FUNDED_BY": sum(len(p.funds) for p in projects),
        "IN_PROGRAMME": sum(len(p.programmes) for p in projects),
        "HAS_THEME": sum(len(p.themes) + len(p.priority_axes) for p in projects),
        "LOCATED_IN": sum(len(p.regions) + (1 if p.country else 0) for p in projects) + len(orgs),
        "PART_OF": len(regions),
    }
    return nodes, rels


def harvest(store: EmbeddedStore, url: str, cache: Path | None = None, **kwargs: Any) -> eukg.HarvestStats:
    kwargs.setdefault("page_size", PAGE)
    kwargs.setdefault("retry", FAST)
    return ingest_harvest.harvest(store, url, cache=cache, seed=1, **kwargs)


# -- the harvested graph equals the fixture's truth ----------------------------------------------
def test_harvest_equals_fixture_truth(server: SparqlServer, fixture_data: bf.Fixture, tmp_path: Path) -> None:
    store = new_store(tmp_path / "g.db")
    stats = harvest(store, server.url, tmp_path / "cache")
    projects = fixture_data.projects
    assert stats.projects == len(projects)
    assert stats.pages >= 6, "the fixture must span several pages"
    nodes, rels = expected_counts(projects)
    counts = store.counts()
    for label, n in nodes.items():
        assert counts.nodes[label] == n, label
    for type_, n in rels.items():
        assert counts.rels[type_] == n, type_
    assert counts.nodes["Source"] == 1

    # every project, field by field
    got = {r["project_id"]: r for r in snapshot(store)["Project"]}
    for p in projects:
        want = expected_project(p)
        row = got[f"EUKG:{p.qid}"]
        assert {k: row[k] for k in want} == want, p.qid
        assert all(v is None for k, v in row.items() if k not in want), "properties this source never sets"

    # sums per currency (national amounts) and in EUR
    truth_sum: dict[str, float] = defaultdict(float)
    truth_eur = 0.0
    for p in projects:
        exp = expected_project(p)
        if exp["eu_budget"] is not None:
            truth_sum[exp["currency"]] += exp["eu_budget"]
        truth_eur += exp["eu_budget_eur"] or 0.0
    rows = store.query("MATCH (p:Project) WHERE p.eu_budget IS NOT NULL RETURN p.currency AS c, sum(p.eu_budget) AS s")
    assert {r["c"]: pytest.approx(r["s"]) for r in rows} == {c: pytest.approx(s) for c, s in truth_sum.items()}
    assert set(truth_sum) == {"EUR", "SEK", "DKK"}
    eur = store.query("MATCH (p:Project) RETURN sum(p.eu_budget_eur) AS s")[0]["s"]
    assert eur == pytest.approx(truth_eur)

    # relationships, edge by edge
    snap = snapshot(store)
    funded = {(r["s"], r["d"]) for r in snap["FUNDED_BY:Project->Fund"]}
    assert funded == {(f"EUKG:{p.qid}", bf.FUNDS[q][0]) for p in projects for q in p.funds}
    themes = {(r["s"], r["d"]) for r in snap["HAS_THEME:Project->Theme"]}
    assert themes == {(f"EUKG:{p.qid}", expected_theme_id(q)) for p in projects for q in p.themes} | {
        (f"EUKG:{p.qid}", f"PA:EUKG:{q}") for p in projects for q in p.priority_axes
    }
    located = {(r["s"], r["d"]) for r in snap["LOCATED_IN:Project->Region"]}
    assert located == {(f"EUKG:{p.qid}", bf.REGIONS[q][0]) for p in projects for q in p.regions}
    part_of = {(r["s"], r["d"]) for k in ("PART_OF:Region->Region", "PART_OF:Region->Country") for r in snap[k]}
    used = {r for p in projects for q in p.regions for r in region_chain(q)}
    expected_part_of = set()
    for q in used:
        code, parent, _, _ = bf.REGIONS[q]
        expected_part_of.add((code, bf.REGIONS[parent][0] if parent in bf.REGIONS else bf.COUNTRIES[parent][0]))
    assert part_of == expected_part_of
    levels = {r["nuts_code"]: r["level"] for r in snap["Region"]}
    assert all(levels[code] == len(code) - 2 for code in levels)


def test_seed_record_field_by_field(server: SparqlServer, tmp_path: Path) -> None:
    store = new_store(tmp_path / "g.db")
    harvest(store, server.url)
    [seed] = store.query("MATCH (p:Project) WHERE p.project_id = $id RETURN p.*", {"id": "EUKG:Q2661002"})
    seed = {k.removeprefix("p."): v for k, v in seed.items()}
    assert seed["eu_budget"] == 6_647_552.0
    assert seed["total_budget"] == 13_295_106.0
    assert seed["currency"] == "SEK"
    assert seed["eu_budget_eur"] is None and seed["total_budget_eur"] is None, "SEK must never be labelled EUR"
    assert seed["cofinancing_rate"] == 0.5 and seed["cofinancing_unit"] == "percent"
    assert (seed["start_date"], seed["end_date"]) == ("2019-11-01", "2023-02-28")
    assert seed["postal_code"] == "80187"
    assert seed["title"] is None  # the item has no label in any language
    assert seed["summary"] == bf.SEED_SUMMARY
    assert seed["summary"].startswith("I det tidigare projektet Upphandlingsdriven Innovation")
    assert seed["country"] == "SE"
    ben = store.query(
        "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project) WHERE p.project_id = $id "
        "RETURN o.org_id AS id, o.name AS name, o.country AS country, o.aliases AS aliases, o.eukg_item AS item, "
        "o.org_number AS number",
        {"id": "EUKG:Q2661002"},
    )
    # The renames table knows the former county council as Region Gävleborg, 232100-0198: the
    # beneficiary gets the key the Swedish loaders give it, and keeps its EU KG name and item.
    assert ben == [{"id": "SE-ON:2321000198", "name": "Region Gävleborg", "country": "SE",
                    "aliases": ["Gävleborgs Läns Landsting"], "item": bf.SEED_BENEFICIARY, "number": "2321000198"}]
    chain = store.query(
        "MATCH (p:Project)-[:LOCATED_IN]->(r3:Region)-[:PART_OF]->(r2:Region)-[:PART_OF]->(r1:Region)"
        "-[:PART_OF]->(c:Country) WHERE p.project_id = $id "
        "RETURN r3.nuts_code AS r3, r3.name AS name, r2.nuts_code AS r2, r1.nuts_code AS r1, c.code AS c, c.name AS cn",
        {"id": "EUKG:Q2661002"},
    )
    assert chain == [{"r3": "SE313", "name": "Gävleborgs län", "r2": "SE31", "r1": "SE3", "c": "SE", "cn": "Sweden"}]


def test_currencies_never_mislabelled(server: SparqlServer, fixture_data: bf.Fixture, tmp_path: Path) -> None:
    store = new_store(tmp_path / "g.db")
    harvest(store, server.url)
    got = {r["id"]: r for r in store.query(
        "MATCH (p:Project) RETURN p.project_id AS id, p.currency AS cur, p.eu_budget AS eu, p.eu_budget_eur AS eur")}
    shapes = Counter()
    for p in fixture_data.projects:
        units = {q.unit for q in p.eu if q.rank != "DeprecatedRank"}
        row = got[f"EUKG:{p.qid}"]
        if units == {bf.SEK}:
            shapes["SEK only"] += 1
            assert row["cur"] == "SEK" and row["eur"] is None
        elif units == {bf.SEK, bf.EURO}:
            shapes["EUR+SEK"] += 1
            assert row["cur"] == "SEK" and row["eur"] is not None and row["eu"] != row["eur"]
        elif units == {bf.EURO}:
            shapes["EUR only"] += 1
            assert row["cur"] == "EUR" and row["eu"] == row["eur"]
        if any(q.rank == "DeprecatedRank" for q in p.eu):
            shapes["deprecated"] += 1
            deprecated = next(float(q.amount) for q in p.eu if q.rank == "DeprecatedRank")
            assert row["eu"] != deprecated
    assert min(shapes["SEK only"], shapes["EUR+SEK"], shapes["EUR only"], shapes["deprecated"]) >= 1, shapes


def test_missing_optional_statements_stay_unknown(server: SparqlServer, fixture_data: bf.Fixture, tmp_path: Path) -> None:
    store = new_store(tmp_path / "g.db")
    harvest(store, server.url)
    got = {r["project_id"]: r for r in snapshot(store)["Project"]}
    sparse = [p for p in fixture_data.projects if not p.total and not p.rate]
    assert sparse, "the fixture must hold projects without total budget and rate"
    for p in sparse:
        row = got[f"EUKG:{p.qid}"]
        assert row["total_budget"] is None and row["cofinancing_rate"] is None and row["cofinancing_unit"] is None
    no_region = [p for p in fixture_data.projects if not p.regions]
    assert no_region
    rows = store.query("MATCH (p:Project)-[:LOCATED_IN]->(r:Region) RETURN DISTINCT p.project_id AS id")
    assert not {f"EUKG:{p.qid}" for p in no_region} & {r["id"] for r in rows}


# -- filters and paging options -----------------------------------------------------------------
def _harvested_ids(url: str, **kwargs: Any) -> list[str]:
    ids = []
    for r in eukg.iter_records(url, retry=FAST, **kwargs):
        if getattr(r, "label", None) == "Project":
            ids.append(r.props["project_id"])
    return ids


def test_country_filter(server: SparqlServer, fixture_data: bf.Fixture) -> None:
    ids = _harvested_ids(server.url, country="SE", page_size=7)
    assert sorted(ids) == sorted(f"EUKG:{p.qid}" for p in fixture_data.projects if p.country == "Q11")
    assert _harvested_ids(server.url, country="Q11", page_size=50) == sorted(ids)


@pytest.mark.parametrize("nuts", ["SE313", "SE31", "SE3"])
def test_nuts_filter_includes_subregions(server: SparqlServer, fixture_data: bf.Fixture, nuts: str) -> None:
    ids = _harvested_ids(server.url, nuts=nuts, page_size=4)
    want = {f"EUKG:{p.qid}" for p in fixture_data.projects
            if any(nuts in [bf.REGIONS[r][0] for r in region_chain(q)] for q in p.regions)}
    assert "EUKG:Q2661002" in want
    assert sorted(ids) == sorted(want)


def test_limit_and_page_size(server: SparqlServer) -> None:
    stats = eukg.HarvestStats()
    ids = [r for r in eukg.iter_records(server.url, limit=25, page_size=10, retry=FAST, stats=stats)
           if getattr(r, "label", None) == "Project"]
    assert len(ids) == 25 and stats.pages == 3
    all_ids = _harvested_ids(server.url, page_size=1000)
    assert [r.props["project_id"] for r in ids] == all_ids[:25], "keyset pages follow the item IRI order"


def test_queries_are_plain_sparql_11_with_keyset_paging() -> None:
    queries = [
        eukg_queries.build_project_query("https://linkedopendata.eu/entity/Q5", 100, country="SE", nuts="SE313"),
        eukg_queries.build_facts_query(["https://linkedopendata.eu/entity/Q2661002"]),
        *(eukg_queries.build_reference_query(kind) for kind in eukg_queries.REFERENCE_SELECTORS),
        *(eukg_queries.build_facts_query(["https://linkedopendata.eu/entity/Q1"], b) for b in eukg_queries.REFERENCE_BRANCHES.values()),
    ]
    for q in queries:
        assert "SERVICE" not in q and "hint:" not in q and "bd:" not in q and "OFFSET" not in q
    assert 'FILTER(STR(?item) > "https://linkedopendata.eu/entity/Q5")' in queries[0]
    assert "ORDER BY STR(?item)" in queries[0]
    with pytest.raises(SourceError, match="item IRI was expected"):
        eukg_queries.build_facts_query(["https://linkedopendata.eu/entity/Q1> } DROP ALL { <x"])


def test_bad_filters_are_refused_before_any_request(server: SparqlServer) -> None:
    with pytest.raises(SourceError, match="NUTS code"):
        list(eukg.iter_records(server.url, nuts='SE3" } DROP ALL #'))
    with pytest.raises(SourceError, match="country code"):
        list(eukg.iter_records(server.url, country="Sweden"))
    assert server.requests == []


# -- faults: retries, clear errors, resume --------------------------------------------------------
def test_faults_mid_harvest_are_retried(server: SparqlServer, tmp_path: Path) -> None:
    calm = new_store(tmp_path / "calm.db")
    calm_stats = harvest(calm, server.url)
    total = calm_stats.fetch.requests

    server.reset({
        12: Fault("500"),
        14: Fault("429", retry_after=1),
        16: Fault("drop"),
        18: Fault("slow", delay=3.0),
        20: Fault("malformed"),
    })
    store = new_store(tmp_path / "faults.db")
    started = time.monotonic()
    stats = harvest(store, server.url, retry=eukg_fetch.RetryPolicy(attempts=4, base=0.01, cap=0.05, timeout=1.0))
    assert time.monotonic() - started >= 1.0, "Retry-After: 1 must be honoured"
    assert stats.fetch.retries == 5
    assert [r.status for r in server.requests if r.status != 200] == ["500", "429", "drop", "slow", "malformed"]
    assert server.answered == total
    assert snapshot(store) == snapshot(calm)


def test_interrupted_harvest_resumes_from_cache(server: SparqlServer, tmp_path: Path) -> None:
    calm = new_store(tmp_path / "calm.db")
    total = harvest(calm, server.url).fetch.requests
    cache = tmp_path / "cache"
    stop_at = 15  # request 15 and every retry of it fail
    server.reset({n: Fault("500") for n in range(stop_at, stop_at + FAST.attempts)})
    store = new_store(tmp_path / "g.db")
    with pytest.raises(SourceError) as err:
        harvest(store, server.url, cache, batch_size=40)
    message = str(err.value)
    assert "gave up after 4 attempts" in message and "HTTP 500" in message and "--cache" in message
    assert len(list(cache.glob("*.json"))) == stop_at - 1

    server.reset()
    stats = harvest(store, server.url, cache, batch_size=40)
    assert server.answered == len(server.requests) == total - (stop_at - 1), "only the missing pages are fetched"
    assert stats.fetch.cached_pages == stop_at - 1
    assert snapshot(store) == snapshot(calm)

    server.reset()
    again = harvest(store, server.url, cache)
    assert server.requests == [] and again.fetch.requests == 0, "a rerun with a full cache costs no request"
    assert snapshot(store) == snapshot(calm)


def test_backoff_grows_and_retry_after_is_honoured(server: SparqlServer) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    policy = eukg_fetch.RetryPolicy(attempts=5, base=0.02, cap=1.0, timeout=5.0)
    server.reset({1: Fault("500"), 2: Fault("500"), 3: Fault("500"), 5: Fault("429", retry_after=1)})
    records = list(eukg.iter_records(server.url, retry=policy, page_size=PAGE, seed=3, sleep=sleep))
    assert len(waits) == 4
    assert all(0 <= w <= 0.02 * 2**i for i, w in enumerate(waits[:3])), waits
    assert waits[3] >= 1.0, "Retry-After: 1 is a floor"
    assert sum(1 for r in records if getattr(r, "label", None) == "Project") == len(bf.build().projects)


def test_persistent_malformed_json_is_a_clear_error(server: SparqlServer) -> None:
    server.reset({n: Fault("malformed") for n in range(1, 10)})
    with pytest.raises(SourceError, match=r"country page 1 \(items\): gave up after 4 attempts: .*malformed JSON"):
        list(eukg.iter_records(server.url, retry=FAST))


def test_too_long_retry_after_stops_with_advice(server: SparqlServer) -> None:
    server.reset({1: Fault("429", retry_after=3600)})
    with pytest.raises(SourceError, match="asks to wait 3600 s"):
        list(eukg.iter_records(server.url, retry=FAST))


def test_unreachable_endpoint_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceError, match=f"cannot reach http://127.0.0.1:{port}/sparql"):
        list(eukg.iter_records(f"http://127.0.0.1:{port}/sparql", retry=FAST))


def test_damaged_cache_file_names_the_file(server: SparqlServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    list(eukg.iter_records(server.url, retry=FAST, limit=3, cache=cache))
    victim = sorted(cache.glob("*.json"))[0]
    victim.write_bytes(b'{"head": ')
    with pytest.raises(SourceError, match=f"{victim.name}.*delete it and rerun"):
        list(eukg.iter_records(server.url, retry=FAST, limit=3, cache=cache))


# -- parsers: recorded JSON edge cases ----------------------------------------------------------
def test_unknown_fields_are_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    result = json.loads((HERE / "fixtures" / "eukg" / "facts_edge_cases.json").read_text(encoding="utf-8"))
    item = "https://linkedopendata.eu/entity/Q42"
    with caplog.at_level(logging.WARNING, logger="graph.sources.eukg"):
        warn = eukg_parse.Warnings(shown=1)
        grouped = eukg_parse.parse_rows(result, eukg_queries.PROJECT_FACTS, [item], warn)
        page = eukg_parse.parse_project_page(grouped, eukg_parse.Reference(countries={bf.WD + "Q11": "SE"}), warn)
    text = caplog.text
    assert "unknown variables ['score']" in text
    assert "unknown property https://linkedopendata.eu/prop/direct/P999" in text
    assert "not a known currency" in text
    assert text.count("unknown variables") == 1, "a repeated warning is shown once, then counted"
    assert warn.counts["EU KG result has unknown variables ['score']; ignored (has the query changed?)"] == 2
    [project] = [n for n in page.nodes if n.label == "Project"]
    assert project.props["eu_budget_eur"] == 100.0 and project.props["currency"] == "EUR"
    assert project.props["title"] == "Ett projekt", "English first, then the project's language (Swedish summary)"


# -- the command line -----------------------------------------------------------------------------
def test_cli_harvest(server: SparqlServer, fixture_data: bf.Fixture, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    args = ["--db", str(db), "harvest", "--endpoint", server.url, "--page-size", "10", "--cache", str(tmp_path / "c")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"harvested {len(fixture_data.projects)} projects" in result.output
    assert "rate" in result.output and "pages" in result.output  # the progress line (stderr, mixed in)
    store = EmbeddedStore(open_database(db))
    [src] = store.query("MATCH (s:Source) RETURN s.kind AS kind, s.path AS path, s.rows AS rows, s.loaded_at AS at")
    assert (src["kind"], src["path"], src["rows"]) == ("eukg", server.url, len(fixture_data.projects))
    assert src["at"]
    store.conn.close()


def test_cli_harvest_bad_options(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(tmp_path / "x.db"), "harvest", "--nuts", "SE 31"])
    assert result.exit_code == 2 and "is not a NUTS code" in result.output
    result = runner.invoke(cli, ["--db", str(tmp_path / "x.db"), "harvest", "--page-size", "0"])
    assert result.exit_code == 2
    help_text = runner.invoke(cli, ["harvest", "--help"]).output
    description = help_text.split("Options:")[0].rstrip()
    assert description.splitlines()[-4].strip() == "Example:", "the description ends with an Example: block"
    assert description.splitlines()[-1].strip().startswith("stakenet")
