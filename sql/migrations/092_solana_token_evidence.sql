-- Solana wallets' SPL and Token-2022 transfers are token transfer facts too: the spam rules of
-- raw.token_metadata judge Solana mints as they judge EVM and Tron tokens (migration 091 made
-- raw.token_transfer_facts the union of one view per chain family).
--
-- One row per mint whose balance in one of the wallet's token accounts changed in a transaction
-- (stream `transactions`, getTransaction jsonParsed): the change in base units from the
-- transaction's own pre/postTokenBalances (exact integers), whether the wallet signed it (a token
-- account's owner cannot be forged; a transfer into the wallet's account needs no signature of
-- the wallet), and, for a transaction the wallet did not sign, how many distinct owners the mint
-- paid in it (read from the same balances, so a pushed airdrop needs no extra request, unlike
-- Tron's token_fanout). A zero-amount transfer changes no balance and leaves no row: Solana's
-- address poisoning by zero-value transfers is not detected (docs: connectors/solana/README.md).
CREATE OR REPLACE VIEW raw.solana_token_transfer_facts AS
WITH tx AS (
    SELECT t.integration_id, t.source_id AS tx_hash, i.settings->>'address' AS wallet, t.payload
    FROM raw.records t JOIN app.integrations i USING (integration_id)
    WHERE t.stream = 'transactions' AND i.kind = 'wallet' AND i.provider = 'solana'
),
sides AS (
    SELECT integration_id, tx_hash, wallet, -1 AS sign,
           unnest(from_json(payload->'meta'->'preTokenBalances', '["JSON"]')) AS b
    FROM tx
    UNION ALL
    SELECT integration_id, tx_hash, wallet, 1, unnest(from_json(payload->'meta'->'postTokenBalances', '["JSON"]'))
    FROM tx
),
changes AS (
    SELECT integration_id, tx_hash, any_value(wallet) AS wallet, b->>'mint' AS mint, b->>'owner' AS owner,
           (b->>'accountIndex')::INTEGER AS account_index,
           sum(sign * (b->'uiTokenAmount'->>'amount')::HUGEINT) AS delta
    FROM sides GROUP BY ALL
),
signed AS (
    SELECT DISTINCT tx.integration_id, tx.tx_hash
    FROM tx, unnest(from_json(tx.payload->'transaction'->'message'->'accountKeys', '["JSON"]')) AS k(key)
    WHERE k.key->>'pubkey' = tx.wallet AND (k.key->>'signer')::BOOLEAN
),
per_mint AS (
    SELECT integration_id, tx_hash, mint,
           sum(abs(delta)) FILTER (owner = wallet) AS units,
           count(DISTINCT owner) FILTER (delta > 0) AS recipients
    FROM changes GROUP BY ALL
)
SELECT m.integration_id, 'solana:' || m.mint AS asset_id, m.tx_hash, m.units::UHUGEINT AS units,
       s.tx_hash IS NOT NULL AS wallet_sent,
       CASE WHEN s.tx_hash IS NULL THEN m.recipients::INTEGER END AS recipients
FROM per_mint m
LEFT JOIN signed s USING (integration_id, tx_hash)
WHERE m.units > 0;

CREATE OR REPLACE VIEW raw.token_transfer_facts AS
SELECT integration_id, asset_id, tx_hash, units, wallet_sent, recipients FROM raw.evm_token_transfer_facts
UNION ALL
SELECT integration_id, asset_id, tx_hash, units, wallet_sent, recipients FROM raw.tron_token_transfer_facts
UNION ALL
SELECT integration_id, asset_id, tx_hash, units, wallet_sent, recipients FROM raw.solana_token_transfer_facts;
