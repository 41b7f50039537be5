// Question: Which buyers flag their procurements as environmentally or socially sustainable or innovative, and how often?
// Parameter: $min_procurements (int, default 1) Leave out buyers with fewer procurements.
// Parameter: $limit (int, default 50) How many buyers at most.
// Columns: buyer_id, buyer, procurements, env_sustainable, social_sustainable, innovation, flagged, flagged_share
// Note: flagged counts procurements with at least one flag set, flagged_share = flagged / procurements.
//   An empty flag is not counted as set, but the procurement still counts in procurements: where a
//   buyer's notice databases never fill a flag, the flag is not reported (docs/indicators.md) and the
//   report says so; the flags-by-notice-database table tells which databases fill which flag.
// Rounding: amounts to whole cents term by term, ratios to 4 decimals, as floor(x * 100 + 0.5) / 100,
//   which both stores compute alike (their round() differs at exact halves, and sums in another order
//   can land on either side of one).
MATCH (b:Organisation)-[:BUYER_OF]->(p:Procurement)
WITH b, count(p) AS procurements,
     count(CASE WHEN p.env_sustainable THEN 1 END) AS env,
     count(CASE WHEN p.social_sustainable THEN 1 END) AS social,
     count(CASE WHEN p.innovation THEN 1 END) AS innovation,
     count(CASE WHEN p.env_sustainable OR p.social_sustainable OR p.innovation THEN 1 END) AS flagged
WHERE procurements >= $min_procurements
RETURN b.org_id AS buyer_id, b.name AS buyer, procurements, env AS env_sustainable, social AS social_sustainable,
       innovation, flagged, floor(1.0 * flagged / procurements * 10000 + 0.5) / 10000 AS flagged_share
ORDER BY flagged_share DESC, procurements DESC, buyer_id
LIMIT $limit
