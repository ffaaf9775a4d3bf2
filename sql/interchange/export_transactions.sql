-- The built transactions of one integration ($integration_id) or of every integration of one account
-- ($account_id), oldest first, for a tracker CSV export. Superseded manual duplicates are not in
-- core.transactions, so they are never exported twice.
SELECT t.tx_id, t.integration_id, i.name AS integration_name, i.kind, i.provider, t.occurred_at, t.label,
       t.origin, t.outgoing_asset, t.outgoing_amount, t.incoming_asset, t.incoming_amount,
       t.fee_asset, t.fee_amount, t.external_id, t.comment
FROM core.transactions t
JOIN app.integrations i USING (integration_id)
WHERE ($integration_id IS NULL OR t.integration_id = $integration_id)
  AND ($account_id IS NULL OR i.account_id = $account_id)
ORDER BY t.occurred_at, t.integration_id, t.tx_id
