-- Registry: who owns which integrations, and what license they hold.
CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE IF NOT EXISTS app.accounts (
    account_id    VARCHAR PRIMARY KEY,
    name          VARCHAR,
    timezone      VARCHAR NOT NULL,          -- IANA name, e.g. Europe/Vienna
    base_currency VARCHAR NOT NULL,          -- e.g. EUR
    created_at    TIMESTAMP NOT NULL         -- UTC
);

-- Tiers are data, not code: auto_sync decides who gets the daily automatic sync.
CREATE TABLE IF NOT EXISTS app.license_tiers (
    tier      VARCHAR PRIMARY KEY,
    rank      INTEGER NOT NULL,
    auto_sync BOOLEAN NOT NULL
);
INSERT INTO app.license_tiers VALUES
    ('free', 0, false), ('basic', 1, false), ('pro', 2, true), ('unlimited', 3, true)
ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS app.licenses (
    account_id VARCHAR NOT NULL,
    tax_year   INTEGER NOT NULL,
    tier       VARCHAR NOT NULL,
    PRIMARY KEY (account_id, tax_year)
);

CREATE TABLE IF NOT EXISTS app.integrations (
    integration_id VARCHAR PRIMARY KEY,
    account_id     VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,         -- exchange | wallet | manual
    provider       VARCHAR,                  -- ccxt exchange id or chain name; NULL for manual
    group_name     VARCHAR,
    settings       JSON NOT NULL DEFAULT '{}',  -- never holds secrets
    credentials    VARCHAR,                  -- Fernet token of the JSON credentials; never clear text
    created_at     TIMESTAMP NOT NULL,       -- UTC
    converted_at   TIMESTAMP,                -- UTC; set when a manual integration became synced
    archived_at    TIMESTAMP                 -- UTC; archived integrations are not synced
);

-- One cursor per integration and stream: where the next incremental sync starts.
CREATE TABLE IF NOT EXISTS app.sync_state (
    integration_id VARCHAR NOT NULL,
    stream         VARCHAR NOT NULL,
    cursor         VARCHAR,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (integration_id, stream)
);

-- What the user typed in or uploaded: the source of truth of manual transactions, on any kind of
-- integration. Amounts are exact decimals; occurred_at is UTC.
CREATE TABLE IF NOT EXISTS app.manual_transactions (
    manual_id        VARCHAR PRIMARY KEY,    -- deterministic: re-importing a file adds nothing
    integration_id   VARCHAR NOT NULL,
    occurred_at      TIMESTAMP NOT NULL,     -- UTC
    label            VARCHAR NOT NULL,
    outgoing_asset   VARCHAR,
    outgoing_amount  DECIMAL(38,18),
    incoming_asset   VARCHAR,
    incoming_amount  DECIMAL(38,18),
    fee_asset        VARCHAR,
    fee_amount       DECIMAL(38,18),
    comment          VARCHAR,
    external_id      VARCHAR,                -- Trx. ID from the template, if any
    source           VARCHAR NOT NULL,       -- 'entry' or 'excel:<file name>'
    entered_timezone VARCHAR,                -- the zone the user typed the time in (NULL: UTC upload)
    created_at       TIMESTAMP NOT NULL
);
