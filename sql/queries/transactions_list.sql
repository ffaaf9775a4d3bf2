-- An integration's transactions: built ones from core.transactions, plus manual entries not built:
-- entered since the last sync, or superseded by the synced twin a sync brought (shown with it, so
-- the user sees why the row does not count and can restore it), newest first.
WITH built AS (
    SELECT tx_id, occurred_at, label, origin,
           amount_text(outgoing_amount) || ' ' || outgoing_asset AS out_leg,
           amount_text(incoming_amount) || ' ' || incoming_asset AS in_leg,
           amount_text(fee_amount) || ' ' || fee_asset AS fee_leg,
           comment, 'synced to warehouse' AS state
    FROM core.transactions WHERE integration_id = $integration_id
),
pending AS (
    SELECT m.manual_id, m.occurred_at, m.label, 'manual',
           amount_text(outgoing_amount) || ' ' || outgoing_asset,
           amount_text(incoming_amount) || ' ' || incoming_asset,
           amount_text(fee_amount) || ' ' || fee_asset,
           comment, coalesce('superseded by ' || s.synced_tx_id, 'not yet synced')
    FROM app.manual_transactions m
    LEFT JOIN app.superseded_manual s ON s.manual_id = m.manual_id AND s.restored_at IS NULL
    WHERE m.integration_id = $integration_id AND m.manual_id NOT IN (SELECT tx_id FROM built)
)
SELECT * FROM (SELECT * FROM built UNION ALL SELECT * FROM pending)
WHERE $origin IS NULL OR origin = $origin
ORDER BY occurred_at DESC, tx_id
LIMIT $limit
