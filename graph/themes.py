"""Theme ids: the one scheme every source uses, so that one theme is one node whatever its source.

A thematic objective from the EU Knowledge Graph (``P1105`` "03"), from Projektbanken (Swedish
wording of objective 3) and from the synthetic generator are the same ``Theme`` node ``TO03``;
a CPV division from procurement data is ``CPV:45`` whether the source gives ``45`` or the full
code ``45000000-7``. Priority axes belong to one programme, so their code is scoped by the source
that names them (the caller passes e.g. ``EUKG:Q2600001``) and they never meet across sources.

==========================  ====================  ===============
kind                        code given as         theme id
==========================  ====================  ===============
``thematic_objective``      ``3``, ``03``, ``TO3``  ``TO03``
``policy_objective``        ``1``, ``PO1``        ``PO1``
``intervention_category``   ``1``, ``001``        ``IC:001``
``priority_axis``           a source-scoped code  ``PA:<code>``
``cpv_group``               ``45``, ``45000000``  ``CPV:45``
``specific_objective``      ``RSO1.1``, ``ISO6.6``  ``SO:RSO1.1``
==========================  ====================  ===============

Specific objectives are those of the 2021-2027 regulations: ``RSO<policy objective>.<n>`` (ERDF,
Regulation (EU) 2021/1058 art. 3) and the Interreg-specific ``ISO6.<n>`` (Regulation (EU) 2021/1059
art. 14, "a better cooperation governance", which the programmes code as policy objective 6).

Technical assistance, which Projektbanken lists among thematic objectives, is ``TA``.

>>> theme_id("thematic_objective", "03"), theme_id("policy_objective", "1"), theme_id("cpv_group", "45000000-7")
('TO03', 'PO1', 'CPV:45')
>>> theme_id("intervention_category", "62"), theme_id("priority_axis", "EUKG:Q2600001")
('IC:062', 'PA:EUKG:Q2600001')
>>> theme_id("specific_objective", "rso2.6"), theme_id("specific_objective", "ISO6.6")
('SO:RSO2.6', 'SO:ISO6.6')
"""

from __future__ import annotations

import re
from functools import lru_cache

from graph.errors import SchemaError

KINDS = ("thematic_objective", "policy_objective", "intervention_category", "priority_axis", "cpv_group",
         "specific_objective")

_TO_RE = re.compile(r"^(?:TO)?\s*0*([1-9][0-9]?)$", re.IGNORECASE)
_PO_RE = re.compile(r"^(?:PO)?\s*0*([1-9])$", re.IGNORECASE)
_IC_RE = re.compile(r"^(?:IC:?)?\s*([0-9]{1,3})$", re.IGNORECASE)
_CPV_RE = re.compile(r"^(?:CPV:?)?\s*([0-9]{2})[0-9]*(?:-[0-9])?$", re.IGNORECASE)
_SO_RE = re.compile(r"^(?:SO:)?\s*(R?SO|ISO)\s*([1-9])\.([0-9]{1,2})$", re.IGNORECASE)
TECHNICAL_ASSISTANCE = "TA"


def theme_code(kind: str, code: str) -> str:
    """The canonical ``code`` property of a theme of ``kind`` given as ``code`` (see the table above).

    Raises SchemaError naming the kind and the code when ``code`` is not a code of that kind.

    >>> theme_code("thematic_objective", "TO3"), theme_code("intervention_category", "1"), theme_code("cpv_group", "03")
    ('TO03', '001', '03')
    >>> theme_code("thematic_objective", "thirteen")
    Traceback (most recent call last):
    ...
    graph.errors.SchemaError: 'thirteen' is not a thematic_objective code (e.g. TO03, 03 or 3)
    """
    text = str(code).strip()
    if kind == "thematic_objective":
        if text.upper() == TECHNICAL_ASSISTANCE:
            return TECHNICAL_ASSISTANCE
        m = _TO_RE.match(text)
        if m and int(m.group(1)) <= 11:
            return f"TO{int(m.group(1)):02d}"
        raise SchemaError(f"{code!r} is not a thematic_objective code (e.g. TO03, 03 or 3)")
    if kind == "policy_objective":
        m = _PO_RE.match(text)
        if m:
            return f"PO{m.group(1)}"
        raise SchemaError(f"{code!r} is not a policy_objective code (e.g. PO1 or 1)")
    if kind == "intervention_category":
        m = _IC_RE.match(text)
        if m:
            return f"{int(m.group(1)):03d}"
        raise SchemaError(f"{code!r} is not an intervention_category code (e.g. 062)")
    if kind == "cpv_group":
        m = _CPV_RE.match(text)
        if m:
            return m.group(1)
        raise SchemaError(f"{code!r} is not a CPV code or division (e.g. 45 or 45000000-7)")
    if kind == "specific_objective":
        m = _SO_RE.match(text)
        if m:
            return f"{m.group(1).upper()}{m.group(2)}.{int(m.group(3))}"
        raise SchemaError(f"{code!r} is not a specific_objective code (e.g. RSO1.1 or ISO6.6)")
    if kind == "priority_axis":
        if text:
            return text
        raise SchemaError("a priority_axis needs a non-empty, source-scoped code")
    raise SchemaError(f"unknown theme kind {kind!r}; known: {', '.join(KINDS)}")


@lru_cache(maxsize=1 << 14)
def theme_id(kind: str, code: str) -> str:
    """The ``theme_id`` of the theme of ``kind`` whose code is ``code``: the one id scheme of all sources.

    >>> theme_id("thematic_objective", "TO01") == theme_id("thematic_objective", "1") == "TO01"
    True
    """
    canonical = theme_code(kind, code)
    if kind in ("thematic_objective", "policy_objective"):
        return canonical
    prefix = {"intervention_category": "IC", "priority_axis": "PA", "cpv_group": "CPV", "specific_objective": "SO"}[kind]
    return f"{prefix}:{canonical}"
