-- Wallet integrations (EVM chains). Both views read raw.records, so they are always in step with
-- the latest sync and need no rebuild step of their own.

-- What the chain registry said when an integration was last synced (the connector's 'chain'
-- record): the native asset and the well-known token contracts that are never spam.
CREATE OR REPLACE VIEW raw.wallet_chains AS
WITH latest AS (
    SELECT r.integration_id, i.provider AS chain, arg_max(r.payload, r.fetched_at) AS payload
    FROM raw.records r JOIN app.integrations i USING (integration_id)
    WHERE r.stream = 'chain'
    GROUP BY ALL
)
SELECT integration_id,
       chain,
       payload->>'native_symbol' AS native_symbol,
       (payload->>'native_decimals')::INTEGER AS native_decimals,
       coalesce(from_json(payload->'known_tokens', '["VARCHAR"]'), []) AS known_tokens
FROM latest;

-- Token metadata read from each contract, per wallet integration, with a probable-spam flag:
-- a token is spam when nobody asked for it: not in the integration's `tokens` setting, not a
-- well-known contract of the chain, never sent by the wallet, and never received in a transaction
-- the wallet itself sent (a swap). Reconciliation and the portfolio keep such tokens out of the
-- mismatch noise; their transactions stay in core.transactions (comment 'probable spam token').
CREATE OR REPLACE VIEW raw.token_metadata AS
WITH integration AS (
    SELECT integration_id, provider AS chain,
           list_transform(coalesce(from_json(settings->'tokens', '["VARCHAR"]'), []), lambda t: lower(t)) AS listed,
           list_transform(coalesce(from_json(settings->'addresses', '["VARCHAR"]'), []), lambda a: lower(a)) AS wallets
    FROM app.integrations WHERE kind = 'wallet'
),
tokens AS (
    SELECT integration_id, source_id AS contract, payload FROM raw.records WHERE stream = 'tokens'
),
solicited AS (
    SELECT DISTINCT t.integration_id, lower(t.payload->>'address') AS contract
    FROM raw.records t
    JOIN integration i USING (integration_id)
    LEFT JOIN raw.records s
           ON s.integration_id = t.integration_id AND s.stream = 'receipts'
          AND s.source_id = lower(t.payload->>'transactionHash')
    WHERE t.stream = 'token_transfers'
      AND (list_contains(i.wallets, '0x' || right(t.payload->>'$.topics[1]', 40)) OR s.source_id IS NOT NULL)
)
SELECT t.integration_id,
       i.chain,
       t.contract,
       i.chain || ':' || t.contract AS asset_id,
       coalesce(t.payload->>'symbol', t.contract) AS symbol,
       t.payload->>'name' AS name,
       (t.payload->>'decimals')::INTEGER AS decimals,
       coalesce((t.payload->>'decimals_missing')::BOOLEAN, false) AS decimals_missing,
       NOT (list_contains(i.listed, t.contract)
            OR list_contains(coalesce(c.known_tokens, []), t.contract)
            OR s.contract IS NOT NULL) AS is_spam
FROM tokens t
JOIN integration i USING (integration_id)
LEFT JOIN raw.wallet_chains c USING (integration_id)
LEFT JOIN solicited s USING (integration_id, contract);
