CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE IF NOT EXISTS marts.calculated_balances (
    integration_id VARCHAR NOT NULL,
    asset_id       VARCHAR NOT NULL,
    asset          VARCHAR NOT NULL,
    amount         DECIMAL(38,18) NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.balance_reconciliation (
    integration_id VARCHAR NOT NULL,
    asset_id       VARCHAR NOT NULL,
    asset          VARCHAR NOT NULL,
    synced         DECIMAL(38,18),
    calculated     DECIMAL(38,18),
    difference     DECIMAL(38,18),           -- calculated - synced
    status         VARCHAR NOT NULL,         -- match | mismatch | only_synced | only_calculated
    tip_code       VARCHAR,
    tip            VARCHAR
);
