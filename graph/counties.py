"""Swedish counties (län) as NUTS 3 regions: their codes, names in any usual form, official names.

The vocabulary every layer shares (placement, the sources, lookups): a county name in any of its
usual forms ("Gävleborg", "Gävleborgs län", "Gävleborgs") maps to its NUTS 2013 code.

>>> county_nuts3("Gävleborgs län"), county_nuts3("gävleborg"), county_nuts3("Västra Götalands")
('SE313', 'SE313', 'SE232')
"""

from __future__ import annotations

NUTS_VERSION = "2013"

# NUTS 2013 codes of the Swedish counties, by the county's base name.
SE_COUNTIES: dict[str, str] = {
    "Stockholm": "SE110",
    "Uppsala": "SE121",
    "Södermanland": "SE122",
    "Östergötland": "SE123",
    "Örebro": "SE124",
    "Västmanland": "SE125",
    "Jönköping": "SE211",
    "Kronoberg": "SE212",
    "Kalmar": "SE213",
    "Gotland": "SE214",
    "Blekinge": "SE221",
    "Skåne": "SE224",
    "Halland": "SE231",
    "Västra Götaland": "SE232",
    "Värmland": "SE311",
    "Dalarna": "SE312",
    "Gävleborg": "SE313",
    "Västernorrland": "SE321",
    "Jämtland": "SE322",
    "Västerbotten": "SE331",
    "Norrbotten": "SE332",
}
_ALIASES = {"sörmland": "Södermanland", "jämtland härjedalen": "Jämtland", "dalarnas": "Dalarna"}


def _county_key(name: str) -> str:
    s = " ".join(name.casefold().replace("-", " ").split())
    for suffix in (" län", " county"):
        s = s.removesuffix(suffix)
    return s


_COUNTY_INDEX: dict[str, str] = {}
for _base, _code in SE_COUNTIES.items():
    _k = _county_key(_base)
    _COUNTY_INDEX[_k] = _code
    _COUNTY_INDEX[_k + "s"] = _code  # genitive: "Gävleborgs (län)"
for _alias, _base in _ALIASES.items():
    _COUNTY_INDEX[_alias] = SE_COUNTIES[_base]


def county_nuts3(name: str) -> str | None:
    """The NUTS 3 code of a Swedish county name (with or without "län", genitive or not), or None."""
    return _COUNTY_INDEX.get(_county_key(name))


_NO_GENITIVE = frozenset({"Uppsala", "Örebro", "Kalmar", "Blekinge", "Skåne"})


def county_name(code: str) -> str:
    """The official name of a Swedish county by NUTS 3 code ("Gävleborgs län", "Skåne län").

    >>> county_name("SE313"), county_name("SE224")
    ('Gävleborgs län', 'Skåne län')
    """
    base = next(b for b, c in SE_COUNTIES.items() if c == code)
    return f"{base} län" if base in _NO_GENITIVE else f"{base}s län"
