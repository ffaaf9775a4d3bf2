-- Reconciliation rows for some integrations ($integration_ids, a list), one account, or everything,
-- with every tip and the divergence point (where the history stops agreeing with the source) when
-- one was found.
-- `mismatches_only` keeps rows whose status is not match and that are not ignored (spam tokens).
SELECT r.integration_id, r.asset_id, r.asset, r.synced, r.calculated, r.difference, r.status, r.tip_code,
       r.tip, coalesce(r.tips, '[]'), r.tolerance, r.negative_since, coalesce(r.ignored, false), r.token_status,
       r.token_reason,
       d.method, d.divergence_at, d.divergence_block, d.source_balance, d.calculated, d.tx_before, d.tx_after, d.detail
FROM marts.balance_reconciliation r
JOIN app.integrations i USING (integration_id)
LEFT JOIN marts.divergence_points d USING (integration_id, asset_id)
WHERE ($integration_ids IS NULL OR list_contains($integration_ids, r.integration_id))
  AND ($account_id IS NULL OR i.account_id = $account_id)
  AND (NOT $mismatches_only OR (r.status <> 'match' AND NOT coalesce(r.ignored, false)))
ORDER BY i.account_id, i.group_name NULLS LAST, r.integration_id, r.asset, r.asset_id
