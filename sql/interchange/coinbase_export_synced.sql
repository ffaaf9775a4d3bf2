-- Ids of the Coinbase v2 transactions the API brought into $integration_id: a row of Coinbase's
-- transaction history export carries the transaction's id in its ID column.
SELECT DISTINCT source_id
FROM raw.records
WHERE integration_id = $integration_id AND stream = 'transactions'
