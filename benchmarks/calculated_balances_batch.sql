-- The calculated balance of a batch of integrations ($integration_ids, a list) in one set-based
-- statement: what sql/build/calculated_balances.sql does for one integration, for a whole backfill
-- batch at once (see the report of issue 7 for why a batch build needs it).
DELETE FROM marts.calculated_balances WHERE integration_id IN (SELECT unnest($integration_ids));
INSERT INTO marts.calculated_balances
SELECT integration_id, asset_id, any_value(asset), sum(amount)::DECIMAL(38,18)
FROM core.ledger_entries
WHERE integration_id IN (SELECT unnest($integration_ids))
GROUP BY integration_id, asset_id;
