"""One node per real organisation and one Theme per theme across the EU KG harvest and the Swedish loaders.

The harvest runs against the real local SPARQL endpoint (tests/sparql_endpoint.py) serving the
Wikibase-shaped fixture; the Swedish files are the real ones in ../shared/data; the store is the
real embedded database. Each scenario runs in both load orders: the graph must not depend on it.
Expected identities are derived from the fixture's data, the renames table and the real files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_eukg import bf, harvest, new_store, snapshot

from graph.identity import load_renames, normalize_name, parse_org_number
from graph.ingest.load import load_files
from graph.sources import eukg
from graph.store.embedded import EmbeddedStore

PROJECTS = "se_erdf_2014_2020_projektbanken_2016.json"
AWARDS = "se_procurement_2021_awards.csv"
VALUES = "se_procurement_2021_contracted_value.csv"
REGION_GAVLEBORG = "SE-ON:2321000198"
SEED_PROJECT = "EUKG:Q2661002"
ORDERS = ("harvest first", "swedish file first")


# -- the truth, from the fixture's data, the renames table and the real files --------------------
def fixture_names(qid: str, projects: list[bf.Project]) -> set[str]:
    """Every name the fixture gives beneficiary ``qid``: its labels and the raw names beside it."""
    names = set(bf.ORGS[qid][1].values())
    for p in projects:
        if p.beneficiaries == [qid]:
            names.update(p.raw_names)
    return names


def renamed_in_table(names: set[str]) -> str | None:
    table = {normalize_name(n): f"SE-ON:{r.org_number}" for r in load_renames() for n in (r.former_name, r.current_name)}
    hits = {table[normalize_name(n)] for n in names if normalize_name(n) in table}
    assert len(hits) <= 1, names
    return next(iter(hits), None)


def numbered_buyers(path: Path) -> dict[str, set[str]]:
    """Normalised buyer name -> the valid organisation numbers the procurement file gives it."""
    out: dict[str, set[str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            number = parse_org_number(row["Organisationsnummer för köpare"])
            if number.valid and number.kind == "se":
                out.setdefault(normalize_name(row["Namn för köpare"]), set()).add(number.org_id)
    return out


def projects_of(qid: str, projects: list[bf.Project]) -> set[str]:
    return {f"EUKG:{p.qid}" for p in projects if qid in p.beneficiaries}


# -- helpers ----------------------------------------------------------------------------------------
def run_in_order(order: str, store: EmbeddedStore, steps: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    names = list(steps) if order == ORDERS[0] else list(reversed(steps))
    return {name: steps[name]() for name in names}


def order_free(snap: dict[str, Any]) -> dict[str, Any]:
    """A snapshot without what legitimately records the load order: provenance nodes, the order of
    ``source`` and ``aliases`` lists, and the display name of a theme both sources name differently."""
    out: dict[str, Any] = {}
    for key, rows in snap.items():
        if key == "Source":
            continue
        fixed = []
        for row in rows:
            row = dict(row)
            if row.get("source"):
                row["source"] = ";".join(sorted(row["source"].split(";")))
            if row.get("aliases"):
                row["aliases"] = sorted(row["aliases"])
            if key == "Theme" and row["kind"] == "thematic_objective":
                row["name"] = None
            fixed.append(row)
        out[key] = sorted(fixed, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return out


def beneficiary_projects(store: EmbeddedStore, org_id: str) -> set[str]:
    rows = store.query("MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project) WHERE o.org_id = $id "
                       "RETURN p.project_id AS p", {"id": org_id})
    return {r["p"] for r in rows}


# -- Region Gävleborg: the renames table, at parse time -------------------------------------------
def test_region_gavleborg_is_one_node_whichever_loads_first(server, fixture_data, shared_data: Path,
                                                             tmp_path: Path) -> None:
    projects = fixture_data.projects
    cases = json.loads((shared_data / PROJECTS).read_text(encoding="utf-8"))
    pb_projects = {str(c["ärende-id"]) for c in cases if renamed_in_table({c["stödmottagare"]}) == REGION_GAVLEBORG}
    assert "20200535" in pb_projects
    seed_names = fixture_names(bf.SEED_BENEFICIARY, projects)
    assert renamed_in_table(seed_names) == REGION_GAVLEBORG
    # Harvested beneficiaries the table knows (Swedish ones only), counted as the summary counts them.
    renamed_qids = {q for q, (c, _) in bf.ORGS.items() if c == "Q11" and any(q in p.beneficiaries for p in projects)
                    and renamed_in_table(fixture_names(q, projects))}
    assert bf.SEED_BENEFICIARY in renamed_qids

    cache = tmp_path / "cache"
    graphs = {}
    for order in ORDERS:
        store = new_store(tmp_path / f"{order}.db")
        steps = {
            "harvest": lambda store=store: harvest(store, server.url, cache),
            "projektbanken": lambda store=store: load_files(store, "projektbanken", [shared_data / PROJECTS]),
        }
        done = run_in_order(order, store, steps)
        stats: eukg.HarvestStats = done["harvest"]
        assert stats.beneficiaries["rename"] == len(renamed_qids), order
        assert sum(stats.beneficiaries.values()) == len({q for p in projects for q in p.beneficiaries}) + len(
            {" ".join(n.split()).casefold() for p in projects if not p.beneficiaries for n in p.raw_names})
        assert f"{len(renamed_qids)} by the renames table" in stats.summary()

        [node] = store.query("MATCH (o:Organisation) WHERE o.org_id = $id RETURN o.name AS name, o.aliases AS aliases, "
                             "o.eukg_item AS item, o.org_number AS number, o.country AS country, o.source AS source",
                             {"id": REGION_GAVLEBORG})
        assert sorted(node["source"].split(";")) == ["eukg", "projektbanken"], "a harvest over many pages keeps both"
        assert node["name"] == "Region Gävleborg" and node["number"] == "2321000198" and node["country"] == "SE"
        assert node["item"] == bf.SEED_BENEFICIARY, "the EU KG item id is kept"
        assert seed_names <= set(node["aliases"]), "the harvested name is kept as an alias"
        assert beneficiary_projects(store, REGION_GAVLEBORG) == projects_of(bf.SEED_BENEFICIARY, projects) | pb_projects
        assert {SEED_PROJECT, "20200535"} <= beneficiary_projects(store, REGION_GAVLEBORG)
        assert not store.query("MATCH (o:Organisation) WHERE o.org_id STARTS WITH 'EUKG:' AND o.eukg_item = $q "
                               "RETURN o.org_id AS id", {"q": bf.SEED_BENEFICIARY})
        regions = store.query("MATCH (o:Organisation) WHERE o.name = $n OR o.org_id = $k RETURN o.org_id AS id",
                              {"n": "Gävleborgs Läns Landsting", "k": f"EUKG:{bf.SEED_BENEFICIARY}"})
        assert regions == [], "no second node under the old name or the EU KG key"

        # Reloading both, in the same order, changes no count.
        before = store.counts()
        run_in_order(order, store, steps)
        after = store.counts()
        assert (after.nodes, after.rels) == (before.nodes, before.rels), order
        graphs[order] = order_free(snapshot(store))
    assert graphs[ORDERS[0]] == graphs[ORDERS[1]], "the graph does not depend on the load order"


# -- exact names: harvested beneficiaries fold into numbered procurement buyers --------------------
def test_harvested_beneficiaries_fold_into_numbered_buyers_by_exact_name(server, fixture_data, shared_data: Path,
                                                                         tmp_path: Path) -> None:
    projects = fixture_data.projects
    buyers = numbered_buyers(shared_data / AWARDS)
    used = {q for p in projects for q in p.beneficiaries}
    expected: dict[str, str] = {}  # EU KG item -> the numbered buyer it is
    foreign_homonyms = 0
    for q in sorted(used):
        country, labels = bf.ORGS[q]
        names = fixture_names(q, projects)
        if renamed_in_table(names):
            continue
        hits = {n for name in [*labels.values(), *sorted(names)] for n in buyers.get(normalize_name(name), set())}
        if country != "Q11":
            foreign_homonyms += bool(hits)
            continue
        if len(hits) == 1:
            expected[q] = hits.pop()
    assert "Q2631002" in expected, "Gävle kommun is a numbered buyer in the procurement file"

    cache = tmp_path / "cache"
    graphs = {}
    for order in ORDERS:
        store = new_store(tmp_path / f"{order}.db")
        steps = {
            "harvest": lambda store=store: harvest(store, server.url, cache),
            "upphandling": lambda store=store: load_files(store, "upphandling", [shared_data / AWARDS],
                                                          value_file=shared_data / VALUES),
        }
        done = run_in_order(order, store, steps)
        if order == ORDERS[0]:
            assert done["upphandling"].merged_after_load.get("name", 0) >= len(expected)
        else:
            assert done["harvest"].beneficiaries["name"] == len(expected)
        for q, org_id in expected.items():
            assert not store.query("MATCH (o:Organisation) WHERE o.org_id = $k RETURN o.org_id", {"k": f"EUKG:{q}"})
            [node] = store.query("MATCH (o:Organisation) WHERE o.org_id = $id RETURN o.aliases AS aliases, "
                                 "o.eukg_item AS item, o.source AS source", {"id": org_id})
            assert node["item"] == q and "eukg" in node["source"].split(";")
            assert fixture_names(q, projects) <= set(node["aliases"])
            assert projects_of(q, projects) <= beneficiary_projects(store, org_id)
            assert store.query("MATCH (o:Organisation)-[:BUYER_OF]->(:Procurement) WHERE o.org_id = $id "
                               "RETURN count(*) AS n", {"id": org_id})[0]["n"] > 0, "one node: buyer and beneficiary"
        # Beneficiaries outside Sweden are never folded by name: they keep their EU KG keys.
        foreign = {q for q in used if bf.ORGS[q][0] != "Q11"}
        kept = {r["id"] for r in store.query("MATCH (o:Organisation) WHERE o.org_id STARTS WITH 'EUKG:' "
                                             "RETURN o.org_id AS id")}
        assert {f"EUKG:{q}" for q in foreign} <= kept
        before = store.counts()
        run_in_order(order, store, steps)
        after = store.counts()
        assert (after.nodes, after.rels) == (before.nodes, before.rels), order
        graphs[order] = order_free(snapshot(store))
    assert graphs[ORDERS[0]] == graphs[ORDERS[1]], "the graph does not depend on the load order"


# -- one theme id scheme ----------------------------------------------------------------------------
def test_harvested_and_projektbanken_to03_share_one_theme(server, fixture_data, shared_data: Path,
                                                           tmp_path: Path) -> None:
    harvested = {f"EUKG:{p.qid}" for p in fixture_data.projects
                 for q in p.themes if bf.THEMES[q][:2] == ("thematic_objective", "03")}
    cases = json.loads((shared_data / PROJECTS).read_text(encoding="utf-8"))
    smf = {str(c["ärende-id"]) for c in cases if "SMF" in (c.get("tematiskt_mål") or "")}
    assert harvested and smf, "both sources must hold thematic objective 3 projects"
    store = new_store(tmp_path / "g.db")
    harvest(store, server.url, tmp_path / "cache")
    load_files(store, "projektbanken", [shared_data / PROJECTS])
    themes = store.query("MATCH (t:Theme) WHERE t.kind = 'thematic_objective' AND t.code = 'TO03' "
                         "RETURN t.theme_id AS id, t.source AS source")
    assert themes == [{"id": "TO03", "source": "eukg;projektbanken"}]
    rows = store.query("MATCH (p:Project)-[:HAS_THEME]->(t:Theme) WHERE t.theme_id = 'TO03' RETURN p.project_id AS p")
    assert {r["p"] for r in rows} == harvested | smf
    # Every thematic objective is one node, named by the scheme whichever source brought it.
    ids = [r["id"] for r in store.query("MATCH (t:Theme) WHERE t.kind = 'thematic_objective' RETURN t.theme_id AS id")]
    assert len(ids) == len(set(ids)) and all(i == "TA" or (i[:2] == "TO" and i[2:].isdigit() and len(i) == 4) for i in ids)


def test_a_source_seen_again_keeps_the_others(embedded_store: EmbeddedStore) -> None:
    """A harvest meets the same organisation on many pages: its ``source`` list must not shrink to the last one."""
    from graph.records import Node

    for source in ("projektbanken", "eukg", "eukg", "projektbanken;upphandling"):
        embedded_store.load([Node("Organisation", {"org_id": REGION_GAVLEBORG, "source": source})])
    [row] = embedded_store.query("MATCH (o:Organisation) RETURN o.source AS s")
    assert row["s"] == "eukg;projektbanken;upphandling"  # each once, sorted (no load order shows)
