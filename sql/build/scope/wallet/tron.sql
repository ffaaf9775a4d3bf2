-- What an incremental build of Tron wallet integration $integration_id re-normalizes: every
-- transaction a record fetched after $watermark belongs to (its TRX entry and its TRC-20 transfers,
-- with all of that transaction's records) and the wallet's address. A new address, chain or token
-- record (a token's symbol and decimals reach every transfer of it) can change any transaction:
-- build_groups holds NULL and the build is full.
CREATE OR REPLACE TEMP TABLE build_groups AS
SELECT DISTINCT CASE WHEN stream IN ('transactions', 'trc20_transfers') THEN split_part(source_id, ':', 1) END AS group_key
FROM raw.records
WHERE integration_id = $integration_id AND fetched_at > $watermark;

CREATE OR REPLACE TEMP TABLE build_scoped AS
SELECT * FROM raw.records
WHERE integration_id = $integration_id
  AND (stream = 'addresses'
       OR stream IN ('transactions', 'trc20_transfers') AND split_part(source_id, ':', 1) IN (SELECT group_key FROM build_groups));

CREATE OR REPLACE TEMP TABLE build_stale AS
SELECT tx_id FROM core.transactions
WHERE integration_id = $integration_id AND origin = 'synced'
  AND external_id IN (SELECT group_key FROM build_groups);
