-- An integration's transactions: built ones from core.transactions, plus manual entries not yet
-- built (entered since the last sync), newest first.
WITH built AS (
    SELECT tx_id, occurred_at, label, origin,
           amount_text(outgoing_amount) || ' ' || outgoing_asset AS out_leg,
           amount_text(incoming_amount) || ' ' || incoming_asset AS in_leg,
           amount_text(fee_amount) || ' ' || fee_asset AS fee_leg,
           comment, 'synced to warehouse' AS state
    FROM core.transactions WHERE integration_id = $integration_id
),
pending AS (
    SELECT manual_id, occurred_at, label, 'manual',
           amount_text(outgoing_amount) || ' ' || outgoing_asset,
           amount_text(incoming_amount) || ' ' || incoming_asset,
           amount_text(fee_amount) || ' ' || fee_asset,
           comment, 'not yet synced'
    FROM app.manual_transactions
    WHERE integration_id = $integration_id AND manual_id NOT IN (SELECT tx_id FROM built)
)
SELECT * FROM (SELECT * FROM built UNION ALL SELECT * FROM pending)
WHERE $origin IS NULL OR origin = $origin
ORDER BY occurred_at DESC, tx_id
LIMIT $limit
