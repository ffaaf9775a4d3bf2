-- Reference ids (refid) of the Kraken ledger entries the API brought into $integration_id: the
-- ledgers export lists the same entries with the same txid and refid, and a transaction is one refid.
SELECT DISTINCT payload ->> 'refid'
FROM raw.records
WHERE integration_id = $integration_id AND stream = 'ledger'
