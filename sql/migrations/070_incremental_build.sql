-- The incremental build (pipelines/sync/build.py): what each integration's last build read, so the
-- next one re-normalizes only the raw records fetched since, and the calculated balance at the first
-- negative instant, so reconciliation re-runs the balance history only from the first change on.

-- One row per built integration. A build re-normalizes only records with fetched_at > raw_watermark;
-- it rebuilds the integration in full when fewer than raw_records records are at or before the
-- watermark (a full re-sync replaced them) or when the fingerprint changed (the registry row, its
-- manual transactions, superseded marks or duplicate rules: everything else transactions read).
CREATE TABLE IF NOT EXISTS app.build_state (
    integration_id VARCHAR PRIMARY KEY,
    raw_watermark  TIMESTAMP,                  -- newest raw.records.fetched_at the build read (NULL: none)
    raw_records    BIGINT NOT NULL,            -- raw records the build read
    fingerprint    UBIGINT NOT NULL,
    built_at       TIMESTAMP NOT NULL          -- UTC
);

-- The calculated balance at negative_since (the tip quotes it).
ALTER TABLE marts.balance_reconciliation ADD COLUMN IF NOT EXISTS negative_balance DECIMAL(38,18);
