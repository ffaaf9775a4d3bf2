-- The bookkeeping of one build (pipelines/sync/build.py), temporary and per connection: the batch
-- ($integration_ids), the integrations rebuilt in full, the transactions an incremental build
-- removed and added, the ledger entries that left (-) and arrived (+) summed per asset (amount,
-- first instant, signed entry count) for the balances, and those per asset in one row
-- (calculated_balances/deltas.sql; empty when no integration has a delta).
CREATE OR REPLACE TEMP TABLE build_batch AS SELECT unnest($integration_ids::VARCHAR[]) AS integration_id;
CREATE OR REPLACE TEMP TABLE build_rebuilt (integration_id VARCHAR);
CREATE OR REPLACE TEMP TABLE build_removed (integration_id VARCHAR, tx_id VARCHAR);
CREATE OR REPLACE TEMP TABLE build_added AS SELECT * FROM core.transactions WHERE false;
CREATE OR REPLACE TEMP TABLE build_deltas (
    integration_id VARCHAR, asset_id VARCHAR, asset VARCHAR, occurred_at TIMESTAMP, amount DECIMAL(38,18), entries INTEGER
);
CREATE OR REPLACE TEMP TABLE build_balance_deltas (
    integration_id VARCHAR, asset_id VARCHAR, asset VARCHAR, amount DECIMAL(38,18), added BIGINT, since TIMESTAMP
);
