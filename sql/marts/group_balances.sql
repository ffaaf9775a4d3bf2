-- Balances per account, group (a user's folder of integrations) and asset_id, summed over the
-- active integrations' reconciliation rows; rebuilt whole (it is small). Spam tokens stay visible
-- here (like in reconciliation); the portfolio leaves them out.
DELETE FROM marts.group_balances;
INSERT INTO marts.group_balances
SELECT i.account_id, i.group_name, r.asset_id, any_value(r.asset),
       sum(r.synced)::DECIMAL(38,18), sum(r.calculated)::DECIMAL(38,18), count(DISTINCT r.integration_id)::INTEGER
FROM marts.balance_reconciliation r JOIN app.integrations i USING (integration_id)
WHERE i.archived_at IS NULL
GROUP BY i.account_id, i.group_name, r.asset_id;
