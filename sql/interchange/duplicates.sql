-- Manual transactions of $integration_id marked as duplicates of synced ones, with both sides to
-- compare. state: superseded (left out of balances) | restored (counted again) | twin missing (the
-- synced twin is gone, e.g. after a full re-sync, so the manual one counts again).
SELECT d.manual_id,
       CASE WHEN d.restored_at IS NOT NULL THEN 'restored'
            WHEN s.tx_id IS NULL THEN 'twin missing'
            ELSE 'superseded' END AS state,
       d.reason, m.occurred_at AS manual_at, m.label AS manual_label,
       concat_ws(' -> ', amount_text(m.outgoing_amount) || ' ' || m.outgoing_asset,
                 amount_text(m.incoming_amount) || ' ' || m.incoming_asset) AS manual_legs,
       d.synced_tx_id, s.occurred_at AS synced_at,
       concat_ws(' -> ', amount_text(s.outgoing_amount) || ' ' || s.outgoing_asset,
                 amount_text(s.incoming_amount) || ' ' || s.incoming_asset) AS synced_legs,
       d.marked_at, d.restored_at
FROM app.superseded_manual d
JOIN app.manual_transactions m USING (manual_id)
LEFT JOIN core.transactions s ON s.tx_id = d.synced_tx_id AND s.integration_id = d.integration_id AND s.origin = 'synced'
WHERE d.integration_id = $integration_id
ORDER BY m.occurred_at, d.manual_id
