// Question: Where are SMEs shut out: which buyers award the smallest share of their contracts to small and medium-sized enterprises?
// Parameter: $min_awards (int, default 3) Leave out buyers with fewer awards to suppliers of known size.
// Parameter: $limit (int, default 50) How many buyers at most.
// Columns: buyer_id, buyer, awards, sme_awards, sme_share, value, sme_value, sme_value_share
// Note: counts awards to suppliers of known size only (micro, small and medium are SMEs); value as in
//   buyer_suppliers. Lowest SME share first.
MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[:AWARDED_TO]->(:Organisation)
WITH b, p, count(*) AS n
MATCH (p)-[a:AWARDED_TO]->(s:Organisation)
WHERE s.size IS NOT NULL
WITH b, s.size IN ['micro', 'small', 'medium'] AS sme, coalesce(a.value, p.value / n, 0.0) AS v
WITH b, count(*) AS awards, count(CASE WHEN sme THEN 1 END) AS sme_awards,
     sum(v) AS value, sum(CASE WHEN sme THEN v ELSE 0.0 END) AS sme_value
WHERE awards >= $min_awards
RETURN b.org_id AS buyer_id, b.name AS buyer, awards, sme_awards, round(1.0 * sme_awards / awards, 4) AS sme_share,
       round(value, 2) AS value, round(sme_value, 2) AS sme_value,
       CASE WHEN value > 0 THEN round(sme_value / value, 4) ELSE NULL END AS sme_value_share
ORDER BY sme_share, sme_value_share, buyer_id
LIMIT $limit
