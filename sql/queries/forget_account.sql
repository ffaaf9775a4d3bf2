-- Delete an account and every row that belongs to its integrations (used by the demo to start clean).
DELETE FROM marts.balance_reconciliation WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM marts.calculated_balances WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM core.synced_balances WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM core.ledger_entries WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM core.transactions WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM raw.balance_snapshots WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM raw.records WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM app.build_state WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM app.sync_state WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM app.manual_transactions WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM app.token_decisions WHERE integration_id IN (SELECT integration_id FROM app.integrations WHERE account_id = $account_id);
DELETE FROM app.integrations WHERE account_id = $account_id;
DELETE FROM app.licenses WHERE account_id = $account_id;
DELETE FROM app.accounts WHERE account_id = $account_id;
