// Question: In which buyer x CPV division markets does one supplier win most of the awards?
// Parameter: $min_awards (int, default 5) Leave out markets with fewer non-redacted awards.
// Parameter: $limit (int, default 50) How many markets at most.
// Columns: buyer_id, buyer, cpv_division, awards, suppliers, top_supplier_awards, top_share
// Note: a market is one buyer's procurements of one CPV division (the first two digits of Procurement.cpv);
//   awards won by redacted natural persons are left out (as in docs/indicators.md). top_share is the
//   largest supplier's share of the market's awards (winner share); a risk signal, not a finding.
MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)-[:AWARDED_TO]->(s:Organisation)
WHERE p.cpv IS NOT NULL AND NOT coalesce(s.quality, '') CONTAINS 'redacted_person'
WITH b, left(p.cpv, 2) AS cpv_division, s, count(*) AS won
WITH b, cpv_division, sum(won) AS awards, count(s) AS suppliers, max(won) AS top_supplier_awards
WHERE awards >= $min_awards
RETURN b.org_id AS buyer_id, b.name AS buyer, cpv_division, awards, suppliers, top_supplier_awards,
       floor(1.0 * top_supplier_awards / awards * 10000 + 0.5) / 10000 AS top_share
ORDER BY top_share DESC, awards DESC, buyer_id, cpv_division
LIMIT $limit
