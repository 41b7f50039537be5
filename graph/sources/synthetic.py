"""A deterministic synthetic stakeholder network shaped like the real Swedish data.

For the demo and for benchmarks: it streams records (never one big list), so it runs from a few
hundred organisations to EU size (``scale=700_000`` organisations, 2,000,000 projects) in memory
bounded by a few numpy arrays of one entry per organisation.

Shape, taken from ../shared/data: the 21 Swedish counties with their NUTS 2013 codes under NUTS2,
NUTS1 and the country; the 21 regions (Region Gävleborg among them), municipalities and agencies as
buyers; suppliers drawn with heavy-tailed (Zipf) participation; supplier sizes in the real
proportions of the 2021 procurement statistics (28% large, 25% small, 23% medium, 20% micro, 3%
unknown); procurements with 1-4 lots and 1-3 awards per lot; EU projects with 1-6 beneficiaries
(mostly one or two) across funds, programmes and thematic objectives. Every record carries
``source="synthetic"``; nothing here is real.

>>> recs = list(iter_records(scale=200, seed=1))
>>> recs == list(iter_records(scale=200, seed=1))
True
>>> sum(1 for r in recs if isinstance(r, Node) and r.label == "Organisation")
200
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from graph.errors import StakenetError
from graph.records import Node, Record, Rel
from graph.themes import theme_id

SOURCE = "synthetic"

# (NUTS3, county name, region name as a buyer, NUTS2, NUTS2 name, NUTS1)
COUNTIES: tuple[tuple[str, str, str, str], ...] = (
    ("SE110", "Stockholms län", "Region Stockholm", "SE11"),
    ("SE121", "Uppsala län", "Region Uppsala", "SE12"),
    ("SE122", "Södermanlands län", "Region Sörmland", "SE12"),
    ("SE123", "Östergötlands län", "Region Östergötland", "SE12"),
    ("SE124", "Örebro län", "Region Örebro län", "SE12"),
    ("SE125", "Västmanlands län", "Region Västmanland", "SE12"),
    ("SE211", "Jönköpings län", "Region Jönköpings län", "SE21"),
    ("SE212", "Kronobergs län", "Region Kronoberg", "SE21"),
    ("SE213", "Kalmar län", "Region Kalmar län", "SE21"),
    ("SE214", "Gotlands län", "Region Gotland", "SE21"),
    ("SE221", "Blekinge län", "Region Blekinge", "SE22"),
    ("SE224", "Skåne län", "Region Skåne", "SE22"),
    ("SE231", "Hallands län", "Region Halland", "SE23"),
    ("SE232", "Västra Götalands län", "Västra Götalandsregionen", "SE23"),
    ("SE311", "Värmlands län", "Region Värmland", "SE31"),
    ("SE312", "Dalarnas län", "Region Dalarna", "SE31"),
    ("SE313", "Gävleborgs län", "Region Gävleborg", "SE31"),
    ("SE321", "Västernorrlands län", "Region Västernorrland", "SE32"),
    ("SE322", "Jämtlands län", "Region Jämtland Härjedalen", "SE32"),
    ("SE331", "Västerbottens län", "Region Västerbotten", "SE33"),
    ("SE332", "Norrbottens län", "Region Norrbotten", "SE33"),
)
NUTS2 = {
    "SE11": ("Stockholm", "SE1"),
    "SE12": ("Östra Mellansverige", "SE1"),
    "SE21": ("Småland med öarna", "SE2"),
    "SE22": ("Sydsverige", "SE2"),
    "SE23": ("Västsverige", "SE2"),
    "SE31": ("Norra Mellansverige", "SE3"),
    "SE32": ("Mellersta Norrland", "SE3"),
    "SE33": ("Övre Norrland", "SE3"),
}
NUTS1 = {"SE1": "Östra Sverige", "SE2": "Södra Sverige", "SE3": "Norra Sverige"}
# County population weights (thousands, rounded): organisations are placed in proportion.
COUNTY_WEIGHTS = np.array(
    [2415, 395, 300, 470, 305, 280, 365, 203, 246, 61, 159, 1389, 340, 1744, 283, 288, 288, 245, 132, 274, 250],
    dtype=float,
)

FUNDS = (
    ("ERDF", "European Regional Development Fund"),
    ("ESF", "European Social Fund"),
    ("CF", "Cohesion Fund"),
    ("JTF", "Just Transition Fund"),
)
FUND_WEIGHTS = np.array([0.55, 0.35, 0.04, 0.06])
THEMATIC_OBJECTIVES = (
    ("TO01", "Research and innovation"),
    ("TO02", "Information and communication technologies"),
    ("TO03", "Competitiveness of SMEs"),
    ("TO04", "Low-carbon economy"),
    ("TO05", "Climate change adaptation and risk prevention"),
    ("TO06", "Environment and resource efficiency"),
    ("TO07", "Sustainable transport"),
    ("TO08", "Employment and labour mobility"),
    ("TO09", "Social inclusion"),
    ("TO10", "Education and training"),
    ("TO11", "Institutional capacity"),
)
CPV_GROUPS = (
    ("03", "Agricultural and food products"),
    ("09", "Petroleum products, fuel and energy"),
    ("15", "Food and beverages"),
    ("30", "Office and computing machinery"),
    ("33", "Medical equipment and pharmaceuticals"),
    ("34", "Transport equipment"),
    ("39", "Furniture and cleaning products"),
    ("45", "Construction work"),
    ("48", "Software packages"),
    ("50", "Repair and maintenance services"),
    ("60", "Transport services"),
    ("71", "Architectural and engineering services"),
    ("72", "IT services"),
    ("79", "Business services"),
    ("80", "Education and training services"),
    ("85", "Health and social work services"),
    ("90", "Sewage, refuse and cleaning services"),
)
# Theme ids from the one scheme all sources share (graph/themes.py).
TO_THEME_IDS = tuple(theme_id("thematic_objective", code) for code, _ in THEMATIC_OBJECTIVES)
CPV_THEME_IDS = tuple(theme_id("cpv_group", code) for code, _ in CPV_GROUPS)
PROCEDURES = ("Öppet förfarande", "Förenklat förfarande", "Urvalsförfarande", "Direktupphandling", "Förhandlat förfarande")
PROCEDURE_WEIGHTS = np.array([0.45, 0.35, 0.06, 0.09, 0.05])
CONTRACT_TYPES = ("Ramavtal", "Kontrakt")
# The real 2021 shares of supplier size classes (n=23,187 awards): large, small, medium, micro, unknown.
SIZES = ("large", "small", "medium", "micro", None)
SIZE_WEIGHTS = np.array([6508, 5879, 5443, 4618, 739], dtype=float) / 23187
SEK_PER_EUR = 10.5

_PREFIXES = (
    "Norr", "Söder", "Väst", "Öst", "Fjäll", "Skog", "Älv", "Sjö", "Berg", "Dal", "Hav", "Ljus", "Sten", "Björk",
    "Gran", "Ek", "Lind", "Ås", "Myr", "Strand",
)
_TRADES = (
    "Bygg", "Data", "Konsult", "Transport", "El", "Vård", "Städ", "Mat", "Energi", "Teknik", "Media", "Miljö",
    "Fastighet", "Logistik", "Design", "Utbildning",
)
_LEGAL = (("AB", "Aktiebolag"), ("HB", "Handelsbolag"), ("Ek. för.", "Ekonomisk förening"), ("A/S", "Utländskt bolag"))


def _luhn_check_digit(nine: str) -> str:
    """The Luhn check digit that completes a 9-digit Swedish organisation-number stem."""
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _org_number(first: int, i: int) -> str:
    stem = f"{first}{(i * 7919 + 104729) % 10**8:08d}"
    return stem + _luhn_check_digit(stem)


@dataclass(frozen=True)
class Plan:
    """How many of each thing a scale yields."""

    organisations: int
    buyers: int
    beneficiary_only: int
    procurements: int
    projects: int
    programmes: int


def plan(scale: int) -> Plan:
    """The sizes that ``scale`` organisations imply (projects ~ 2.86 per organisation, as in the EU KG).

    >>> plan(700_000).projects
    2000000
    """
    if scale < 50:
        raise StakenetError(f"scale must be at least 50 organisations, got {scale}")
    buyers = max(len(COUNTIES) + 10, scale // 25)
    beneficiary_only = scale // 10
    return Plan(
        organisations=scale,
        buyers=buyers,
        beneficiary_only=beneficiary_only,
        procurements=max(20, scale * 2 // 5),
        projects=max(10, round(scale * 20 / 7)),
        programmes=max(3, min(60, scale // 100)),
    )


@dataclass(frozen=True)
class World:
    """The per-organisation draws every part of the network depends on."""

    county: np.ndarray  # county index per organisation
    legal: np.ndarray  # legal-form index per organisation
    size: np.ndarray  # size-class index per organisation (the last, None, for non-companies)
    first_company: int
    cdf: np.ndarray  # cumulative participation weights of the companies (suppliers and beneficiaries)
    buyer_cdf: np.ndarray


def draw_world(p: Plan, rng: np.random.Generator) -> World:
    """The organisations' draws, first from ``rng`` (both generators call this, so both draw alike)."""
    n = p.organisations
    county = rng.choice(len(COUNTIES), size=n, p=COUNTY_WEIGHTS / COUNTY_WEIGHTS.sum())
    # Organisation index layout: [0, buyers) public buyers (the 21 regions first), then
    # [buyers, buyers + beneficiary_only) universities/associations, then companies (suppliers).
    first_company = p.buyers + p.beneficiary_only
    county[: len(COUNTIES)] = np.arange(len(COUNTIES))
    legal = rng.choice(len(_LEGAL), size=n, p=[0.9, 0.03, 0.03, 0.04])
    # Suppliers: Zipf-like participation over companies in a seeded random order.
    ranks = rng.permutation(n - first_company)
    weights = 1.0 / (ranks + 1.0) ** 0.9
    size = np.full(n, len(SIZES) - 1)
    size[first_company:] = _sizes_by_award_share(weights)
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    # Buyers: regions and big municipalities buy more (heavy tail too, milder).
    buyer_w = 1.0 / (np.arange(p.buyers) + 1.0) ** 0.6
    return World(county, legal, size, first_company, cdf, np.cumsum(buyer_w) / buyer_w.sum())


