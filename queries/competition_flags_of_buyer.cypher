// Question: Which of a buyer's procurements raise competition risk signals (single tenders, appeals, no award)?
// Parameter: $buyer_id (org, e.g. SE-ON:2321000198) The buying organisation.
// Columns: procurement_id, upphandlings_id, procedure, lots, single_bid_lots, open_single_bid_lots, appealed, no_award
// Note: one row per flagged procurement, with the lot and procurement flags of the catalogue (stakenet flags --list):
//   SB-LOT (single_bid_lots: lots with one tender received), SB-OPEN (open_single_bid_lots: the same in an
//   open or selective procedure), APPEAL (appealed: Överprövad), NOAWARD (no_award: no award in the data).
//   Buyer- and supplier-level flags need national baselines: stakenet flags --buyer. Risk signals for a
//   closer look, not findings.
MATCH (:Organisation {org_id: $buyer_id})-[:BUYER_OF]->(p:Procurement)
OPTIONAL MATCH (p)-[:HAS_LOT]->(l:Lot)
WITH p, count(l) AS lots, count(CASE WHEN l.tenders_received = 1 THEN 1 END) AS single_bid_lots
OPTIONAL MATCH (p)-[a:AWARDED_TO]->(:Organisation)
WITH p, lots, single_bid_lots, count(a) AS awards
WHERE single_bid_lots > 0 OR coalesce(p.appealed, false) OR awards = 0
RETURN p.procurement_id AS procurement_id, p.upphandlings_id AS upphandlings_id, p.procedure AS procedure, lots,
       single_bid_lots,
       CASE WHEN p.procedure IN ['Öppet förfarande', 'Selektivt förfarande'] THEN single_bid_lots ELSE 0 END AS open_single_bid_lots,
       coalesce(p.appealed, false) AS appealed, awards = 0 AS no_award
ORDER BY procurement_id
