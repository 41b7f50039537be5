"""Settling organisations after every load and harvest: folds into numbered ones, sizes from awards.

Three steps, each a function of what the store holds (so the result does not depend on which file
came first): buyers under a number failing its check digit are folded into the valid-numbered
buyer of the same normalised name (``fold_mistyped_buyers``); organisations known only by a name
are folded into numbered ones (``fold_name_keyed``); every organisation with awards gets ``size``
= the most frequent ``supplier_size`` reported on its awards (``derive_sizes``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.identity import (
    MISTYPED_KEPT,
    MISTYPED_MERGED,
    OrgResolver,
    PartnerResolver,
    normalize_name,
    official_props,
)
from graph.model import NODE_TYPES, REL_TYPES
from graph.records import Node, Record, Rel


def known_organisations(store: Any, resolver: OrgResolver) -> int:
    """Feed ``resolver`` every organisation in ``store`` that has an organisation number."""
    n = 0
    for org_id, name, aliases, valid in store.rows(
        "MATCH (o:Organisation) WHERE o.org_number IS NOT NULL "
        "RETURN o.org_id, o.name, o.aliases, o.org_number_valid ORDER BY o.org_id"
    ):
        resolver.add_known(org_id, name, valid is not False, aliases or ())
        n += 1
    return n


def known_pics(store: Any) -> dict[str, str]:
    """CORDIS PIC -> the ``org_id`` of the organisation that carries it in ``store``."""
    return {str(pic): str(org_id) for pic, org_id in store.rows(
        "MATCH (o:Organisation) WHERE o.pic IS NOT NULL RETURN o.pic, o.org_id ORDER BY o.org_id")}


def _org_rel_queries() -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """(type, src label, dst label, side of the organisation, property names) per rel pair."""
    out = []
    for rt in REL_TYPES.values():
        for a, b in rt.pairs:
            if a == "Organisation":
                out.append((rt.type, a, b, "src", rt.prop_names))
            if b == "Organisation":
                out.append((rt.type, a, b, "dst", rt.prop_names))
    return out


# Keys of organisations known by a name only: the Swedish loaders' ``NAME:<source>:<name>`` and the
# EU Knowledge Graph harvester's beneficiary items ``EUKG:Q...`` and raw names ``EUKG-NAME:<name>``.
NAME_KEY_PREFIXES = ("NAME:", "EUKG:", "EUKG-NAME:", "PIC:")  # PIC: CORDIS participants (see PARTNER_KEY_PREFIXES)
# Harvested beneficiaries are folded conservatively: only Swedish ones (or of unknown country), and
# only by the renames table or an exact normalised name (never with the legal form dropped).
EUKG_KEY_PREFIXES = ("EUKG:", "EUKG-NAME:")
# Interreg partners and CORDIS participants known by name or PIC: folded by PartnerResolver's rules
# (public bodies by the tables; CORDIS Swedish participants by ASCII-folded names), so a partner
# loaded before the buyer it is joins it when the buyer arrives, as it would have the other way round.
PARTNER_KEY_PREFIXES = ("NAME:interreg:", "PIC:", "NAME:cordis:")


def _partner_target(resolver: PartnerResolver, org_id: str, name: str | None, aliases: Sequence[str] | None,
                    country: str | None) -> tuple[str | None, str | None]:
    """Where an Interreg or CORDIS organisation known by name or PIC folds to, and the rule; (None, None) if nowhere."""
    cordis = org_id.startswith(("PIC:", "NAME:cordis:"))
    if cordis and country != "SE":
        return None, None
    for candidate in (name, *(aliases or ())):
        if candidate:
            target, how = resolver.match(candidate, ascii=cordis)
            if target is not None:
                return target, how
    return None, None


@dataclass(frozen=True)
class Fold:
    """One name-keyed organisation folded into a numbered one: where it went and how it matched."""

    target: str
    how: str


def fold_name_keyed(store: Any, prefixes: Sequence[str] = NAME_KEY_PREFIXES,
                    batch_size: int | None = None) -> dict[str, Fold]:
    """Fold organisations whose key starts with one of ``prefixes`` into numbered ones with their name.

    A source loaded before the file that carries an organisation's number leaves a name-keyed
    node; this moves its relationships to the numbered node (by normalised name, then the renames
    table), keeps its name as an alias, and deletes it. Harvested EU KG beneficiaries (``EUKG:``,
    ``EUKG-NAME:``) are folded only when Swedish or of unknown country and by an exact normalised
    name (their name, else an alias) or the renames table; the numbered node keeps their item id
    (``eukg_item``) and ``eukg`` in its ``source``. Returns old key -> ``Fold`` for every node folded.
    """
    resolver = PartnerResolver()
    known_organisations(store, resolver)
    folds: dict[str, Fold] = {}
    extra: dict[str, dict[str, Any]] = {}
    names: dict[str, list[str]] = {}
    for prefix in prefixes:
        strict = prefix in EUKG_KEY_PREFIXES
        for org_id, name, aliases, country, source, item in store.rows(
            "MATCH (o:Organisation) WHERE o.org_id STARTS WITH $prefix "
            "RETURN o.org_id, o.name, o.aliases, o.country, o.source, o.eukg_item ORDER BY o.org_id",
            {"prefix": prefix},
        ):
            if org_id in folds or (strict and country not in (None, "SE")):
                continue
            target, how = None, None
            if org_id.startswith(PARTNER_KEY_PREFIXES):
                target, how = _partner_target(resolver, org_id, name, aliases, country)
            else:
                for candidate in (name, *(aliases or ())) if strict else (name,):
                    target, how = resolver.resolve(candidate or "", stems=not strict)
                    if target is not None:
                        break
            if target is None:
                continue
            folds[org_id] = Fold(target, how or "name")
            names[org_id] = [n for n in dict.fromkeys((name, *(aliases or ()))) if n]
            # the folded node's sources go with it (the numbered node then says the same whichever
            # file came first)
            extra[org_id] = {"source": source, **({"eukg_item": item} if strict else {})}
            if org_id.startswith("PIC:"):
                extra[org_id]["pic"] = org_id.removeprefix("PIC:")
    ids = sorted(folds)
    for start in range(0, len(ids), MERGE_CHUNK):
        _move(store, ids[start:start + MERGE_CHUNK], folds, names, extra, batch_size)
    return folds


def merge_name_keyed(store: Any, batch_size: int | None = None,
                     prefixes: Sequence[str] = NAME_KEY_PREFIXES,
                     flag: Callable[[str, str], None] | None = None) -> dict[str, int]:
    """Settle organisations after a load; merges counted by how they matched.

    Folds mistyped buyer numbers (``fold_mistyped_buyers``, counted as ``check digit``), then
    name-keyed organisations (``fold_name_keyed``), then derives sizes from awards
    (``derive_sizes``). ``flag(finding, item)`` receives every mistyped-number merge and every
    such number left alone. Every load runs it afterwards, so the result does not depend on which
    source came first.
    """
    counts: Counter[str] = Counter()
    for finding, item in fold_mistyped_buyers(store, batch_size):
        if finding == MISTYPED_MERGED:
            counts["check digit"] += 1
        if flag is not None:
            flag(finding, item)
    counts.update(f.how for f in fold_name_keyed(store, prefixes, batch_size).values())
    derive_sizes(store, batch_size)
    return dict(counts)




def fold_mistyped_buyers(store: Any, batch_size: int | None = None) -> list[tuple[str, str]]:
    """Fold buyers whose Swedish number fails its check digit into the one valid-numbered buyer of the
    same normalised name (their name or an alias); the number is kept in ``org_number_aliases``.

    Returns ``(finding, item)`` for every such buyer: merged (``MISTYPED_MERGED``, item
    ``"<number> <name> -> <org_id>"``) or kept (``MISTYPED_KEPT``).
    """
    valid: dict[str, set[str]] = {}
    invalid: list[tuple[str, str, str | None, list[str], str | None]] = []
    for org_id, number, ok, name, aliases, source in store.rows(
        "MATCH (o:Organisation)-[:BUYER_OF]->(:Procurement) WHERE o.org_id STARTS WITH 'SE-ON:' "
        "RETURN DISTINCT o.org_id, o.org_number, o.org_number_valid, o.name, o.aliases, o.source ORDER BY o.org_id"
    ):
        names = [n for n in (name, *(aliases or ())) if n]
        if ok:
            for n in names:
                valid.setdefault(normalize_name(n), set()).add(org_id)
        elif ok is False:
            invalid.append((org_id, number, name, names, source))
    out: list[tuple[str, str]] = []
    folds: dict[str, Fold] = {}
    names_of: dict[str, list[str]] = {}
    extra: dict[str, dict[str, Any]] = {}
    for org_id, number, name, names, source in invalid:
        targets = set().union(*(valid.get(normalize_name(n), set()) for n in names)) if names else set()
        if len(targets) != 1:
            out.append((MISTYPED_KEPT, f"{number} {name}" + (f" (candidates {', '.join(sorted(targets))})" if targets else "")))
            continue
        target = targets.pop()
        folds[org_id] = Fold(target, "check digit")
        names_of[org_id] = names
        extra[org_id] = {"source": source, "org_number_aliases": [number]}
        out.append((MISTYPED_MERGED, f"{number} {name} -> {target}"))
    if folds:
        _move(store, sorted(folds), folds, names_of, extra, batch_size)
    return out


def derive_sizes(store: Any, batch_size: int | None = None) -> int:
    """Give every organisation with a reported ``supplier_size`` on its awards ``size`` = the most
    frequent one (ties: the larger class) and ``size_basis`` = ``SIZE_BASIS``; returns how many changed."""
    counts: dict[str, Counter[str]] = {}
    for org_id, size in store.rows(
        "MATCH (:Procurement)-[a:AWARDED_TO]->(o:Organisation) WHERE a.supplier_size IS NOT NULL "
        "RETURN o.org_id, a.supplier_size"
    ):
        counts.setdefault(org_id, Counter())[size] += 1
    if not counts:
        return 0
    current = {org_id: (size, basis) for org_id, size, basis in store.rows(
        "MATCH (o:Organisation) WHERE o.org_id IN $ids RETURN o.org_id, o.size, o.size_basis", {"ids": sorted(counts)})}
    records: list[Record] = []
    for org_id in sorted(counts):
        c = counts[org_id]
        size = max(c, key=lambda v: (c[v], SIZE_ORDER.index(v) if v in SIZE_ORDER else -1))
        if current.get(org_id) != (size, SIZE_BASIS):
            records.append(Node("Organisation", {"org_id": org_id, "size": size, "size_basis": SIZE_BASIS}))
    if records:
        store.load(records, **({} if batch_size is None else {"batch_size": batch_size}))
    return len(records)


SIZE_ORDER = ("micro", "small", "medium", "large")
SIZE_BASIS = "most frequent reported on awards"


MERGE_CHUNK = 10_000


def _move(store: Any, ids: list[str], folds: Mapping[str, Fold], names: Mapping[str, list[str]],
          extra: Mapping[str, Mapping[str, Any]], batch_size: int | None) -> None:
    targets = sorted({folds[old].target for old in ids})
    # A numbered organisation keeps the EU KG item it already has, else the smallest folded into it.
    items: dict[str, str] = {}
    for old in ids:
        item = extra.get(old, {}).get("eukg_item")
        if item and (folds[old].target not in items or item < items[folds[old].target]):
            items[folds[old].target] = item
    if items:
        for org_id, item in store.rows(
            "MATCH (o:Organisation) WHERE o.org_id IN $ids AND o.eukg_item IS NOT NULL RETURN o.org_id, o.eukg_item",
            {"ids": targets},
        ):
            items[org_id] = item
    records: list[Record] = []
    for old in ids:
        target = folds[old].target
        props: dict[str, Any] = {"org_id": target, **official_props(target), "aliases": names[old]}
        if old in extra:
            props["source"] = extra[old].get("source")
            props["org_number_aliases"] = extra[old].get("org_number_aliases")
            if "eukg_item" in extra[old]:
                props["eukg_item"] = items.get(target)
            props["pic"] = extra[old].get("pic")
        records.append(Node("Organisation", props))
    for type_, a, b, side, rel_props_names in _org_rel_queries():
        other = b if side == "src" else a
        other_key = NODE_TYPES[other].key
        ret = ", ".join(f"e.{p} AS {p}" for p in rel_props_names)
        if side == "src":
            cypher = (f"MATCH (o:Organisation)-[e:{type_}]->(x:{other}) WHERE o.org_id IN $ids "
                      f"RETURN o.org_id AS org, x.{other_key} AS other, {ret}")
        else:
            cypher = (f"MATCH (x:{other})-[e:{type_}]->(o:Organisation) WHERE o.org_id IN $ids "
                      f"RETURN o.org_id AS org, x.{other_key} AS other, {ret}")
        for row in store.query(cypher, {"ids": ids}):
            rel_props: dict[str, Any] = {p: row[p] for p in rel_props_names if row[p] is not None}
            if rel_props.get("match_rule") == "name_only":  # identified now, by the fold's rule
                rel_props["match_rule"] = folds[row["org"]].how
            new = ("Organisation", folds[row["org"]].target)
            end = (other, row["other"])
            records.append(Rel(type_, new, end, rel_props) if side == "src" else Rel(type_, end, new, rel_props))
    store.load(records, **({} if batch_size is None else {"batch_size": batch_size}))
    store.query("MATCH (o:Organisation) WHERE o.org_id IN $ids DETACH DELETE o", {"ids": ids})
