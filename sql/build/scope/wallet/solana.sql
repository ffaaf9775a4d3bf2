-- What an incremental build of Solana wallet integration $integration_id re-normalizes: every
-- transaction (signature) and stake reward (account:epoch) fetched after $watermark. A new token
-- account, stake account, token, address or chain record can change older transactions (a stake
-- account's lamports become the wallet's own SOL, a mint's symbol reaches all its rows):
-- build_groups then holds NULL and the build is full.
CREATE OR REPLACE TEMP TABLE build_groups AS
SELECT DISTINCT CASE WHEN stream IN ('transactions', 'stake_rewards') THEN source_id END AS group_key
FROM raw.records
WHERE integration_id = $integration_id AND fetched_at > $watermark;

CREATE OR REPLACE TEMP TABLE build_scoped AS
SELECT * FROM raw.records
WHERE integration_id = $integration_id
  AND stream IN ('transactions', 'stake_rewards') AND source_id IN (SELECT group_key FROM build_groups);

CREATE OR REPLACE TEMP TABLE build_stale AS
SELECT tx_id FROM core.transactions
WHERE integration_id = $integration_id AND origin = 'synced'
  AND external_id IN (SELECT group_key FROM build_groups);