@dataclass(frozen=True)
class ProcurementDraws:
    """One chunk of procurements' random numbers; awards are drawn 3 per lot, taken by a cursor."""

    buyer: np.ndarray
    lots: np.ndarray
    supplier_draws: np.ndarray
    awards_per_lot: np.ndarray
    cpv: np.ndarray
    proc: np.ndarray
    frame: np.ndarray
    flags: np.ndarray
    unknown: np.ndarray
    value: np.ndarray
    bids: np.ndarray
    month: np.ndarray
    day: np.ndarray


def draw_procurements(rng: np.random.Generator, m: int, w: World) -> ProcurementDraws:
    buyer = np.searchsorted(w.buyer_cdf, rng.random(m))
    lots = rng.integers(1, 5, size=m)
    total_awards = int((lots * 3).sum())
    return ProcurementDraws(
        buyer=buyer, lots=lots,
        supplier_draws=w.first_company + np.searchsorted(w.cdf, rng.random(total_awards)),
        awards_per_lot=rng.choice([1, 1, 1, 2, 3], size=total_awards),
        cpv=rng.integers(0, len(CPV_GROUPS), size=m),
        proc=rng.choice(len(PROCEDURES), size=m, p=PROCEDURE_WEIGHTS),
        frame=rng.random(m) < 0.55,
        flags=rng.random((m, 4)) < np.array([0.35, 0.2, 0.03, 0.15]),
        unknown=rng.random((m, 4)) < 0.05,
        value=np.round(np.exp(rng.normal(14.0, 1.6, size=m)), 0),
        bids=rng.integers(1, 9, size=total_awards),
        month=rng.integers(1, 13, size=m),
        day=rng.integers(1, 29, size=m),
    )


