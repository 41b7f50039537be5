// Question: For a region and every region inside it (through PART_OF), how many EU projects, how much EU money and how many organisations?
// Parameter: $region (string, e.g. SE3) NUTS code of the top region (SE3 = Norra Sverige / Östra Norrland and neighbours).
// Parameter: $currency (string, default SEK) EU budgets in this currency are summed; others count as 0.
// Columns: nuts_code, name, level, projects, eu_budget, organisations
// Note: each row counts what is located in the region or any region below it, each project once.
// Rounding: amounts to whole cents term by term, ratios to 4 decimals, as floor(x * 100 + 0.5) / 100,
//   which both stores compute alike (their round() differs at exact halves, and sums in another order
//   can land on either side of one).
MATCH (top:Region {nuts_code: $region})<-[:PART_OF*0..4]-(r:Region)
OPTIONAL MATCH (r)<-[:PART_OF*0..4]-(:Region)<-[:LOCATED_IN]-(p:Project)
WITH DISTINCT r, p
WITH r, count(p) AS projects,
     floor(sum(CASE WHEN p.currency = $currency THEN floor(coalesce(p.eu_budget, 0.0) * 100 + 0.5) / 100 ELSE 0.0 END) * 100 + 0.5) / 100 AS eu
OPTIONAL MATCH (r)<-[:PART_OF*0..4]-(:Region)<-[:LOCATED_IN]-(o:Organisation)
WITH r, projects, eu, count(DISTINCT o) AS organisations
RETURN r.nuts_code AS nuts_code, r.name AS name, r.level AS level, projects, eu AS eu_budget, organisations
ORDER BY level, nuts_code
