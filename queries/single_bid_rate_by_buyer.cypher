// Question: How much competition do buyers get: which buyers have the highest share of lots with a single tender received?
// Parameter: $min_lots (int, default 5) Leave out buyers with fewer lots whose tender count is known.
// Parameter: $limit (int, default 50) How many buyers at most.
// Columns: buyer_id, buyer, lots, single_bid_lots, single_bid_rate, tenders_mean
// Note: single-bid rate as docs/indicators.md defines it (OCP Cardinal R018, all procedures): lots with
//   exactly one tender received (Lot.tenders_received = 1) over lots with a known count; a risk signal,
//   not a finding. Ratios to 4 decimals as floor(x * 10000 + 0.5) / 10000. Highest rate first.
MATCH (b:Organisation)-[:BUYER_OF]->(:Procurement)-[:HAS_LOT]->(l:Lot)
WHERE l.tenders_received IS NOT NULL
WITH b, count(l) AS lots, count(CASE WHEN l.tenders_received = 1 THEN 1 END) AS single_bid_lots,
     sum(l.tenders_received) AS tenders
WHERE lots >= $min_lots
RETURN b.org_id AS buyer_id, b.name AS buyer, lots, single_bid_lots,
       floor(1.0 * single_bid_lots / lots * 10000 + 0.5) / 10000 AS single_bid_rate,
       floor(1.0 * tenders / lots * 100 + 0.5) / 100 AS tenders_mean
ORDER BY single_bid_rate DESC, lots DESC, buyer_id
LIMIT $limit