@dataclass(frozen=True)
class ProjectDraws:
    """One chunk of projects' random numbers; ``picks`` holds ``n_ben[j]`` beneficiaries per project, in order."""

    n_ben: np.ndarray
    picks: np.ndarray
    fund: np.ndarray
    programme: np.ndarray
    theme: np.ndarray
    eu: np.ndarray
    rate: np.ndarray
    year: np.ndarray
    months: np.ndarray


def draw_projects(rng: np.random.Generator, m: int, w: World, programmes: int) -> ProjectDraws:
    n_ben = np.minimum(6, 1 + rng.geometric(0.55, size=m) - 1)
    total = int(n_ben.sum())
    public = rng.random(total) < 0.45
    public_pick = rng.integers(0, w.first_company, size=total)  # a public body or association
    company_pick = w.first_company + np.searchsorted(w.cdf, rng.random(total))
    return ProjectDraws(
        n_ben=n_ben, picks=np.where(public, public_pick, company_pick),
        fund=rng.choice(len(FUNDS), size=m, p=FUND_WEIGHTS),
        programme=rng.integers(0, programmes, size=m),
        theme=rng.integers(0, len(THEMATIC_OBJECTIVES), size=m),
        eu=np.round(np.exp(rng.normal(14.5, 1.3, size=m)), 0),
        rate=rng.choice([0.4, 0.5, 0.5, 0.6], size=m),
        year=rng.integers(2014, 2023, size=m),
        months=rng.integers(12, 48, size=m),
    )


