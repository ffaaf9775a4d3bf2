-- The calculated balance of each integration rebuilt in full (build_rebuilt): the sum of all its
-- ledger entries per asset, summed again from scratch. (The others: calculated_balances/deltas.sql.)
DELETE FROM marts.calculated_balances WHERE integration_id IN (SELECT integration_id FROM build_rebuilt);
INSERT INTO marts.calculated_balances  -- (sum of DECIMAL(38,18) is DECIMAL(38,18): no cast, it costs)
SELECT integration_id, asset_id, any_value(asset), sum(amount)
FROM build_rebuilt_entries  -- (the rebuilt integrations' ledger entries: pipelines/sync/build.py)
GROUP BY integration_id, asset_id;
