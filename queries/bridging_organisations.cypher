// Question: Which organisations are both EU beneficiaries and buyers or suppliers in public procurement?
// Parameter: $limit (int, default 50) How many organisations at most.
// Columns: org_id, name, projects, procurements_bought, awards_won
// Note: these organisations bridge the EU-funding and procurement worlds; most involved first.
MATCH (o:Organisation)
WHERE EXISTS { MATCH (o)-[:BENEFICIARY_OF]->(:Project) }
  AND (EXISTS { MATCH (o)-[:BUYER_OF]->(:Procurement) } OR EXISTS { MATCH (o)<-[:AWARDED_TO]-(:Procurement) })
WITH o,
     COUNT { MATCH (o)-[:BENEFICIARY_OF]->(:Project) } AS projects,
     COUNT { MATCH (o)-[:BUYER_OF]->(:Procurement) } AS procurements_bought,
     COUNT { MATCH (o)<-[:AWARDED_TO]-(:Procurement) } AS awards_won
RETURN o.org_id AS org_id, o.name AS name, projects, procurements_bought, awards_won
ORDER BY projects + procurements_bought + awards_won DESC, org_id
LIMIT $limit
