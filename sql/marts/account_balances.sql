-- Balances per account and asset_id across all its active integrations.
DELETE FROM marts.account_balances;
INSERT INTO marts.account_balances
SELECT i.account_id, r.asset_id, any_value(r.asset),
       sum(r.synced)::DECIMAL(38,18), sum(r.calculated)::DECIMAL(38,18), count(DISTINCT r.integration_id)::INTEGER
FROM marts.balance_reconciliation r JOIN app.integrations i USING (integration_id)
WHERE i.archived_at IS NULL
GROUP BY i.account_id, r.asset_id;
