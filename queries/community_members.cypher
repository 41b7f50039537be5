// Question: Who are the members of a network community, ranked by PageRank?
// Parameter: $community (int, e.g. 0) Louvain community id, as written back by `stakenet analyze`.
// Parameter: $limit (int, default 50) How many members at most.
// Columns: org_id, name, pagerank, degree, size
// Note: needs the metrics written back (pagerank, community); members without a PageRank come last.
MATCH (o:Organisation)
WHERE o.community = $community
RETURN o.org_id AS org_id, o.name AS name, floor(o.pagerank * 1000000 + 0.5) / 1000000 AS pagerank, o.degree AS degree, o.size AS size
ORDER BY coalesce(o.pagerank, -1.0) DESC, org_id
LIMIT $limit
