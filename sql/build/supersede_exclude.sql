-- Keep superseded manual transactions of $integration_id out of core.transactions (and so out of
-- ledger entries and balances) while their synced twin is there; the manual row itself stays in
-- app.manual_transactions and is listed by `pipelines integrations duplicates`.
DELETE FROM core.transactions
WHERE integration_id = $integration_id AND origin = 'manual'
  AND tx_id IN (
      SELECT d.manual_id FROM app.superseded_manual d
      JOIN core.transactions s ON s.tx_id = d.synced_tx_id AND s.integration_id = d.integration_id AND s.origin = 'synced'
      WHERE d.integration_id = $integration_id AND d.restored_at IS NULL
  );
