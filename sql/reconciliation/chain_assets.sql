-- Mismatched assets of a wallet integration ($integration_id) to locate on the chain: token contract
-- (NULL for the native asset), decimals, and the block the synced balance was read at.
SELECT r.asset_id, r.asset,
       CASE WHEN r.asset_id = i.provider || ':native' THEN NULL ELSE split_part(r.asset_id, ':', 2) END AS contract,
       CASE WHEN r.asset_id = i.provider || ':native' THEN c.native_decimals ELSE t.decimals END AS decimals,
       s.block_number AS synced_block
FROM marts.balance_reconciliation r
JOIN app.integrations i USING (integration_id)
LEFT JOIN core.synced_balances s USING (integration_id, asset_id)
LEFT JOIN raw.wallet_chains c USING (integration_id)
LEFT JOIN raw.token_facts t ON t.integration_id = r.integration_id AND t.asset_id = r.asset_id
WHERE r.integration_id = $integration_id AND r.status <> 'match' AND NOT r.ignored
ORDER BY r.asset_id
