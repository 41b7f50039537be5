"""Folding organisations known only by a name into numbered ones, after every load and harvest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.identity import OrgResolver, PartnerResolver, official_props
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
            if strict:
                extra[org_id] = {"source": source, "eukg_item": item}
            if org_id.startswith("PIC:"):
                extra[org_id] = {"pic": org_id.removeprefix("PIC:")}
    ids = sorted(folds)
    for start in range(0, len(ids), MERGE_CHUNK):
        _move(store, ids[start:start + MERGE_CHUNK], folds, names, extra, batch_size)
    return folds


def merge_name_keyed(store: Any, batch_size: int | None = None,
                     prefixes: Sequence[str] = NAME_KEY_PREFIXES) -> dict[str, int]:
    """Fold name-keyed organisations into numbered ones (see ``fold_name_keyed``); merges counted by how they matched.

    Every load runs it afterwards, so the result does not depend on which source came first.
    """
    return dict(Counter(f.how for f in fold_name_keyed(store, prefixes, batch_size).values()))


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
