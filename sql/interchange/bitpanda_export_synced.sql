-- Ids of the Bitpanda records the API brought into $integration_id: a transaction in Bitpanda's
-- export carries the same id (Transaction ID) as the trade or wallet transaction the API lists.
SELECT DISTINCT source_id
FROM raw.records
WHERE integration_id = $integration_id AND stream IN ('trades', 'wallet_transactions', 'fiat_transactions')