def iter_records(scale: int = 2_000, seed: int = 42, chunk: int = 10_000) -> Iterator[Record]:
    """Yield the synthetic network: fixed nodes, organisations, procurements, then projects.

    Nodes are always yielded before the relationships that use them. Same ``scale`` and ``seed``,
    same records, in the same order.
    """
    p = plan(scale)
    rng = np.random.default_rng(seed)
    yield from _fixed_nodes(p)

    w = draw_world(p, rng)
    n, county, size, legal = p.organisations, w.county, w.size, w.legal
    for start in range(0, n, chunk):
        for i in range(start, min(n, start + chunk)):
            yield from _organisation(i, p, int(county[i]), int(size[i]), int(legal[i]))

    for start in range(0, p.procurements, chunk):
        m = min(p.procurements, start + chunk) - start
        d = draw_procurements(rng, m, w)
        buyer, lots, supplier_draws, awards_per_lot, bids = d.buyer, d.lots, d.supplier_draws, d.awards_per_lot, d.bids
        cpv, proc, frame, flags, unknown, value, month, day = d.cpv, d.proc, d.frame, d.flags, d.unknown, d.value, d.month, d.day
        cursor = 0
        for j in range(m):
            k = start + j
            pid = f"SYN-UH-{k:08d}"
            flag_values = [None if unknown[j, f] else bool(flags[j, f]) for f in range(4)]
            yield Node(
                "Procurement",
                {
                    "procurement_id": pid,
                    "upphandlings_id": pid,
                    "title": f"{CPV_GROUPS[cpv[j]][1]} {k}",
                    "published": f"2021-{month[j]:02d}-{day[j]:02d}",
                    "procedure": PROCEDURES[proc[j]],
                    "contract_type": CONTRACT_TYPES[0 if frame[j] else 1],
                    "cpv": f"{CPV_GROUPS[cpv[j]][0]}000000",
                    "value": float(value[j]),
                    "currency": "SEK",
                    "env_sustainable": flag_values[0],
                    "social_sustainable": flag_values[1],
                    "innovation": flag_values[2],
                    "coordinated": flag_values[3],
                    "source": SOURCE,
                },
            )
            yield Rel("BUYER_OF", ("Organisation", _org_id(int(buyer[j]), p)), ("Procurement", pid), {"source": SOURCE})
            yield Rel("HAS_THEME", ("Procurement", pid), ("Theme", CPV_THEME_IDS[cpv[j]]), {"source": SOURCE})
            seen: set[tuple[int, int]] = set()
            for lot in range(1, int(lots[j]) + 1):
                for _ in range(int(awards_per_lot[cursor])):
                    s = int(supplier_draws[cursor])
                    b = int(bids[cursor])
                    cursor += 1
                    if (s, lot) in seen:
                        continue
                    seen.add((s, lot))
                    yield Rel(
                        "AWARDED_TO",
                        ("Procurement", pid),
                        ("Organisation", _org_id(s, p)),
                        {"lot_id": str(lot), "contracted_bids": b, "supplier_size": SIZES[int(size[s])],
                         "source": SOURCE},
                    )

    # EU projects: beneficiaries mostly companies and public bodies, 1-6 per project.
    for start in range(0, p.projects, chunk):
        m = min(p.projects, start + chunk) - start
        e = draw_projects(rng, m, w, p.programmes)
        n_ben, picks, fund, programme, theme = e.n_ben, e.picks, e.fund, e.programme, e.theme
        eu, rate, year, months = e.eu, e.rate, e.year, e.months
        cursor = 0
        for j in range(m):
            k = start + j
            pid = f"SYN-P-{k:08d}"
            members = list(dict.fromkeys(int(x) for x in picks[cursor : cursor + int(n_ben[j])]))
            cursor += int(n_ben[j])
            lead_county = int(county[members[0]])
            end_year = int(year[j]) + int(months[j]) // 12
            eu_budget = float(eu[j])
            total_budget = round(eu_budget / float(rate[j]), 0)
            yield Node(
                "Project",
                {
                    "project_id": pid,
                    "title": f"{THEMATIC_OBJECTIVES[theme[j]][1]}: project {k}",
                    "start_date": f"{year[j]}-{1 + k % 12:02d}-01",
                    "end_date": f"{end_year}-{1 + (k + 5) % 12:02d}-28",
                    "eu_budget": eu_budget,
                    "total_budget": total_budget,
                    "currency": "SEK",
                    "eu_budget_eur": round(eu_budget / SEK_PER_EUR, 2),
                    "total_budget_eur": round(total_budget / SEK_PER_EUR, 2),
                    "cofinancing_rate": float(rate[j]),
                    "cofinancing_unit": "fraction",
                    "country": "SE",
                    "source": SOURCE,
                },
            )
            for rank, o in enumerate(members):
                yield Rel(
                    "BENEFICIARY_OF",
                    ("Organisation", _org_id(o, p)),
                    ("Project", pid),
                    {"role": "lead" if rank == 0 else "partner", "source": SOURCE},
                )
            yield Rel("FUNDED_BY", ("Project", pid), ("Fund", FUNDS[fund[j]][0]), {"source": SOURCE})
            yield Rel("IN_PROGRAMME", ("Project", pid), ("Programme", _cci(int(programme[j]))), {"source": SOURCE})
            yield Rel("HAS_THEME", ("Project", pid), ("Theme", TO_THEME_IDS[theme[j]]), {"source": SOURCE})
            yield Rel("LOCATED_IN", ("Project", pid), ("Region", COUNTIES[lead_county][0]), {"source": SOURCE})


