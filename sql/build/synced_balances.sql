-- The synced balance: the latest snapshot read from the source. A manual integration has no
-- source, so its one "Balance" is its calculated balance (the seed article's rule).
DELETE FROM core.synced_balances WHERE integration_id = $integration_id;
INSERT INTO core.synced_balances
SELECT s.integration_id, s.asset_id, s.asset, s.amount, s.synced_at, s.block_number
FROM raw.balance_snapshots s
JOIN app.integrations i USING (integration_id)
WHERE s.integration_id = $integration_id AND i.kind <> 'manual'
  AND s.synced_at = (SELECT cursor::TIMESTAMP FROM app.sync_state
                     WHERE integration_id = $integration_id AND stream = 'balances')
UNION ALL
SELECT c.integration_id, c.asset_id, c.asset, c.amount, now()::TIMESTAMP, NULL
FROM marts.calculated_balances c
JOIN app.integrations i USING (integration_id)
WHERE c.integration_id = $integration_id AND i.kind = 'manual';
