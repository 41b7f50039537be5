// Question: What are a project and its predecessor (an earlier project whose title its summary names), with their partners?
// Parameter: $project_id (string, e.g. EUKG:Q2661002) The project; the seed is EU KG item Q2661002 (case 20203353),
//   whose summary names its predecessor, Projektbanken case 20200535.
// Columns: relation, project_id, title, start_date, end_date, eu_budget, currency, partner_id, partner, role
// Note: relation is 'project' or 'predecessor'; one row per project and beneficiary. A predecessor is
//   any project that started earlier (or has no start date) and whose title, at least 12 characters
//   long, appears in the project's summary: the sources have no predecessor link, and the two
//   projects may name their beneficiaries differently, so the title is the reliable trace.
MATCH (seed:Project {project_id: $project_id})
OPTIONAL MATCH (prev:Project)
WHERE prev.project_id <> seed.project_id AND size(prev.title) >= 12 AND seed.summary CONTAINS prev.title
  AND (prev.start_date IS NULL OR seed.start_date IS NULL OR prev.start_date < seed.start_date)
WITH seed, collect(prev.project_id) AS prev_ids
UNWIND [seed.project_id] + prev_ids AS id
MATCH (p:Project {project_id: id})
OPTIONAL MATCH (p)<-[b:BENEFICIARY_OF]-(o:Organisation)
RETURN CASE WHEN p.project_id = seed.project_id THEN 'project' ELSE 'predecessor' END AS relation,
       p.project_id AS project_id, p.title AS title, p.start_date AS start_date, p.end_date AS end_date,
       p.eu_budget AS eu_budget, p.currency AS currency, o.org_id AS partner_id, o.name AS partner, b.role AS role
ORDER BY CASE WHEN p.project_id = seed.project_id THEN 0 ELSE 1 END, start_date, project_id, partner_id
