// Question: How do the EU projects located in a county break down by fund and theme?
// Parameter: $county (string, e.g. SE313) NUTS code of the county (SE313 = Gävleborgs län); sub-regions included.
// Parameter: $theme_kind (string, default thematic_objective) Which kind of theme to break down by
//   (thematic_objective, policy_objective, intervention_category, priority_axis).
// Parameter: $currency (string, default SEK) EU budgets in this currency are summed; others count as 0.
// Columns: fund, theme_id, theme, projects, eu_budget
// Note: '(none)' collects projects without a fund or without a theme of that kind; a project with
//   several themes counts under each.
// Rounding: amounts to whole cents term by term, ratios to 4 decimals, as floor(x * 100 + 0.5) / 100,
//   which both stores compute alike (their round() differs at exact halves, and sums in another order
//   can land on either side of one).
MATCH (area:Region {nuts_code: $county})<-[:PART_OF*0..4]-(:Region)<-[:LOCATED_IN]-(p:Project)
WITH DISTINCT p
OPTIONAL MATCH (p)-[:FUNDED_BY]->(f:Fund)
OPTIONAL MATCH (p)-[:HAS_THEME]->(t:Theme)
WHERE t.kind = $theme_kind
WITH p, coalesce(f.code, '(none)') AS fund, coalesce(t.theme_id, '(none)') AS theme_id, coalesce(t.name, t.code, '') AS theme
RETURN fund, theme_id, theme, count(DISTINCT p) AS projects,
       floor(sum(CASE WHEN p.currency = $currency THEN floor(coalesce(p.eu_budget, 0.0) * 100 + 0.5) / 100 ELSE 0.0 END) * 100 + 0.5) / 100 AS eu_budget
ORDER BY fund, theme_id, theme
