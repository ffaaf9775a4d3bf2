CREATE SCHEMA IF NOT EXISTS core;

-- One economic event. tx_id is deterministic, so a rebuild yields the same ids.
CREATE TABLE IF NOT EXISTS core.transactions (
    tx_id             VARCHAR NOT NULL,
    integration_id    VARCHAR NOT NULL,
    occurred_at       TIMESTAMP NOT NULL,    -- UTC
    label             VARCHAR NOT NULL,
    origin            VARCHAR NOT NULL,      -- synced | manual
    outgoing_asset    VARCHAR,
    outgoing_asset_id VARCHAR,
    outgoing_amount   DECIMAL(38,18),
    incoming_asset    VARCHAR,
    incoming_asset_id VARCHAR,
    incoming_amount   DECIMAL(38,18),
    fee_asset         VARCHAR,
    fee_asset_id      VARCHAR,
    fee_amount        DECIMAL(38,18),
    external_id       VARCHAR,
    comment           VARCHAR
);

-- One signed movement of one asset: the unit balances are summed from.
CREATE TABLE IF NOT EXISTS core.ledger_entries (
    tx_id          VARCHAR NOT NULL,
    integration_id VARCHAR NOT NULL,
    occurred_at    TIMESTAMP NOT NULL,       -- UTC
    asset_id       VARCHAR NOT NULL,
    asset          VARCHAR NOT NULL,
    amount         DECIMAL(38,18) NOT NULL,  -- signed: in > 0, out and fee < 0
    entry          VARCHAR NOT NULL          -- in | out | fee
);

CREATE TABLE IF NOT EXISTS core.synced_balances (
    integration_id VARCHAR NOT NULL,
    asset_id       VARCHAR NOT NULL,
    asset          VARCHAR NOT NULL,
    amount         DECIMAL(38,18) NOT NULL,
    synced_at      TIMESTAMP NOT NULL,       -- UTC
    block_number   BIGINT                    -- chains only: the block the balance was read at
);
