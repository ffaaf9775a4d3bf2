-- What an incremental build of EVM wallet integration $integration_id re-normalizes: every
-- transaction hash that a record fetched after $watermark belongs to (its native transfers, token
-- transfers and receipt can land in different syncs), with all of that hash's records. Besides:
--   * the older transfers of a token whose metadata is stored only now (they had no decimals).
-- A token's spam verdict is not part of its transactions (it lives in raw.token_metadata and the
-- reconciliation), so a changed verdict rebuilds no transaction.
-- One hash's rows can change ids (a deposit that becomes a trade), so the hash's old synced rows
-- are stale (external_id is the hash). A new chain registry record (native asset, known tokens)
-- can change any transaction: build_groups holds NULL and the build is full.
CREATE OR REPLACE TEMP TABLE build_groups AS
SELECT DISTINCT CASE WHEN stream = 'chain' THEN NULL ELSE split_part(source_id, ':', 1) END AS group_key
FROM raw.records
WHERE integration_id = $integration_id AND fetched_at > $watermark
  AND stream IN ('chain', 'native_transfers', 'token_transfers', 'receipts');

INSERT INTO build_groups
SELECT DISTINCT split_part(source_id, ':', 1) FROM raw.records
WHERE integration_id = $integration_id AND stream = 'token_transfers' AND fetched_at <= $watermark
  AND lower(payload ->> 'address') IN (SELECT source_id FROM raw.records
                                       WHERE integration_id = $integration_id AND stream = 'tokens' AND fetched_at > $watermark);

CREATE OR REPLACE TEMP TABLE build_scoped AS
SELECT * FROM raw.records
WHERE integration_id = $integration_id
  AND stream IN ('native_transfers', 'token_transfers', 'receipts')
  AND split_part(source_id, ':', 1) IN (SELECT group_key FROM build_groups);

CREATE OR REPLACE TEMP TABLE build_stale AS
SELECT tx_id FROM core.transactions
WHERE integration_id = $integration_id AND origin = 'synced'
  AND external_id IN (SELECT group_key FROM build_groups);
