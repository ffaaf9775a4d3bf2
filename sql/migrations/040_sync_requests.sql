-- Sync requests: what a web app's "Sync All" / "Sync" button writes. The sync_requests sensor
-- launches the runs and records what it did; nothing else writes this table.
CREATE TABLE IF NOT EXISTS app.sync_requests (
    request_id     VARCHAR PRIMARY KEY,
    account_id     VARCHAR NOT NULL,
    integration_id VARCHAR,                  -- NULL: every active integration of the account (Sync All)
    requested_at   TIMESTAMP NOT NULL,       -- UTC
    status         VARCHAR NOT NULL DEFAULT 'pending',  -- pending | launched | already_running | nothing_to_sync
    handled_at     TIMESTAMP,                -- UTC; when the sensor handled the request
    detail         VARCHAR                   -- what the sensor did, for the user and the operator
);
