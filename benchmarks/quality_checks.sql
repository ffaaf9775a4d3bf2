-- The GX suite of pipelines/reconciliation/quality.py as one SQL query over core.transactions of
-- $integration_id: failing rows per expectation (the baseline benchmark 5 compares the suite with).
SELECT count(*) FILTER (WHERE tx_id IS NULL),
       count(*) FILTER (WHERE integration_id IS NULL),
       count(*) FILTER (WHERE occurred_at IS NULL),
       count(*) FILTER (WHERE label IS NULL),
       count(*) FILTER (WHERE origin IS NULL),
       count(tx_id) - count(DISTINCT tx_id),
       count(*) FILTER (WHERE NOT list_contains($labels, label)),
       count(*) FILTER (WHERE origin NOT IN ('synced', 'manual')),
       count(*) FILTER (WHERE occurred_at < TIMESTAMP '2009-01-03' OR occurred_at > $now::TIMESTAMP + INTERVAL 1 DAY),
       count(*) FILTER (WHERE outgoing_amount <= 0 OR outgoing_amount >= 1e20),
       count(*) FILTER (WHERE outgoing_amount IS NOT NULL AND outgoing_asset IS NULL),
       count(*) FILTER (WHERE outgoing_amount IS NOT NULL AND outgoing_asset_id IS NULL),
       count(*) FILTER (WHERE outgoing_asset IS NOT NULL AND outgoing_amount IS NULL),
       count(*) FILTER (WHERE incoming_amount <= 0 OR incoming_amount >= 1e20),
       count(*) FILTER (WHERE incoming_amount IS NOT NULL AND incoming_asset IS NULL),
       count(*) FILTER (WHERE incoming_amount IS NOT NULL AND incoming_asset_id IS NULL),
       count(*) FILTER (WHERE incoming_asset IS NOT NULL AND incoming_amount IS NULL),
       count(*) FILTER (WHERE fee_amount <= 0 OR fee_amount >= 1e20),
       count(*) FILTER (WHERE fee_amount IS NOT NULL AND fee_asset IS NULL),
       count(*) FILTER (WHERE fee_amount IS NOT NULL AND fee_asset_id IS NULL),
       count(*) FILTER (WHERE fee_asset IS NOT NULL AND fee_amount IS NULL)
FROM core.transactions
WHERE integration_id = $integration_id;
