-- Rows each layer holds per integration, for the given integrations (metadata of a sync run).
SELECT 'transactions' AS layer, integration_id, count(*) FROM core.transactions
WHERE list_contains($integration_ids, integration_id) GROUP BY ALL
UNION ALL
SELECT 'ledger_entries', integration_id, count(*) FROM core.ledger_entries
WHERE list_contains($integration_ids, integration_id) GROUP BY ALL
UNION ALL
SELECT 'calculated_balances', integration_id, count(*) FROM marts.calculated_balances
WHERE list_contains($integration_ids, integration_id) GROUP BY ALL
UNION ALL
SELECT 'synced_balances', integration_id, count(*) FROM core.synced_balances
WHERE list_contains($integration_ids, integration_id) GROUP BY ALL
UNION ALL
SELECT 'balance_reconciliation', integration_id, count(*) FROM marts.balance_reconciliation
WHERE list_contains($integration_ids, integration_id) GROUP BY ALL
