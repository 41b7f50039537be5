// Question: Where are SMEs shut out: which buyers award the smallest share of their contracts to small and medium-sized enterprises?
// Parameter: $min_awards (int, default 3) Leave out buyers with fewer awards to suppliers of known size.
// Parameter: $limit (int, default 50) How many buyers at most.
// Columns: buyer_id, buyer, awards, sme_awards, sme_share, value, sme_value, sme_value_share
// Note: SME share as docs/indicators.md defines it: of the awards whose supplier size is reported on the
//   award (AWARDED_TO.supplier_size; a store loaded without per-award sizes falls back to the supplier's
//   size), leaving out redacted awards (natural persons, Personuppgift), the share won by micro, small or
//   medium suppliers; value as in buyer_suppliers. Lowest SME share first.
// Rounding: amounts to whole cents term by term, ratios to 4 decimals, as floor(x * 100 + 0.5) / 100,
//   which both stores compute alike (their round() differs at exact halves, and sums in another order
//   can land on either side of one).
OPTIONAL MATCH (:Procurement)-[x:AWARDED_TO]->(:Organisation) WHERE x.supplier_size IS NOT NULL
WITH count(x) > 0 AS per_award
MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[:AWARDED_TO]->(:Organisation)
WITH per_award, b, p, count(*) AS n
MATCH (p)-[a:AWARDED_TO]->(s:Organisation)
WITH b, p, n, a, CASE WHEN per_award THEN a.supplier_size ELSE s.size END AS size,
     coalesce(s.quality, '') CONTAINS 'redacted_person' AS redacted
WHERE size IS NOT NULL AND NOT redacted
WITH b, size IN ['micro', 'small', 'medium'] AS sme, floor(coalesce(a.value, p.value / n, 0.0) * 100 + 0.5) / 100 AS v
WITH b, count(*) AS awards, count(CASE WHEN sme THEN 1 END) AS sme_awards,
     floor(sum(v) * 100 + 0.5) / 100 AS value,
     floor(sum(CASE WHEN sme THEN v ELSE 0.0 END) * 100 + 0.5) / 100 AS sme_value
WHERE awards >= $min_awards
RETURN b.org_id AS buyer_id, b.name AS buyer, awards, sme_awards, floor(1.0 * sme_awards / awards * 10000 + 0.5) / 10000 AS sme_share,
       value, sme_value,
       CASE WHEN value > 0 THEN floor(sme_value / value * 10000 + 0.5) / 10000 END AS sme_value_share
ORDER BY sme_share, sme_value_share, buyer_id
LIMIT $limit