def _sizes_by_award_share(weights: np.ndarray) -> np.ndarray:
    """Size classes such that each class's share of expected awards matches the real shares.

    Companies are taken from the most to the least active; each gets the class furthest below its
    target share so far, so the heavy tail cannot skew the shares the way independent draws do.
    """
    out = np.empty(len(weights), dtype=np.int64)
    got = np.zeros(len(SIZES))
    total = 0.0
    for i in np.argsort(-weights, kind="stable"):
        total += weights[i]
        c = int(np.argmax(SIZE_WEIGHTS * total - got))
        out[i] = c
        got[c] += weights[i]
    return out


def _cci(i: int) -> str:
    return f"2014SE{16 + i % 4:02d}RFOP{i:03d}"


def _org_id(i: int, p: Plan) -> str:
    if i < p.buyers:
        return "SE-ON:" + _org_number(2, i)
    return "SE-ON:" + _org_number(5 if i >= p.buyers + p.beneficiary_only else 8, i)


def _fixed_nodes(p: Plan) -> Iterator[Record]:
    yield Node("Country", {"code": "SE", "name": "Sverige", "source": SOURCE})
    for code, name in NUTS1.items():
        yield Node("Region", {"nuts_code": code, "name": name, "level": 1, "nuts_version": "2013", "source": SOURCE})
        yield Rel("PART_OF", ("Region", code), ("Country", "SE"), {"source": SOURCE})
    for code, (name, parent) in NUTS2.items():
        yield Node("Region", {"nuts_code": code, "name": name, "level": 2, "nuts_version": "2013", "source": SOURCE})
        yield Rel("PART_OF", ("Region", code), ("Region", parent), {"source": SOURCE})
    for code, name, _, parent in COUNTIES:
        yield Node("Region", {"nuts_code": code, "name": name, "level": 3, "nuts_version": "2013", "source": SOURCE})
        yield Rel("PART_OF", ("Region", code), ("Region", parent), {"source": SOURCE})
    for code, name in FUNDS:
        yield Node("Fund", {"code": code, "name": name, "source": SOURCE})
    for i in range(p.programmes):
        yield Node("Programme", {"cci": _cci(i), "name": f"Synthetic operational programme {i + 1}", "source": SOURCE})
    for (code, name), tid in zip(THEMATIC_OBJECTIVES, TO_THEME_IDS, strict=True):
        yield Node("Theme", {"theme_id": tid, "kind": "thematic_objective", "code": code, "name": name, "source": SOURCE})
    for (code, name), tid in zip(CPV_GROUPS, CPV_THEME_IDS, strict=True):
        yield Node("Theme", {"theme_id": tid, "kind": "cpv_group", "code": code, "name": name, "source": SOURCE})


