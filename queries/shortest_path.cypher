// Question: How are two organisations connected: the shortest chains of projects and procurements between them?
// Parameter: $from_id (org, e.g. SE-ON:2321000198) One organisation (SE-ON:2321000198 = Region Gävleborg).
// Parameter: $to_id (org, e.g. SE-ON:2120002338) The other organisation (SE-ON:2120002338 = Gävle kommun).
// Parameter: $limit (int, default 10) How many shortest paths at most (all have the same length).
// Columns: hops, path, names
// Note: paths run over BENEFICIARY_OF, BUYER_OF and AWARDED_TO, at most 8 hops; path lists node keys,
//   names their names or titles, joined by ' > '. No row: not connected within 8 hops.
MATCH (a:Organisation {org_id: $from_id})
MATCH (b:Organisation {org_id: $to_id})
MATCH p = allShortestPaths((a)-[:BENEFICIARY_OF|BUYER_OF|AWARDED_TO*..8]-(b))
WITH length(p) AS hops,
     [n IN nodes(p) | coalesce(n.org_id, n.project_id, n.procurement_id)] AS ids,
     [n IN nodes(p) | coalesce(n.name, n.title, n.org_id, n.project_id, n.procurement_id)] AS labels
RETURN hops,
       reduce(s = head(ids), x IN tail(ids) | s + ' > ' + x) AS path,
       reduce(s = head(labels), x IN tail(labels) | s + ' > ' + x) AS names
ORDER BY path
LIMIT $limit
