"""Placing buyers in their county by name: the municipality table, the rules, and the real data.

The table graph/data/municipalities.csv is checked three ways: its own consistency (kommunkod,
county, NUTS code), against Projektbanken (each project lists its municipalities and counties:
a municipality must lie in its projects' counties, and the intersection over all its projects
pins its county down), and against the buyers of the 2021 procurement statistics (every
municipality, region and county administrative board among them must resolve).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from graph.counties import SE_COUNTIES, county_name, county_nuts3
from graph.ingest.load import load_files
from graph.ingest.summaries import placement_summary
from graph.io.reports import FileReport
from graph.placement import COMMON_WORD_NAMES, Municipality, Placer, load_municipalities
from graph.records import Node, Rel
from graph.sources import upphandling
from graph.sources.synthetic import COUNTIES
from graph.store.embedded import EmbeddedStore, open_database

FIXTURES = Path(__file__).parent / "fixtures"
TABLE = Path(__file__).parent.parent / "graph" / "data" / "municipalities.csv"
AWARDS = "se_procurement_2021_awards.csv"
VALUES = "se_procurement_2021_contracted_value.csv"
PROJECTS = "se_erdf_2014_2020_projektbanken_2016.json"
NUTS = "nuts2013.csv"
# Län code (first two digits of the kommunkod) -> NUTS 2013 code: SCB's county codes.
LANSKOD = {
    "01": "SE110", "03": "SE121", "04": "SE122", "05": "SE123", "06": "SE211", "07": "SE212", "08": "SE213",
    "09": "SE214", "10": "SE221", "12": "SE224", "13": "SE231", "14": "SE232", "17": "SE311", "18": "SE124",
    "19": "SE125", "20": "SE312", "21": "SE313", "22": "SE321", "23": "SE322", "24": "SE331", "25": "SE332",
}
GAVLEBORG_MUNICIPALITIES = {
    "Gävle", "Sandviken", "Hofors", "Ockelbo", "Ovanåker", "Bollnäs", "Söderhamn", "Ljusdal", "Hudiksvall", "Nordanstig",
}


def _key(name: str) -> str:
    """Projektbanken glues some names together ("ÖstraGöinge"): compare without spaces and hyphens."""
    return name.casefold().replace(" ", "").replace("-", "")


# -- the table ---------------------------------------------------------------------------------


def test_table_has_all_290_municipalities_with_consistent_codes():
    rows = load_municipalities()
    assert len(rows) == 290
    assert len({m.kommunkod for m in rows}) == 290 and len({m.name for m in rows}) == 290
    for m in rows:
        assert len(m.kommunkod) == 4 and m.kommunkod.isdigit(), m
        assert LANSKOD[m.kommunkod[:2]] == m.nuts3, m
        assert m.county == county_name(m.nuts3), m
    assert {m.nuts3 for m in rows} == set(SE_COUNTIES.values()) == {c[0] for c in COUNTIES}
    per_county = Counter(m.nuts3 for m in rows)
    assert per_county["SE313"] == 10 and per_county["SE214"] == 1 and per_county["SE224"] == 33
    assert {m.name for m in rows if m.nuts3 == "SE313"} == GAVLEBORG_MUNICIPALITIES


def test_table_cites_its_source():
    first = TABLE.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("#") and "SCB" in first and "kommunkod" in first.casefold()


def test_no_municipality_name_is_another_in_the_genitive():
    # "<X>s kommun" is read as X only when "<X>s" is no municipality itself; no pair may exist.
    names = {Placer().municipalities[k].name.casefold() for k in Placer().municipalities}
    assert not [n for n in names if n + "s" in names]


# -- against Projektbanken ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def projects(shared_data: Path) -> list[dict]:
    return json.loads((shared_data / PROJECTS).read_text(encoding="utf-8"))


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def test_every_projektbanken_municipality_is_in_the_table(projects):
    table = {_key(m.name): m for m in load_municipalities()}
    missing = sorted({k for case in projects for k in _split(case.get("kommuner")) if _key(k) not in table})
    # Projektbanken misspells Stenungsund (SCB, and the procurement data: "STENUNGSUNDS KOMMUN").
    assert missing == ["Stenungssund"]
    named = {table[_key(k)].kommunkod for case in projects for k in _split(case.get("kommuner")) if _key(k) in table}
    assert len(named | {table[_key("Stenungsund")].kommunkod}) == 290


def test_a_municipality_on_a_single_county_project_is_in_that_county(projects):
    table = {_key(m.name): m for m in load_municipalities()}
    table[_key("Stenungssund")] = table[_key("Stenungsund")]
    checked = 0
    pinned: dict[str, set[str]] = {}
    for case in projects:
        codes = {county_nuts3(c) for c in _split(case["län"])}
        assert None not in codes, case["län"]
        for k in _split(case.get("kommuner")):
            m = table[_key(k)]
            assert m.nuts3 in codes, (case["ärende-id"], k, m.nuts3, case["län"])
            if len(codes) == 1:
                checked += 1
            pinned[m.kommunkod] = pinned.get(m.kommunkod, set(codes)) & codes  # type: ignore[arg-type]
    assert checked == 3187
    # Intersecting the counties of every project a municipality is on leaves exactly its county.
    assert {code: next(iter(c)) for code, c in pinned.items() if len(c) == 1} == {m.kommunkod: m.nuts3 for m in load_municipalities()}


# -- the rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "sector", "org_id", "expected"), [
    ("GÄVLE KOMMUN", "Kommun", None, ("SE313", "municipality", "Gävle")),
    ("Sandvikens kommun", None, None, ("SE313", "municipality", "Sandviken")),
    ("ALINGSÅS KOMMUN", "Kommun", None, ("SE232", "municipality", "Alingsås")),  # ends in s by itself
    ("Stockholms stad", None, None, ("SE110", "municipality", "Stockholm")),
    ("Göteborgs Stad", None, None, ("SE232", "municipality", "Göteborg")),
    ("DALS-EDS KOMMUN", "Kommun", None, ("SE232", "municipality", "Dals-Ed")),
    ("UPPLANDS VÄSBY KOMMUN", "Kommun", None, ("SE110", "municipality", "Upplands Väsby")),
    ("MALUNG-SÄLENS KOMMUN", "Kommun", None, ("SE312", "municipality", "Malung-Sälen")),
    ("Falu kommun", None, None, ("SE312", "municipality", "Falun")),
    ("REGION GOTLAND", "Kommun", None, ("SE214", "municipality", "Gotland")),
    ("Gotlands kommun", None, None, ("SE214", "municipality", "Gotland")),
    ("HEBY KOMMUN", "Kommun", None, ("SE121", "municipality", "Heby")),  # Uppsala län since 2007
    ("REGION GÄVLEBORG", "Region", None, ("SE313", "region", "Gävleborg")),
    ("Gävleborgs läns landsting", None, None, ("SE313", "region", "Gävleborg")),
    ("Landstinget i Östergötland", None, None, ("SE123", "region", "Östergötland")),
    ("REGION JÖNKÖPINGS LÄN", "Region", None, ("SE211", "region", "Jönköping")),
    ("REGION JÄMTLAND HÄRJEDALEN", "Region", None, ("SE322", "region", "Jämtland")),
    ("REGION SÖRMLAND", "Region", None, ("SE122", "region", "Södermanland")),
    ("VÄSTRA GÖTALANDSREGIONEN", "Region", "SE-ON:2321000131", ("SE232", "region", "Västra Götaland")),
    ("LÄNSSTYRELSEN I GÄVLEBORGS LÄN", "Stat", None, ("SE313", "county_board", "Gävleborg")),
    ("Länsstyrelsen Skåne", "Stat", None, ("SE224", "county_board", "Skåne")),
    ("GÄVLE ENERGI AKTIEBOLAG", "Kommun", None, ("SE313", "municipal_company", "Gävle")),
    ("AB BOSTADEN I UMEÅ", "Kommun", None, ("SE331", "municipal_company", "Umeå")),
    ("VATTEN & AVFALL I MALUNG-SÄLEN AB", "Kommun", None, ("SE312", "municipal_company", "Malung-Sälen")),
    ("SANDVIKENHUS AKTIEBOLAG", "Kommun", None, ("SE313", "municipal_company", "Sandviken")),
    ("AKTIEBOLAGET HUDIKSVALLSBOSTÄDER", "Kommun", None, ("SE313", "municipal_company", "Hudiksvall")),
])
def test_placed(name, sector, org_id, expected):
    p = Placer().place(name, sector=sector, org_id=org_id)
    assert p is not None and (p.nuts3, p.rule, p.place) == expected


@pytest.mark.parametrize(("name", "sector"), [
    ("Atlantis kommun", "Kommun"),  # not a Swedish municipality
    ("LUMPARLANDS KOMMUN", "Annat"),  # Åland (Finland)
    ("GÄVLE ENERGI AKTIEBOLAG", "Annat"),  # the sector does not say municipal
    ("HÖGSKOLAN I GÄVLE", "Stat"),  # a state body named after its town
    ("FOLKTANDVÅRDEN GÄVLEBORG AB", "Region"),  # regional companies stay unplaced
    ("ESKILSTUNA STRÄNGNÄS ENERGI OCH MILJÖ AKTIEBOLAG", "Kommun"),  # two municipalities
    ("LSR LANDSKRONA-SVALÖVS RENHÅLLNINGS AB", "Kommun"),
    ("STOCKHOLMS LÄNS BOSTÄDER AB", "Kommun"),  # Stockholm followed by "län" is the county
    ("VARA KONSERTHUS AB", "Kommun"),  # vara is also an everyday word
    ("BERG OCH DAL AB", "Kommun"),
    ("GÖTEBORGSREGIONENS KOMMUNALFÖRBUND", "Kommun"),  # a region spanning two counties
    ("Region Halland Fastigheter AB", "Region"),
    ("Länsstyrelsen i Atlantis län", "Stat"),
    ("", "Kommun"),
    (None, None),
])
def test_not_placed(name, sector):
    assert Placer().place(name, sector=sector) is None


def test_common_word_names_are_municipalities():
    names = {m.name.casefold() for m in load_municipalities()}
    assert COMMON_WORD_NAMES <= names


# -- the source --------------------------------------------------------------------------------


def test_fixture_buyers_are_located_with_provenance():
    report = FileReport("fixture", "upphandling")
    records = list(upphandling.iter_records(FIXTURES / "upphandling_awards.csv", report=report))
    located = sorted((r.src[1], r.dst[1], r.props["source"]) for r in records if isinstance(r, Rel) and r.type == "LOCATED_IN")
    assert located == [
        ("SE-ON:2120002338", "SE313", "upphandling:name-place:municipality"),
        ("SE-ON:2120002346", "SE313", "upphandling:name-place:municipality"),
        ("SE-ON:2321000198", "SE313", "upphandling:name-place:region"),
        ("SE-ON:2331000180", "SE312", "upphandling:name-place:region"),
    ]
    regions = [r.props for r in records if isinstance(r, Node) and r.label == "Region"]
    assert sorted(r["nuts_code"] for r in regions) == ["SE312", "SE313"]  # each county node once
    assert report.placements == Counter({"municipality": 2, "region": 2, "unplaced": 1})
    assert report.quality[upphandling.PLACE_MISSES] == ["LUMPARLANDS KOMMUN"]


def test_rows_keep_loading_when_the_table_lacks_a_municipality():
    without = [m for m in load_municipalities() if m.name != "Sandviken"]
    full, partial = FileReport("f", "upphandling"), FileReport("f", "upphandling")
    a = list(upphandling.iter_records(FIXTURES / "upphandling_awards.csv", report=full))
    b = list(upphandling.iter_records(FIXTURES / "upphandling_awards.csv", report=partial, placer=Placer(without)))
    assert partial.loaded == full.loaded and not partial.rejects
    assert [r for r in a if not (isinstance(r, Rel) and r.type == "LOCATED_IN")] == \
        [r for r in b if not (isinstance(r, Rel) and r.type == "LOCATED_IN")]
    assert partial.placements == Counter({"municipality": 1, "region": 2, "unplaced": 2})
    assert "SANDVIKENS KOMMUN" in partial.quality[upphandling.PLACE_MISSES]


def test_a_custom_table_is_used_as_given():
    table = [Municipality("9999", "Atlantis", "Gävleborgs län", "SE313")]
    assert Placer(table).place("Atlantis kommun") is not None
    assert Placer(table).place("Gävle kommun") is None


# -- the real data -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def award_buyers(shared_data: Path) -> dict[str, tuple[str, str, str]]:
    """org number -> (name, sector, legal form) of every buyer in the awards file, read with csv."""
    out: dict[str, tuple[str, str, str]] = {}
    with (shared_data / AWARDS).open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["Organisationsnummer för köpare"], (
                row["Namn för köpare"], row["Sektor för köpare"], row["Juridisk form för köpare"]))
    return out


def test_every_municipality_region_and_county_board_among_the_buyers_resolves(award_buyers):
    placer = Placer()
    by_form: dict[str, Counter[str | None]] = {}
    misses = []
    for number, (name, sector, form) in award_buyers.items():
        p = placer.place(name, sector=sector, org_id=f"SE-ON:{number}")
        kind = "county board" if name.upper().startswith("LÄNSSTYRELSEN") else form
        by_form.setdefault(kind, Counter())[p.rule if p else None] += 1
        if p is None and placer.looks_placeable(name):
            misses.append(name)
    assert by_form["Kommuner"] == Counter({"municipality": 251})  # incl. REGION GOTLAND
    assert by_form["Regioner"] == Counter({"region": 21})  # incl. REGION DALARNA under a bad number
    assert by_form["county board"] == Counter({"county_board": 18})
    # The only such name not placed is a municipality of Åland, Finland (Finnish business ID).
    assert misses == ["LUMPARLANDS KOMMUN"]


@pytest.fixture(scope="module")
def loaded(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    conn = open_database(tmp_path_factory.mktemp("placement") / "real.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    reports = [
        load_files(store, "nuts", [shared_data / NUTS]),
        load_files(store, "upphandling", [shared_data / AWARDS], value_file=shared_data / VALUES),
        load_files(store, "projektbanken", [shared_data / PROJECTS]),
    ]
    yield store, reports
    conn.close()


def _luhn_ok(number: str) -> bool:
    """The Swedish organisation-number check digit (Luhn over 10 digits), written here independently."""
    if len(number) != 10 or not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(number):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


@pytest.fixture(scope="module")
def expected(award_buyers) -> dict[str, int]:
    """Buyers per placement rule, one per buyer node: a number failing its check digit whose name
    (case and spaces aside) is that of a valid-numbered buyer is the same buyer (issue 13)."""
    valid_names = {" ".join(n.casefold().split()) for num, (n, _, _) in award_buyers.items() if _luhn_ok(num)}
    twins = [num for num, (n, _, _) in award_buyers.items()
             if not _luhn_ok(num) and " ".join(n.casefold().split()) in valid_names]
    assert len(twins) == 4  # REGION DALARNA, Linköping, Karlstad, Arbetsmiljöverket
    placer, rules = Placer(), Counter()
    for number, (name, sector, _) in award_buyers.items():
        if number not in twins:
            p = placer.place(name, sector=sector, org_id=f"SE-ON:{number}")
            rules[p.rule if p else "unplaced"] += 1
    return {"municipality": rules["municipality"], "region": rules["region"], "county_board": rules["county_board"],
            "municipal_company": rules["municipal_company"], "other": 0, "unplaced": rules["unplaced"],
            "buyers": sum(rules.values())}


@pytest.mark.slow
def test_real_buyers_placed_by_rule(loaded, expected):
    store, reports = loaded
    assert placement_summary(store) == expected
    e = expected
    placed = e["buyers"] - e["unplaced"]
    assert placed == 505 - 3  # two municipalities and a region under a mistyped number are one buyer each
    line = next(line for line in reports[1].summary_lines() if line.startswith("buyers placed"))
    assert line == (f"buyers placed in a county by name: {placed} of {e['buyers']} ({100 * placed / e['buyers']:.1f}%): "
                    f"municipality {e['municipality']}, region {e['region']}, county board {e['county_board']}, "
                    f"municipal company {e['municipal_company']}; not placed {e['unplaced']}")
    # Every placed buyer is in exactly one county, and placements are NUTS 3 regions.
    rows = store.query("MATCH (o:Organisation)-[e:LOCATED_IN]->(r:Region) WHERE e.source STARTS WITH 'upphandling:name-place' "
                       "RETURN o.org_id AS org, r.level AS level")
    assert len(rows) == placed and len({r["org"] for r in rows}) == placed and {r["level"] for r in rows} == {3}


@pytest.mark.slow
def test_real_gavleborg_municipalities_and_region_are_in_se313(loaded, award_buyers):
    store, _ = loaded
    rows = store.query(
        "MATCH (o:Organisation)-[e:LOCATED_IN]->(r:Region) WHERE o.sector = 'Kommun' AND o.legal_form = 'Kommuner' "
        "AND r.nuts_code = 'SE313' RETURN o.name AS name, e.source AS source")
    expected = {"GÄVLE KOMMUN", "SANDVIKENS KOMMUN", "HOFORS KOMMUN", "OCKELBO KOMMUN", "OVANÅKERS KOMMUN",
                "BOLLNÄS KOMMUN", "SÖDERHAMNS KOMMUN", "LJUSDALS KOMMUN", "HUDIKSVALLS KOMMUN", "NORDANSTIGS KOMMUN"}
    buyers = {name for name, _, form in award_buyers.values() if form == "Kommuner"}
    assert expected <= buyers  # all ten are buyers in 2021
    assert {r["name"] for r in rows} == expected
    assert {r["source"] for r in rows} == {"upphandling:name-place:municipality"}
    region = store.query("MATCH (o:Organisation)-[e:LOCATED_IN]->(r:Region) WHERE o.org_id = 'SE-ON:2321000198' "
                         "RETURN r.nuts_code AS code, e.source AS source")
    assert region == [{"code": "SE313", "source": "upphandling:name-place:region"}]


@pytest.mark.slow
def test_real_placement_agrees_with_the_projects_of_placed_buyers(loaded):
    # Where a placed buyer is also an ERDF beneficiary, its projects touch its county.
    store, _ = loaded
    rows = store.query(
        "MATCH (r0:Region)<-[e:LOCATED_IN]-(o:Organisation)-[:BENEFICIARY_OF]->(p:Project)-[:LOCATED_IN]->(r:Region) "
        "WHERE e.source STARTS WITH 'upphandling:name-place' RETURN o.org_id AS org, r0.nuts_code AS placed, "
        "collect(DISTINCT r.nuts_code) AS project_counties")
    assert rows and all(r["placed"] in r["project_counties"] for r in rows), rows


@pytest.mark.slow
def test_real_reload_changes_no_count(loaded, shared_data: Path, expected):
    store, _ = loaded
    before, placed = store.counts(), placement_summary(store)
    again = load_files(store, "upphandling", [shared_data / AWARDS], value_file=shared_data / VALUES)
    assert store.counts() == before and placement_summary(store) == placed == expected
    assert again.stats.nodes_created == 0 and again.stats.rels_created == 0


@pytest.mark.slow
def test_real_county_indicators_pool_the_placed_buyers(loaded, expected):
    # Before name placement only 78 buyers had a county (all through their ERDF projects) and
    # Gävleborgs län pooled 2 buyers; now it pools its municipalities, region, county board and
    # municipal companies, plus Högskolan i Gävle, still placed by its projects.
    from graph.indicators import compute_indicators

    store, _ = loaded
    ind = compute_indicators(store)
    placed = expected["buyers"] - expected["unplaced"]
    assert (ind.buyers_located.with_data, ind.buyers_located.missing) == (placed + 21, expected["unplaced"] - 21)
    named = {r["name"] for r in store.query(
        "MATCH (o:Organisation)-[e:LOCATED_IN]->(r:Region) WHERE r.nuts_code = 'SE313' "
        "AND e.source STARTS WITH 'upphandling:name-place' RETURN o.name AS name")}
    assert len(named) == 21 and {"Region Gävleborg", "LÄNSSTYRELSEN I GÄVLEBORGS LÄN", "GÄVLE ENERGI AKTIEBOLAG",
                                 "SANDVIKENHUS AKTIEBOLAG"} <= named
    county = next(c for c in ind.counties if c.key == "SE313")
    assert county.buyers == len(named) + 1


@pytest.mark.slow
def test_real_placement_does_not_depend_on_load_order(shared_data: Path, tmp_path: Path, expected):
    conn = open_database(tmp_path / "reversed.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    try:
        load_files(store, "projektbanken", [shared_data / PROJECTS])
        load_files(store, "upphandling", [shared_data / AWARDS], value_file=shared_data / VALUES)
        load_files(store, "nuts", [shared_data / NUTS])
        assert placement_summary(store) == expected
    finally:
        conn.close()


def test_load_command_prints_the_placement_rate(tmp_path: Path):
    from click.testing import CliRunner

    from graph.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "f.db"), "load", "upphandling", str(FIXTURES / "upphandling_awards.csv")])
    assert result.exit_code == 0, result.output
    assert ("buyers placed in a county by name: 4 of 5 (80.0%): municipality 2, region 2, county board 0, "
            "municipal company 0; not placed 1") in result.output
    assert f"{upphandling.PLACE_MISSES}: 1: LUMPARLANDS KOMMUN" in result.output
