// Question: Which buyers concentrate their spending on few suppliers (Herfindahl-Hirschman index)?
// Parameter: $min_suppliers (int, default 2) Leave out buyers with fewer suppliers.
// Parameter: $limit (int, default 50) How many buyers at most.
// Columns: buyer_id, buyer, suppliers, redacted_awards, value, hhi, top_supplier_share
// Note: hhi is the sum of squared supplier shares of the buyer's awarded value (1 = one supplier takes
//   all), hhi_value in docs/indicators.md; value as in buyer_suppliers. Awards won by redacted natural
//   persons (Personuppgift) are left out of suppliers, value and hhi and counted in redacted_awards.
//   Buyers whose awarded value is unknown are left out.
// Rounding: amounts to whole cents term by term, ratios to 4 decimals, as floor(x * 100 + 0.5) / 100,
//   which both stores compute alike (their round() differs at exact halves, and sums in another order
//   can land on either side of one).
MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[:AWARDED_TO]->(:Organisation)
WITH b, p, count(*) AS awards
MATCH (p)-[a:AWARDED_TO]->(s:Organisation)
WITH b, s, coalesce(s.quality, '') CONTAINS 'redacted_person' AS redacted, count(*) AS won,
     floor(sum(floor(coalesce(a.value, p.value / awards, 0.0) * 100 + 0.5) / 100) * 100 + 0.5) / 100 AS v
WITH b, count(CASE WHEN NOT redacted THEN 1 END) AS suppliers, sum(CASE WHEN redacted THEN won ELSE 0 END) AS redacted_awards,
     floor(sum(CASE WHEN redacted THEN 0.0 ELSE v END) * 100 + 0.5) / 100 AS total,
     sum(CASE WHEN redacted THEN 0.0 ELSE v * v END) AS squares, max(CASE WHEN redacted THEN 0.0 ELSE v END) AS top
WHERE suppliers >= $min_suppliers AND total > 0
RETURN b.org_id AS buyer_id, b.name AS buyer, suppliers, redacted_awards, total AS value,
       floor(squares / (total * total) * 10000 + 0.5) / 10000 AS hhi,
       floor(top / total * 10000 + 0.5) / 10000 AS top_supplier_share
ORDER BY hhi DESC, value DESC, buyer_id
LIMIT $limit
