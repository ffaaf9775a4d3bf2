-- Manual transactions that a sync brought again from the source (after a manual integration was
-- converted, or an entry the user typed before the source had it). Nothing is deleted: a mark only
-- keeps the manual row out of core.transactions (and so out of balances) while its synced twin
-- exists; `pipelines integrations restore-duplicate` sets restored_at and the row counts again.

-- How close a manual and a synced transaction must be to count as the same event when no exchange
-- id or tx hash ties them: data, not code. The most specific row (provider before '*') applies.
-- An amount may differ by the fee of either side in that asset plus relative_tolerance of itself
-- (users often type a withdrawal including its fee, or a rounded amount).
CREATE TABLE IF NOT EXISTS app.duplicate_rules (
    kind                VARCHAR NOT NULL,        -- exchange | wallet
    provider            VARCHAR NOT NULL,        -- ccxt exchange id or chain name; '*' for any
    time_window_seconds INTEGER NOT NULL,        -- |manual time - synced time| at most this
    relative_tolerance  DECIMAL(9,6) NOT NULL,   -- e.g. 0.001 = 0.1 % of the amount
    PRIMARY KEY (kind, provider)
);
INSERT INTO app.duplicate_rules VALUES
    ('exchange', '*', 3600, 0.001), ('wallet', '*', 3600, 0)
ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS app.superseded_manual (
    manual_id      VARCHAR PRIMARY KEY,          -- app.manual_transactions.manual_id
    integration_id VARCHAR NOT NULL,
    synced_tx_id   VARCHAR NOT NULL,             -- core.transactions.tx_id of the synced twin
    reason         VARCHAR NOT NULL,             -- external_id | amount_and_time
    marked_at      TIMESTAMP NOT NULL,           -- UTC
    restored_at    TIMESTAMP                     -- UTC; set when the user keeps the manual one after all
);
