-- What the great-expectations suite reads of each integration's core.transactions, as one value per
-- integration: the row count, and the sum and the xor of a hash over every column the suite checks
-- (the sum keeps a doubled row from cancelling itself out, as it would in the xor alone).
-- pipelines/reconciliation/quality_memory.py compares it with the rows the suite last passed.
SELECT
    i.integration_id,
    format('{}:{}:{}', count(t.tx_id), coalesce(sum(t.row_hash::HUGEINT), 0), coalesce(bit_xor(t.row_hash), 0)) AS fingerprint
FROM unnest($integration_ids) AS i(integration_id)
LEFT JOIN (
    SELECT integration_id, tx_id,
           hash(tx_id, integration_id, occurred_at, label, origin,
                outgoing_amount, outgoing_asset, outgoing_asset_id,
                incoming_amount, incoming_asset, incoming_asset_id,
                fee_amount, fee_asset, fee_asset_id) AS row_hash
    FROM core.transactions
    WHERE list_contains($integration_ids, integration_id)
) AS t USING (integration_id)
GROUP BY i.integration_id
