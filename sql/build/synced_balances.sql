-- The synced balance of every integration of the batch: the latest snapshot read from the source. A
-- manual integration has no source, so its one "Balance" is its calculated balance (the seed article's rule).
DELETE FROM core.synced_balances WHERE integration_id IN (SELECT integration_id FROM build_batch);
INSERT INTO core.synced_balances
WITH latest AS (
        SELECT integration_id, TRY_CAST(cursor AS TIMESTAMP) AS synced_at FROM app.sync_state
        WHERE stream = 'balances' AND integration_id IN (SELECT integration_id FROM build_batch)
     )
SELECT s.integration_id, s.asset_id, s.asset, s.amount, s.synced_at, s.block_number
FROM raw.balance_snapshots s
JOIN latest USING (integration_id, synced_at)
JOIN app.integrations i USING (integration_id)
WHERE s.integration_id IN (SELECT integration_id FROM build_batch) AND i.kind <> 'manual'
UNION ALL
SELECT c.integration_id, c.asset_id, c.asset, c.amount, now()::TIMESTAMP, NULL
FROM marts.calculated_balances c
JOIN app.integrations i USING (integration_id)
WHERE c.integration_id IN (SELECT integration_id FROM build_batch) AND i.kind = 'manual';
