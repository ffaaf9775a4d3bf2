-- Reconciliation rows for one integration, one account, or everything.
SELECT r.integration_id, r.asset_id, r.asset, r.synced, r.calculated, r.difference, r.status, r.tip_code, r.tip
FROM marts.balance_reconciliation r
JOIN app.integrations i USING (integration_id)
WHERE ($integration_id IS NULL OR r.integration_id = $integration_id)
  AND ($account_id IS NULL OR i.account_id = $account_id)
  AND (NOT $mismatches_only OR r.status <> 'match')
ORDER BY i.account_id, i.group_name NULLS LAST, r.integration_id, r.asset
