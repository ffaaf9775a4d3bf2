-- The calculated balance: the sum of every ledger entry per asset.
DELETE FROM marts.calculated_balances WHERE integration_id = $integration_id;
INSERT INTO marts.calculated_balances
SELECT integration_id, asset_id, any_value(asset), sum(amount)::DECIMAL(38,18)
FROM core.ledger_entries
WHERE integration_id = $integration_id
GROUP BY integration_id, asset_id;
