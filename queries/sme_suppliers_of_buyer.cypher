// Question: Which small and medium-sized enterprises (micro, small, medium) win contracts from a buyer?
// Parameter: $buyer_id (org, e.g. SE-ON:2321000198) The buying organisation (SE-ON:2321000198 = Region Gävleborg).
// Parameter: $limit (int, default 25) How many suppliers at most.
// Columns: supplier_id, supplier, size, awards, procurements, value
// Note: SME as docs/indicators.md defines it: the size reported on each award (AWARDED_TO.supplier_size;
//   a store loaded without per-award sizes falls back to the supplier's size), redacted natural persons
//   (Personuppgift) and awards without a reported size left out. awards counts the supplier's awards
//   reported micro, small or medium (summed over all rows: the buyer's SME awards, the numerator of
//   sme_share_by_buyer); size is the size most often reported on them (the smaller on a tie); value as
//   in buyer_suppliers (the award's value, else the procurement's value split evenly over its awards).
// Rounding: amounts to whole cents term by term, ratios to 4 decimals, as floor(x * 100 + 0.5) / 100,
//   which both stores compute alike (their round() differs at exact halves, and sums in another order
//   can land on either side of one).
OPTIONAL MATCH (:Procurement)-[x:AWARDED_TO]->(:Organisation) WHERE x.supplier_size IS NOT NULL
WITH count(x) > 0 AS per_award
MATCH (b:Organisation {org_id: $buyer_id})-[:BUYER_OF]->(p:Procurement)-[:AWARDED_TO]->(:Organisation)
WITH per_award, p, count(*) AS n
MATCH (p)-[a:AWARDED_TO]->(s:Organisation)
WITH p, n, a, s, CASE WHEN per_award THEN a.supplier_size ELSE s.size END AS size
WHERE size IN ['micro', 'small', 'medium'] AND NOT coalesce(s.quality, '') CONTAINS 'redacted_person'
WITH s, count(*) AS awards, count(DISTINCT p) AS procurements,
     count(CASE WHEN size = 'micro' THEN 1 END) AS micro, count(CASE WHEN size = 'small' THEN 1 END) AS small,
     count(CASE WHEN size = 'medium' THEN 1 END) AS medium,
     floor(sum(floor(coalesce(a.value, p.value / n, 0.0) * 100 + 0.5) / 100) * 100 + 0.5) / 100 AS value
RETURN s.org_id AS supplier_id, s.name AS supplier,
       CASE WHEN micro >= small AND micro >= medium THEN 'micro' WHEN small >= medium THEN 'small' ELSE 'medium' END AS size,
       awards, procurements, value
ORDER BY value DESC, awards DESC, supplier_id
LIMIT $limit
