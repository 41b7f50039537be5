// Question: Which suppliers win most of their awards from one buyer (captive suppliers)?
// Parameter: $min_awards (int, default 3) Leave out suppliers with fewer non-redacted awards.
// Parameter: $limit (int, default 50) How many suppliers at most.
// Columns: supplier_id, supplier, buyer_id, buyer, awards_from_buyer, awards, share
// Note: captive as docs/indicators.md defines it: more than half of the supplier's non-redacted awards come
//   from one buyer (ties: the smallest buyer_id). A dependence signal, not a finding.
MATCH (:Organisation)-[:BUYER_OF]->(:Procurement)-[:AWARDED_TO]->(s:Organisation)
WHERE NOT coalesce(s.quality, '') CONTAINS 'redacted_person'
WITH s, count(*) AS awards
WHERE awards >= $min_awards
MATCH (b:Organisation)-[:BUYER_OF]->(:Procurement)-[:AWARDED_TO]->(s)
WITH s, awards, b, count(*) AS awards_from_buyer
WHERE 2 * awards_from_buyer > awards
RETURN s.org_id AS supplier_id, s.name AS supplier, b.org_id AS buyer_id, b.name AS buyer, awards_from_buyer, awards,
       floor(1.0 * awards_from_buyer / awards * 10000 + 0.5) / 10000 AS share
ORDER BY share DESC, awards DESC, supplier_id
LIMIT $limit
