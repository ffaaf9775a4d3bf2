-- Records exactly as the source gave them, one row per (integration, stream, source id).
CREATE SCHEMA IF NOT EXISTS raw;

CREATE TABLE IF NOT EXISTS raw.records (
    integration_id VARCHAR NOT NULL,
    stream         VARCHAR NOT NULL,         -- e.g. trades, deposits, ledger, native_transfers
    source_id      VARCHAR NOT NULL,         -- the source's own id (exchange id, tx hash + index)
    occurred_at    TIMESTAMP,                -- UTC, as far as the source says
    payload        JSON NOT NULL,            -- the record as received
    fetched_at     TIMESTAMP NOT NULL
);

-- Balances read from the source at the same cut-off as the history of that sync.
CREATE TABLE IF NOT EXISTS raw.balance_snapshots (
    integration_id VARCHAR NOT NULL,
    asset_id       VARCHAR NOT NULL,
    asset          VARCHAR NOT NULL,
    amount         DECIMAL(38,18) NOT NULL,
    raw_amount     VARCHAR,                  -- as received (string or integer in base units)
    synced_at      TIMESTAMP NOT NULL,
    block_number   BIGINT
);
