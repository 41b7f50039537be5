// Question: Which organisations share EU projects with a given organisation, and how often?
// Parameter: $org_id (org, e.g. SE-ON:2321000198) The organisation (SE-ON:2321000198 = Region Gävleborg).
// Parameter: $limit (int, default 25) How many partners at most.
// Columns: partner_id, partner, shared_projects, first_start, latest_start
MATCH (o:Organisation {org_id: $org_id})-[:BENEFICIARY_OF]->(p:Project)<-[:BENEFICIARY_OF]-(partner:Organisation)
WHERE partner.org_id <> o.org_id
WITH partner, count(DISTINCT p) AS shared, min(p.start_date) AS first_start, max(p.start_date) AS latest_start
RETURN partner.org_id AS partner_id, partner.name AS partner, shared AS shared_projects, first_start, latest_start
ORDER BY shared_projects DESC, partner_id
LIMIT $limit
