"""The report's Cypher: plain Cypher that LadybugDB and Neo4j both run; user text only ever goes in $parameters."""

Q_SOURCES = (
    "MATCH (s:Source) RETURN s.source_id AS source_id, s.kind AS kind, s.path AS path, "
    "s.loaded_at AS loaded_at, s.rows AS rows, s.rejected AS rejected, s.notes AS notes ORDER BY source_id"
)
Q_ORG_QUALITY = (
    "MATCH (o:Organisation) RETURN count(*) AS organisations, count(o.org_number) AS with_number, "
    "sum(CASE WHEN o.org_number_valid = false THEN 1 ELSE 0 END) AS invalid_numbers"
)
Q_INVALID_NUMBERS = (
    "MATCH (o:Organisation) WHERE o.org_number_valid = false "
    "RETURN o.org_id AS org_id, o.name AS name, o.org_number AS org_number ORDER BY org_id LIMIT $n"
)
Q_QUALITY_FLAGS = "MATCH (o:Organisation) WHERE o.quality IS NOT NULL RETURN o.quality AS quality, count(*) AS n"
Q_METRIC_COVERAGE = (
    "MATCH (o:Organisation) RETURN count(o.pagerank) AS pagerank, count(o.betweenness) AS betweenness, "
    "count(o.community) AS community, count(o.degree) AS degree"
)
Q_TOP_METRIC = (
    "MATCH (o:Organisation) WHERE o.{metric} IS NOT NULL "
    "RETURN o.org_id AS org_id, o.name AS name, o.{metric} AS value ORDER BY value DESC, org_id LIMIT $n"
)
Q_METRIC_VALUES = (
    "MATCH (o:Organisation) WHERE o.betweenness IS NOT NULL "
    "RETURN o.org_id AS org_id, o.pagerank AS pagerank, o.betweenness AS betweenness, o.betweenness_stderr AS stderr"
)
Q_PROJECT_CURRENCIES = (
    "MATCH (:Organisation)-[:BENEFICIARY_OF]->(p:Project) WHERE p.eu_budget IS NOT NULL "
    "RETURN DISTINCT coalesce(p.currency, '') AS currency ORDER BY currency"
)
Q_TOP_RECEIVED = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project) "
    "WHERE p.eu_budget IS NOT NULL AND coalesce(p.currency, '') = $currency "
    "RETURN o.org_id AS org_id, o.name AS name, sum(p.eu_budget) AS amount, count(p) AS projects "
    "ORDER BY amount DESC, org_id LIMIT $n"
)
Q_PROCUREMENT_CURRENCIES = (
    "MATCH (:Organisation)-[:BUYER_OF]->(p:Procurement) WHERE p.value IS NOT NULL "
    "RETURN DISTINCT coalesce(p.currency, '') AS currency ORDER BY currency"
)
Q_TOP_AWARDED = (
    "MATCH (o:Organisation)-[:BUYER_OF]->(p:Procurement) "
    "WHERE p.value IS NOT NULL AND coalesce(p.currency, '') = $currency "
    "RETURN o.org_id AS org_id, o.name AS name, sum(p.value) AS amount, count(p) AS procurements "
    "ORDER BY amount DESC, org_id LIMIT $n"
)
Q_TOP_SUPPLIERS = (
    "MATCH (p:Procurement)-[a:AWARDED_TO]->(o:Organisation) WHERE NOT coalesce(o.quality, '') CONTAINS 'redacted_person' "
    "RETURN o.org_id AS org_id, o.name AS name, o.size AS size, count(a) AS awards, count(DISTINCT p) AS procurements "
    "ORDER BY awards DESC, org_id LIMIT $n"
)
Q_ORG_COMMUNITIES = (
    "MATCH (o:Organisation) WHERE o.community IS NOT NULL "
    "RETURN o.org_id AS org_id, o.name AS name, o.size AS size, o.is_public AS is_public, o.pagerank AS pagerank, "
    "o.community AS community ORDER BY org_id"
)
Q_COMMUNITY_BUYERS = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[a:AWARDED_TO]->(s:Organisation) "
    "WHERE s.community IN $ids "
    "RETURN s.community AS community, b.org_id AS org_id, b.name AS name, count(a) AS awards"
)
Q_BUYER_SUPPLIERS = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[a:AWARDED_TO]->(s:Organisation) WHERE b.org_id = $id "
    "AND NOT coalesce(s.quality, '') CONTAINS 'redacted_person' "  # redacted persons: one summary row, not listed
    "RETURN s.org_id AS org_id, s.name AS name, s.size AS size, count(a) AS awards ORDER BY awards DESC, org_id LIMIT $n"
)
Q_ORG_NAMES = "MATCH (o:Organisation) WHERE o.org_id IN $ids RETURN o.org_id AS org_id, o.name AS name, o.pagerank AS pagerank"
Q_DEGREES = "MATCH (o:Organisation) WHERE o.degree IS NOT NULL RETURN o.degree AS degree, count(*) AS n ORDER BY degree"
Q_MONEY_BY_FUND = (
    "MATCH (p:Project)-[:FUNDED_BY]->(f:Fund) "
    "RETURN f.code AS fund, coalesce(p.currency, '') AS currency, count(p) AS projects, sum(p.eu_budget) AS amount "
    "ORDER BY fund, currency"
)
Q_MONEY_BY_CPV = (
    "MATCH (p:Procurement) WHERE p.cpv IS NOT NULL "
    "RETURN p.cpv AS cpv, coalesce(p.currency, '') AS currency, count(p) AS procurements, sum(p.value) AS amount"
)
Q_CPV_GROUP_NAMES = "MATCH (t:Theme) WHERE t.kind = 'cpv_group' RETURN t.code AS code, t.name AS name"
Q_REGION = "MATCH (r:Region) WHERE r.nuts_code = $code RETURN r.nuts_code AS nuts_code, r.name AS name, r.level AS level"
Q_REGION_BY_NAME = (
    "MATCH (r:Region) WHERE lower(r.name) = lower($name) "
    "RETURN r.nuts_code AS nuts_code, r.name AS name, r.level AS level ORDER BY nuts_code"
)
Q_REGION_PARENTS = (
    "MATCH (r:Region)-[:PART_OF]->(p:Region) WHERE r.nuts_code = $code RETURN p.nuts_code AS nuts_code, p.name AS name"
)
Q_REGION_CHILDREN = (
    "MATCH (c:Region)-[:PART_OF]->(r:Region) WHERE r.nuts_code = $code "
    "RETURN c.nuts_code AS nuts_code, c.name AS name ORDER BY nuts_code"
)
Q_REGION_ORGS = (
    "MATCH (o:Organisation)-[:LOCATED_IN]->(r:Region) WHERE r.nuts_code STARTS WITH $code "
    "RETURN DISTINCT o.org_id AS org_id"
)
Q_REGION_PROJECTS = (
    "MATCH (p:Project)-[:LOCATED_IN]->(r:Region) WHERE r.nuts_code STARTS WITH $code "
    "RETURN DISTINCT p.project_id AS project_id, coalesce(p.currency, '') AS currency, p.eu_budget AS eu_budget"
)
Q_PROJECT_PLACES = (
    "MATCH (p:Project)-[:LOCATED_IN]->(r:Region) WHERE p.project_id IN $ids "
    "RETURN p.project_id AS project_id, p.title AS title, r.nuts_code AS nuts_code"
)
Q_REGION_PROJECT_FUNDS = (
    "MATCH (f:Fund)<-[:FUNDED_BY]-(p:Project)-[:LOCATED_IN]->(r:Region) WHERE r.nuts_code STARTS WITH $code "
    "RETURN DISTINCT p.project_id AS project_id, f.code AS fund"
)
Q_REGION_BENEFICIARIES = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project)-[:LOCATED_IN]->(r:Region) WHERE r.nuts_code STARTS WITH $code "
    "RETURN DISTINCT o.org_id AS org_id, o.name AS name, p.project_id AS project_id"
)
Q_ORG_PROJECT_FUNDS = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project)-[:FUNDED_BY]->(f:Fund) WHERE o.org_id = $id "
    "RETURN DISTINCT p.project_id AS project_id, f.code AS fund"
)
Q_ORG = (
    "MATCH (o:Organisation) WHERE o.org_id = $id RETURN o.org_id AS org_id, o.name AS name, o.aliases AS aliases, "
    "o.org_number AS org_number, o.org_number_valid AS org_number_valid, o.country AS country, o.sector AS sector, "
    "o.legal_form AS legal_form, o.size AS size, o.is_public AS is_public, o.quality AS quality, o.source AS source, "
    "o.degree AS degree, o.strength AS strength, o.pagerank AS pagerank, o.betweenness AS betweenness, "
    "o.eigenvector AS eigenvector, o.core AS core, o.community AS community"
)
Q_ORG_REGIONS = (
    "MATCH (o:Organisation)-[:LOCATED_IN]->(r:Region) WHERE o.org_id = $id "
    "RETURN r.nuts_code AS nuts_code, r.name AS name ORDER BY nuts_code"
)
Q_ORG_PROJECTS = (
    "MATCH (o:Organisation)-[b:BENEFICIARY_OF]->(p:Project) WHERE o.org_id = $id "
    "RETURN p.project_id AS project_id, p.title AS title, b.role AS role, coalesce(p.currency, '') AS currency, "
    "p.eu_budget AS eu_budget, p.start_date AS start_date, p.end_date AS end_date"
)
Q_ORG_PARTNERS = (
    "MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p:Project)<-[:BENEFICIARY_OF]-(x:Organisation) "
    "WHERE o.org_id = $id AND x.org_id <> $id "
    "RETURN x.org_id AS org_id, x.name AS name, count(DISTINCT p) AS projects ORDER BY projects DESC, org_id LIMIT $n"
)
Q_ORG_CUSTOMERS = (
    "MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[a:AWARDED_TO]->(o:Organisation) WHERE o.org_id = $id "
    "RETURN b.org_id AS org_id, b.name AS name, count(a) AS awards ORDER BY awards DESC, org_id"
)
