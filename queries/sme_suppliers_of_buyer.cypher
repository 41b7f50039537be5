// Question: Which small and medium-sized enterprises (micro, small, medium) win contracts from a buyer?
// Parameter: $buyer_id (org, e.g. SE-ON:2321000198) The buying organisation (SE-ON:2321000198 = Region Gävleborg).
// Parameter: $limit (int, default 25) How many suppliers at most.
// Columns: supplier_id, supplier, size, procurements, value
// Note: value as in buyer_suppliers (the award's value, else the procurement's value split evenly
//   over its awards); suppliers of unknown size and redacted natural persons (Personuppgift) are left out.
// Rounding: amounts to whole cents term by term, ratios to 4 decimals, as floor(x * 100 + 0.5) / 100,
//   which both stores compute alike (their round() differs at exact halves, and sums in another order
//   can land on either side of one).
MATCH (b:Organisation {org_id: $buyer_id})-[:BUYER_OF]->(p:Procurement)-[:AWARDED_TO]->(:Organisation)
WITH p, count(*) AS awards
MATCH (p)-[a:AWARDED_TO]->(s:Organisation)
WHERE s.size IN ['micro', 'small', 'medium'] AND NOT coalesce(s.quality, '') CONTAINS 'redacted_person'
WITH s, count(DISTINCT p) AS procurements, floor(sum(floor(coalesce(a.value, p.value / awards, 0.0) * 100 + 0.5) / 100) * 100 + 0.5) / 100 AS value
RETURN s.org_id AS supplier_id, s.name AS supplier, s.size AS size, procurements, value
ORDER BY value DESC, procurements DESC, supplier_id
LIMIT $limit
