-- The calculated running balance of a wallet integration's mismatched assets after each block that
-- changes it, with the transaction hashes booked in that block. Synced entries take the block of
-- their transaction hash from raw.records; manual entries the last known block at or before their time.
WITH mismatched AS (
        SELECT asset_id FROM marts.balance_reconciliation
        WHERE integration_id = $integration_id AND status <> 'match' AND NOT ignored
     ),
     hashes AS (
        SELECT lower(CASE stream WHEN 'native_transfers' THEN split_part(source_id, ':', 1)
                                 WHEN 'receipts' THEN source_id
                                 ELSE payload ->> 'transactionHash' END) AS hash,
               (payload ->> 'blockNumber')::BIGINT AS block, occurred_at
        FROM raw.records
        WHERE integration_id = $integration_id AND stream IN ('native_transfers', 'token_transfers', 'receipts')
     ),
     blocks AS (SELECT hash, min(block) AS block, min(occurred_at) AS at FROM hashes GROUP BY hash),
     entries AS (
        SELECT e.asset_id, e.amount, t.external_id, coalesce(b.block, bt.block, 0) AS block
        FROM core.ledger_entries e
        JOIN core.transactions t USING (tx_id)
        LEFT JOIN blocks b ON b.hash = lower(t.external_id)
        ASOF LEFT JOIN blocks bt ON bt.at <= e.occurred_at
        WHERE e.integration_id = $integration_id AND e.asset_id IN (SELECT asset_id FROM mismatched)
     )
SELECT asset_id, block,
       sum(sum(amount)) OVER (PARTITION BY asset_id ORDER BY block)::DECIMAL(38,18) AS running,
       string_agg(DISTINCT external_id, ', ' ORDER BY external_id) AS transactions
FROM entries
GROUP BY asset_id, block
ORDER BY asset_id, block
