"""The graph schema: node labels, relationship types and their typed properties.

This module is the single source of truth. The embedded store derives its DDL from it, the Neo4j
store its constraints and indexes, and records are validated against it. Extend the schema here,
never ad hoc in a store or a source; bump ``SCHEMA_VERSION`` when an existing database can no
longer be read as it is (adding a property does not need a bump: stores add missing columns).

Types are the embedded store's names: ``STRING``, ``INT64``, ``DOUBLE``, ``BOOLEAN`` and
``STRING[]``. Dates are ISO ``YYYY-MM-DD`` strings so that both stores compare and sort them alike.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1

PROP_TYPES = ("STRING", "INT64", "DOUBLE", "BOOLEAN", "STRING[]")


@dataclass(frozen=True)
class Prop:
    """A typed property."""

    name: str
    type: str = "STRING"
    doc: str = ""


@dataclass(frozen=True)
class NodeType:
    """A node label with its primary-key property and its other properties."""

    label: str
    key: str
    props: tuple[Prop, ...]
    doc: str = ""

    @property
    def prop_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.props)

    def prop(self, name: str) -> Prop:
        for p in self.props:
            if p.name == name:
                return p
        raise KeyError(name)


@dataclass(frozen=True)
class RelType:
    """A relationship type, the (from, to) label pairs it may join, and its properties.

    ``key`` names the properties that tell parallel relationships of this type between the same
    two nodes apart (an award per lot); without a key there is at most one relationship of this
    type between two nodes.
    """

    type: str
    pairs: tuple[tuple[str, str], ...]
    props: tuple[Prop, ...]
    key: tuple[str, ...] = ()
    doc: str = ""

    @property
    def prop_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.props)

    def prop(self, name: str) -> Prop:
        for p in self.props:
            if p.name == name:
                return p
        raise KeyError(name)


SOURCE = Prop("source", "STRING", "where the record came from; ';'-joined in sorted order when several sources agree")

# Metrics written back by graph/analysis/analyze.py; analysts query them in Cypher.
METRIC_PROPS = (
    Prop("degree", "INT64", "degree in the stakeholder network"),
    Prop("strength", "DOUBLE", "weighted degree in the stakeholder network"),
    Prop("pagerank", "DOUBLE", "weighted PageRank in the stakeholder network"),
    Prop("betweenness", "DOUBLE", "betweenness centrality (exact or seeded sample)"),
    Prop("betweenness_stderr", "DOUBLE", "standard error of a sampled betweenness (0 when exact)"),
    Prop("eigenvector", "DOUBLE", "eigenvector centrality"),
    Prop("core", "INT64", "k-core number"),
    Prop("community", "INT64", "Louvain community id (seeded)"),
    Prop("metrics_network", "STRING", "the network the metrics above were computed on (stakeholder unless analyzed otherwise)"),
)

NODE_TYPES: dict[str, NodeType] = {
    n.label: n
    for n in (
        NodeType(
            "Organisation",
            "org_id",
            (
                Prop("org_id", doc="SE-ON:<10 digits> when an organisation number is known, else a scoped name key"),
                Prop("name"),
                Prop("aliases", "STRING[]", "other names seen for this organisation"),
                Prop("org_number", doc="10-digit Swedish organisation number, or a foreign id as given"),
                Prop("org_number_valid", "BOOLEAN", "false when the number fails its check digit or format"),
                Prop("country"),
                Prop("sector"),
                Prop("legal_form"),
                Prop("size", doc="micro / small / medium / large; for a supplier, see size_basis"),
                Prop("size_basis", doc="how size was chosen: 'most frequent reported on awards' (AWARDED_TO.supplier_size; "
                     "ties go to the larger class), else unset (size as a source gave it)"),
                Prop("org_number_aliases", "STRING[]", "organisation numbers failing their check digit that were merged "
                     "into this organisation because the buyer name on their rows equals this organisation's"),
                Prop("is_public", "BOOLEAN"),
                Prop("quality", doc="data-quality flags, ';'-joined"),
                Prop("eukg_item", doc="EU Knowledge Graph beneficiary item (Q...) this organisation was harvested as"),
                Prop("pic", doc="CORDIS participant identification code (PIC): one participant across CORDIS files and years"),
                Prop("org_type", doc="the organisation type a source gives (Interreg organisationstyp, CORDIS legal_entity_type)"),
                SOURCE,
                *METRIC_PROPS,
            ),
            "one node per real organisation, whatever roles it plays",
        ),
        NodeType(
            "Project",
            "project_id",
            (
                Prop("project_id"),
                Prop("title"),
                Prop("summary"),
                Prop("start_date"),
                Prop("end_date"),
                Prop("total_budget", "DOUBLE", "total budget in `currency`"),
                Prop("eu_budget", "DOUBLE", "EU contribution in `currency`"),
                Prop("currency", doc="ISO 4217 code of total_budget / eu_budget"),
                Prop("total_budget_eur", "DOUBLE", "total budget in EUR where the source gives it"),
                Prop("eu_budget_eur", "DOUBLE", "EU contribution in EUR where the source gives it"),
                Prop("cofinancing_rate", "DOUBLE", "as stored by the source, see cofinancing_unit"),
                Prop("cofinancing_unit"),
                Prop("postal_code"),
                Prop("municipalities", "STRING[]", "municipalities (kommuner) the project names, as given"),
                Prop("country"),
                SOURCE,
            ),
            "an EU-funded operation (EU Knowledge Graph item or Projektbanken case)",
        ),
        NodeType(
            "Procurement",
            "procurement_id",
            (
                Prop("procurement_id", doc="'<buyer org_id>|<Upphandlings-ID>' (the export's ID is not unique across "
                     "buyers; a procurement is one buyer's), e.g. 'SE-ON:2321000255|MT4321'"),
                Prop("upphandlings_id", doc="the export's Upphandlings-ID as given (shared by different buyers' procurements)"),
                Prop("notice_db", doc="the notice database the procurement was published in (Annonsdatabas)"),
                Prop("title"),
                Prop("published"),
                Prop("procedure"),
                Prop("contract_type"),
                Prop("cpv", doc="main CPV code"),
                Prop("value", "DOUBLE"),
                Prop("currency"),
                Prop("env_sustainable", "BOOLEAN"),
                Prop("social_sustainable", "BOOLEAN"),
                Prop("innovation", "BOOLEAN"),
                Prop("coordinated", "BOOLEAN"),
                Prop("appealed", "BOOLEAN", "Överprövad: the procurement was appealed (procurements/tenders exports)"),
                Prop("e_auction", "BOOLEAN", "Elektronisk auktion: an electronic auction was used (procurements/tenders exports)"),
                SOURCE,
            ),
            "a public procurement: one buyer's Upphandlings-ID",
        ),
        NodeType(
            "Lot",
            "lot_key",
            (
                Prop("lot_key", doc="'<procurement_id>|<Anbudsområdes-ID>': a lot is one procurement's (the ID alone "
                     "is not trusted across buyers); AWARDED_TO.lot_id of the procurement's awards joins it"),
                Prop("procurement_id", doc="the procurement the lot belongs to"),
                Prop("lot_id", doc="the export's Anbudsområdes-ID as given"),
                Prop("tenders_received", "INT64", "Antal anbud: tenders received for the lot (tenders export); null when unknown"),
                SOURCE,
            ),
            "a lot (Anbudsområde) of a procurement, with the tenders it received",
        ),
        NodeType("Fund", "code", (Prop("code"), Prop("name"), SOURCE)),
        NodeType("Programme", "cci", (Prop("cci"), Prop("name"), SOURCE)),
        NodeType(
            "Theme",
            "theme_id",
            (
                Prop("theme_id"),
                Prop("kind", doc="thematic_objective / policy_objective / intervention_category / priority_axis / cpv_group"),
                Prop("code"),
                Prop("name"),
                SOURCE,
            ),
        ),
        NodeType(
            "Region",
            "nuts_code",
            (
                Prop("nuts_code"),
                Prop("name"),
                Prop("level", "INT64"),
                Prop("nuts_version"),
                SOURCE,
            ),
        ),
        NodeType("Country", "code", (Prop("code"), Prop("name"), SOURCE)),
        NodeType(
            "Source",
            "source_id",
            (
                Prop("source_id"),
                Prop("kind"),
                Prop("path"),
                Prop("loaded_at"),
                Prop("rows", "INT64"),
                Prop("rejected", "INT64"),
                Prop("notes"),
            ),
            "provenance: one node per loaded file or harvest",
        ),
        NodeType("Meta", "key", (Prop("key"), Prop("value")), "database bookkeeping (schema version)"),
    )
}

REL_TYPES: dict[str, RelType] = {
    r.type: r
    for r in (
        RelType(
            "BENEFICIARY_OF",
            (("Organisation", "Project"),),
            (
                Prop("role", doc="beneficiary; Interreg lead / partner / associated; CORDIS coordinator / participant / ..."),
                Prop("budget_eur", "DOUBLE", "the organisation's share of the project (Interreg partner budget, CORDIS EC contribution), EUR"),
                Prop("name_as_given", doc="the organisation's name as this source writes it"),
                Prop("match_rule", doc="how that name was identified with the organisation (graph/identity.py MATCH_RULES)"),
                SOURCE,
            ),
        ),
        RelType("BUYER_OF", (("Organisation", "Procurement"),), (SOURCE,)),
        RelType(
            "AWARDED_TO",
            (("Procurement", "Organisation"),),
            (Prop("lot_id"), Prop("contracted_bids", "INT64"), Prop("value", "DOUBLE"),
             Prop("supplier_size", doc="micro / small / medium / large as reported on this award's row; null when "
                  "the row reports none (never imputed)"), SOURCE),
            key=("lot_id",),
        ),
        RelType("HAS_LOT", (("Procurement", "Lot"),), (SOURCE,)),
        RelType("FUNDED_BY", (("Project", "Fund"),), (SOURCE,)),
        RelType("IN_PROGRAMME", (("Project", "Programme"),), (SOURCE,)),
        RelType("HAS_THEME", (("Project", "Theme"), ("Procurement", "Theme")), (SOURCE,)),
        RelType(
            "LOCATED_IN",
            (
                ("Project", "Region"),
                ("Organisation", "Region"),
                ("Project", "Country"),
                ("Organisation", "Country"),
            ),
            (SOURCE,),
        ),
        RelType("PART_OF", (("Region", "Region"), ("Region", "Country")), (SOURCE,)),
    )
}


def node_type(label: str) -> NodeType:
    """The node type of ``label``, or a SchemaError naming the known labels."""
    from graph.errors import SchemaError

    try:
        return NODE_TYPES[label]
    except KeyError:
        raise SchemaError(f"unknown node label {label!r}; known: {', '.join(NODE_TYPES)}") from None


def rel_type(type_: str) -> RelType:
    """The relationship type ``type_``, or a SchemaError naming the known types."""
    from graph.errors import SchemaError

    try:
        return REL_TYPES[type_]
    except KeyError:
        raise SchemaError(f"unknown relationship type {type_!r}; known: {', '.join(REL_TYPES)}") from None
