// Question: Which other buyers buy from the same suppliers as a given buyer?
// Parameter: $buyer_id (org, e.g. SE-ON:2321000198) The buying organisation (SE-ON:2321000198 = Region Gävleborg).
// Parameter: $limit (int, default 25) How many buyers at most.
// Columns: buyer_id, buyer, shared_suppliers, their_suppliers, overlap
// Note: overlap = shared_suppliers / their_suppliers, the part of the other buyer's supplier base it
//   shares with the given buyer.
// Rounding: amounts to whole cents term by term, ratios to 4 decimals, as floor(x * 100 + 0.5) / 100,
//   which both stores compute alike (their round() differs at exact halves, and sums in another order
//   can land on either side of one).
MATCH (b:Organisation {org_id: $buyer_id})-[:BUYER_OF]->(:Procurement)-[:AWARDED_TO]->(s:Organisation)
WITH DISTINCT b, s
MATCH (s)<-[:AWARDED_TO]-(:Procurement)<-[:BUYER_OF]-(other:Organisation)
WHERE other.org_id <> b.org_id
WITH other, count(DISTINCT s) AS shared
MATCH (other)-[:BUYER_OF]->(:Procurement)-[:AWARDED_TO]->(x:Organisation)
WITH other, shared, count(DISTINCT x) AS theirs
RETURN other.org_id AS buyer_id, other.name AS buyer, shared AS shared_suppliers, theirs AS their_suppliers,
       floor(1.0 * shared / theirs * 10000 + 0.5) / 10000 AS overlap
ORDER BY shared_suppliers DESC, overlap DESC, buyer_id
LIMIT $limit
