// Question: How are two organisations connected: the shortest chains of projects and procurements between them?
// Parameter: $from_id (org, e.g. SE-ON:2321000198) One organisation (SE-ON:2321000198 = Region Gävleborg).
// Parameter: $to_id (org, e.g. SE-ON:2120002338) The other organisation (SE-ON:2120002338 = Gävle kommun).
// Parameter: $limit (int, default 10) How many shortest paths at most (all have the same length).
// Columns: hops, path, names
// Note: paths run over BENEFICIARY_OF, BUYER_OF and AWARDED_TO, at most 8 hops; path lists node keys,
//   names their names or titles, joined by ' > '. No row: not connected within 8 hops.
// Dialect: LadybugDB writes all shortest paths as -[* ALL SHORTEST 1..8]- and has list_transform /
//   list_reduce instead of list comprehensions and reduce().
MATCH p = (a:Organisation)-[:BENEFICIARY_OF|BUYER_OF|AWARDED_TO* ALL SHORTEST 1..8]-(b:Organisation)
WHERE a.org_id = $from_id AND b.org_id = $to_id
WITH length(p) AS hops,
     list_transform(nodes(p), n -> coalesce(n.org_id, n.project_id, n.procurement_id)) AS ids,
     list_transform(nodes(p), n -> coalesce(n.name, n.title, n.org_id, n.project_id, n.procurement_id)) AS labels
RETURN hops,
       list_reduce(ids, (s, x) -> s + ' > ' + x) AS path,
       list_reduce(labels, (s, x) -> s + ' > ' + x) AS names
ORDER BY path
LIMIT $limit
