-- Each transaction becomes up to three signed movements: in (+), out (-), fee (-).
DELETE FROM core.ledger_entries WHERE integration_id = $integration_id;
INSERT INTO core.ledger_entries
SELECT tx_id, integration_id, occurred_at, incoming_asset_id, incoming_asset, incoming_amount, 'in'
FROM core.transactions WHERE integration_id = $integration_id AND incoming_amount IS NOT NULL AND incoming_amount <> 0
UNION ALL
SELECT tx_id, integration_id, occurred_at, outgoing_asset_id, outgoing_asset, -outgoing_amount, 'out'
FROM core.transactions WHERE integration_id = $integration_id AND outgoing_amount IS NOT NULL AND outgoing_amount <> 0
UNION ALL
SELECT tx_id, integration_id, occurred_at, fee_asset_id, fee_asset, -fee_amount, 'fee'
FROM core.transactions WHERE integration_id = $integration_id AND fee_amount IS NOT NULL AND fee_amount <> 0;
