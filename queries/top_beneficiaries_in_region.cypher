// Question: Which organisations receive the most EU money for projects located in a region, its sub-regions included?
// Parameter: $region (string, e.g. SE313) NUTS code of the region (SE313 = Gävleborgs län); projects in any region PART_OF it count.
// Parameter: $currency (string, default SEK) Only projects budgeted in this currency are counted.
// Parameter: $limit (int, default 20) How many organisations at most.
// Columns: org_id, name, projects, eu_budget, total_budget
// Note: a project located in several regions of the area counts once; its whole budget is credited to
//   each of its beneficiaries (the sources do not split it); an unknown budget counts as 0, and a
//   sum over budgets none of which is known is empty (Projektbanken gives no total budgets).
// Rounding: amounts to whole cents term by term, ratios to 4 decimals, as floor(x * 100 + 0.5) / 100,
//   which both stores compute alike (their round() differs at exact halves, and sums in another order
//   can land on either side of one).
MATCH (area:Region {nuts_code: $region})<-[:PART_OF*0..4]-(:Region)<-[:LOCATED_IN]-(p:Project)
WHERE p.currency = $currency
WITH DISTINCT p
MATCH (o:Organisation)-[:BENEFICIARY_OF]->(p)
WITH o, count(p) AS projects, count(p.eu_budget) AS eu_known, count(p.total_budget) AS total_known,
     floor(sum(floor(coalesce(p.eu_budget, 0.0) * 100 + 0.5) / 100) * 100 + 0.5) / 100 AS eu,
     floor(sum(floor(coalesce(p.total_budget, 0.0) * 100 + 0.5) / 100) * 100 + 0.5) / 100 AS total
RETURN o.org_id AS org_id, o.name AS name, projects,
       CASE WHEN eu_known > 0 THEN eu END AS eu_budget, CASE WHEN total_known > 0 THEN total END AS total_budget
ORDER BY coalesce(eu_budget, -1.0) DESC, projects DESC, org_id
LIMIT $limit
