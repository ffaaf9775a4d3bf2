-- What an incremental build of Bitcoin wallet integration $integration_id re-normalizes: the
-- transactions fetched after $watermark (each is one transaction of its own, external_id its txid)
-- with the wallet's own addresses, which every transaction is netted over. A new own address (or a
-- new chain record) can change any transaction: build_groups holds NULL and the build is full.
CREATE OR REPLACE TEMP TABLE build_groups AS
SELECT DISTINCT CASE WHEN stream = 'transactions' THEN source_id END AS group_key
FROM raw.records
WHERE integration_id = $integration_id AND fetched_at > $watermark;

CREATE OR REPLACE TEMP TABLE build_scoped AS
SELECT * FROM raw.records
WHERE integration_id = $integration_id AND stream = 'transactions' AND fetched_at > $watermark;

INSERT INTO build_scoped
SELECT * FROM raw.records
WHERE integration_id = $integration_id AND stream = 'addresses';

CREATE OR REPLACE TEMP TABLE build_stale AS
SELECT tx_id FROM core.transactions
WHERE integration_id = $integration_id AND origin = 'synced'
  AND external_id IN (SELECT group_key FROM build_groups);