def _organisation(i: int, p: Plan, county: int, size: int, legal: int) -> Iterator[Record]:
    org_id = _org_id(i, p)
    yield Node("Organisation", organisation_props(i, p, county, size, legal, org_id))
    yield Rel("LOCATED_IN", ("Organisation", org_id), ("Region", COUNTIES[county][0]), {"source": SOURCE})


def organisation_props(i: int, p: Plan, county: int, size: int, legal: int, org_id: str) -> dict[str, object]:
    """The properties of organisation ``i`` (both generators build their Organisation nodes with it)."""
    _, county_name, region_name, _ = COUNTIES[county]
    base = county_name.removesuffix(" län").removesuffix("s")
    props: dict[str, object]
    if i < len(COUNTIES):
        props = {"name": region_name, "sector": "Regioner", "legal_form": "Region", "is_public": True}
    elif i < p.buyers:
        kind = i % 5
        if kind == 4:
            props = {"name": f"{_PREFIXES[i % 20]}verket {i}", "sector": "Statliga myndigheter", "legal_form": "Statlig enhet"}
        elif kind == 3:
            props = {"name": f"{base} {_TRADES[i % 16]}bolag {i} AB", "sector": "Kommunala bolag", "legal_form": "Aktiebolag"}
        else:
            props = {"name": f"{_PREFIXES[i % 20]}{'by' if i % 2 else 'vik'} kommun {i}", "sector": "Kommuner", "legal_form": "Kommun"}
        props["is_public"] = True
    elif i < p.buyers + p.beneficiary_only:
        props = {
            "name": f"{base} {'Innovationsförening' if i % 3 else 'Forskningsinstitut'} {i}",
            "sector": "Ideella organisationer" if i % 3 else "Universitet och högskolor",
            "legal_form": "Ideell förening" if i % 3 else "Statlig enhet",
            "is_public": i % 3 == 0,
        }
    else:
        suffix, form = _LEGAL[legal]
        props = {
            "name": f"{_PREFIXES[i % 20]}{_TRADES[(i // 20) % 16].lower()} {i} {suffix}",
            "sector": "Privata företag" if legal != 3 else None,
            "legal_form": form,
            "size": SIZES[size],
            "is_public": False,
        }
        if legal == 3:
            props["country"] = "DK"
    props.setdefault("country", "SE")
    return {
        "org_id": org_id,
        "org_number": org_id.removeprefix("SE-ON:") if props["country"] == "SE" else None,
        "org_number_valid": True if props["country"] == "SE" else None,
        "source": SOURCE,
        **props,
    }
