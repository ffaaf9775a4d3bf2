-- Tron wallets' TRC-20 transfers are token transfer facts too (issue 26): the spam rules of
-- raw.token_metadata (a zero-value transfer the wallet did not send, a token paid to many addresses
-- in one transaction, a transaction the wallet sent) judge Tron tokens as they judge EVM ones. Each
-- chain family has its own view of transfers; raw.token_transfer_facts is their union, the only
-- one the rules read (a new chain adds its view to the union).
ALTER VIEW raw.token_transfer_facts RENAME TO evm_token_transfer_facts;

-- One row per TRC-20 transfer of a Tron wallet (stream trc20_transfers), its contract in base58 as
-- the chain spells it (case-sensitive). The wallet sent the transaction when its own transactions
-- record names the wallet's address as the owner (a Transfer's `from` can be forged by the token
-- contract, a transaction's owner cannot); recipients is the connector's token_fanout count for a
-- transaction the wallet did not send (connectors/tron/fanout.py), NULL otherwise.
CREATE OR REPLACE VIEW raw.tron_token_transfer_facts AS
WITH sent AS (
    SELECT DISTINCT s.integration_id, s.source_id AS tx_hash
    FROM raw.records s
    JOIN raw.records a ON a.integration_id = s.integration_id AND a.stream = 'addresses'
    WHERE s.stream = 'transactions'
      AND lower(s.payload->'raw_data'->'contract'->0->'parameter'->'value'->>'owner_address') = lower(a.payload->>'hex')
)
SELECT t.integration_id,
       i.provider || ':' || (t.payload->'token_info'->>'address') AS asset_id,
       t.payload->>'transaction_id' AS tx_hash,
       TRY_CAST(t.payload->>'value' AS UHUGEINT) AS units,
       s.tx_hash IS NOT NULL AS wallet_sent,
       CASE WHEN s.tx_hash IS NULL
            THEN TRY_CAST(f.payload->'recipients'->>(t.payload->'token_info'->>'address') AS INTEGER) END AS recipients
FROM raw.records t
JOIN app.integrations i USING (integration_id)
LEFT JOIN sent s ON s.integration_id = t.integration_id AND s.tx_hash = t.payload->>'transaction_id'
LEFT JOIN raw.records f
       ON f.integration_id = t.integration_id AND f.stream = 'token_fanout'
      AND f.source_id = t.payload->>'transaction_id'
WHERE t.stream = 'trc20_transfers' AND i.kind = 'wallet';

CREATE OR REPLACE VIEW raw.token_transfer_facts AS
SELECT integration_id, asset_id, tx_hash, units, wallet_sent, recipients FROM raw.evm_token_transfer_facts
UNION ALL
SELECT integration_id, asset_id, tx_hash, units, wallet_sent, recipients FROM raw.tron_token_transfer_facts;
