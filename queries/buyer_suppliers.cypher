// Question: Who are a buyer's suppliers by contracted value, and how dependent is the buyer on the top one?
// Parameter: $buyer_id (org, e.g. SE-ON:2321000198) The buying organisation (SE-ON:2321000198 = Region Gävleborg).
// Parameter: $limit (int, default 25) How many suppliers at most.
// Columns: supplier_id, supplier, size, procurements, value, share, top_supplier_share
// Note: an award's value is its own value where known, else the procurement's value split evenly over
//   its awards; share is the supplier's part of the buyer's awarded value, top_supplier_share the
//   largest supplier's part (the buyer's dependence on it), on every row.
// Rounding: amounts to whole cents term by term, ratios to 4 decimals, as floor(x * 100 + 0.5) / 100,
//   which both stores compute alike (their round() differs at exact halves, and sums in another order
//   can land on either side of one).
MATCH (b:Organisation {org_id: $buyer_id})-[:BUYER_OF]->(p:Procurement)-[:AWARDED_TO]->(:Organisation)
WITH b, p, count(*) AS awards
MATCH (p)-[a:AWARDED_TO]->(s:Organisation)
WITH b, s, sum(floor(coalesce(a.value, p.value / awards, 0.0) * 100 + 0.5) / 100) AS value
WITH b, floor(sum(value) * 100 + 0.5) / 100 AS total, floor(max(value) * 100 + 0.5) / 100 AS top
MATCH (b)-[:BUYER_OF]->(p:Procurement)-[:AWARDED_TO]->(:Organisation)
WITH total, top, p, count(*) AS awards
MATCH (p)-[a:AWARDED_TO]->(s:Organisation)
WITH total, top, s, count(DISTINCT p) AS procurements, floor(sum(floor(coalesce(a.value, p.value / awards, 0.0) * 100 + 0.5) / 100) * 100 + 0.5) / 100 AS value
RETURN s.org_id AS supplier_id, s.name AS supplier, s.size AS size, procurements, value,
       CASE WHEN total > 0 THEN floor(value / total * 10000 + 0.5) / 10000 END AS share,
       CASE WHEN total > 0 THEN floor(top / total * 10000 + 0.5) / 10000 END AS top_supplier_share
ORDER BY value DESC, procurements DESC, supplier_id
LIMIT $limit
