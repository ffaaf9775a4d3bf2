-- Spam classification on evidence, not on silence (issue 22). A token is `known` (a token list,
-- the integration's tokens setting, the chain registry, the wallet's own transactions, or the
-- user's trust), `spam` (positive evidence, or the user's ignore) or `unverified` (neither:
-- reconciled, valued where a price exists, shown with a marker, never hidden). Every verdict is
-- per integration: nothing about one integration's tokens reads another integration's rows.
-- The rules read only the chain-neutral views raw.token_facts and raw.token_transfer_facts, so a
-- new chain (Solana, Tron) adds its rows there and inherits every rule.

-- Known-good tokens from maintained token lists (npm packages in package.json, loaded from
-- node_modules by pipelines/token_lists.py with sql/tokens/load_lists.sql). chain is the registry key.
CREATE TABLE IF NOT EXISTS app.token_lists (
    chain     VARCHAR NOT NULL,
    contract  VARCHAR NOT NULL,                -- lower case
    symbol    VARCHAR,
    name      VARCHAR,
    list_name VARCHAR NOT NULL
);
-- Which package versions app.token_lists holds (reloaded when the installed ones differ).
CREATE TABLE IF NOT EXISTS app.token_list_sources (package VARCHAR PRIMARY KEY, version VARCHAR NOT NULL);

-- The user decides last: trust or ignore one token of one integration, over every automatic rule.
CREATE TABLE IF NOT EXISTS app.token_decisions (
    integration_id VARCHAR NOT NULL,
    asset_id       VARCHAR NOT NULL,
    decision       VARCHAR NOT NULL CHECK (decision IN ('trust', 'ignore')),
    decided_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (integration_id, asset_id)
);

-- One row per token an integration has seen: what the token says about itself.
CREATE OR REPLACE VIEW raw.token_facts AS
SELECT r.integration_id,
       i.provider AS chain,
       r.source_id AS contract,
       i.provider || ':' || r.source_id AS asset_id,
       coalesce(r.payload->>'symbol', r.source_id) AS symbol,
       r.payload->>'name' AS name,
       (r.payload->>'decimals')::INTEGER AS decimals,
       coalesce((r.payload->>'decimals_missing')::BOOLEAN, false) AS decimals_missing
FROM raw.records r JOIN app.integrations i USING (integration_id)
WHERE r.stream = 'tokens' AND i.kind = 'wallet';

-- One row per token transfer touching the integration's addresses: its transaction, its amount in
-- base units, whether the wallet itself sent the transaction (its receipt is kept only then; a
-- Transfer event's `from` can be forged by the token contract, a transaction's sender cannot), and
-- how many distinct addresses the token paid in that transaction (the connector's token_fanout
-- record, counted from the receipt of a transaction the wallet did not send; NULL otherwise).
CREATE OR REPLACE VIEW raw.token_transfer_facts AS
WITH integration AS (
    SELECT integration_id, provider AS chain,
           list_transform(coalesce(from_json(settings->'addresses', '["VARCHAR"]'), []), lambda a: lower(a)) AS wallets
    FROM app.integrations WHERE kind = 'wallet'
)
SELECT t.integration_id,
       i.chain || ':' || lower(t.payload->>'address') AS asset_id,
       lower(t.payload->>'transactionHash') AS tx_hash,
       TRY_CAST(t.payload->>'data' AS UHUGEINT) AS units,
       s.source_id IS NOT NULL AND list_contains(i.wallets, lower(s.payload->>'from')) AS wallet_sent,
       TRY_CAST(f.payload->'recipients'->>lower(t.payload->>'address') AS INTEGER) AS recipients
FROM raw.records t
JOIN integration i USING (integration_id)
LEFT JOIN raw.records s
       ON s.integration_id = t.integration_id AND s.stream = 'receipts'
      AND s.source_id = lower(t.payload->>'transactionHash')
LEFT JOIN raw.records f
       ON f.integration_id = t.integration_id AND f.stream = 'token_fanout'
      AND f.source_id = lower(t.payload->>'transactionHash')
WHERE t.stream = 'token_transfers';

-- The verdict per integration and token: status known | spam | unverified, the reason for it, and
-- is_spam (status = 'spam'). The first rule that applies decides, in this order: the user's
-- decision; the tokens setting; a token list; the chain registry's well-known contracts; spam
-- evidence (imitating a listed token's symbol or name at another contract of the same chain, a URL
-- or a claim/visit/reward call in its name or symbol, a zero-value transfer the wallet did not send,
-- a transaction that paid it to many_recipients addresses or more); a transaction the wallet sent;
-- else unverified.
DROP VIEW IF EXISTS raw.token_metadata;
CREATE VIEW raw.token_metadata AS
WITH constants AS (
    -- "Many" addresses paid by one token in one transaction: a pushed airdrop, not a payment.
    SELECT 10 AS many_recipients
),
integration AS (
    SELECT integration_id,
           list_transform(coalesce(from_json(settings->'tokens', '["VARCHAR"]'), []), lambda t: lower(t)) AS listed
    FROM app.integrations
),
transfers AS (
    SELECT integration_id, asset_id,
           bool_or(units = 0 AND NOT wallet_sent) AS zero_value,
           bool_or(wallet_sent) AS wallet_sent,
           max(recipients) FILTER (NOT wallet_sent) AS recipients
    FROM raw.token_transfer_facts GROUP BY ALL
),
-- Letters and digits only, upper case: "U.S.D.T" and "usdt " imitate "USDT" as well.
facts AS (
    SELECT f.*,
           nullif(upper(regexp_replace(f.symbol, '[^[:alnum:]]', '', 'g')), '') AS symbol_key,
           nullif(upper(regexp_replace(f.name, '[^[:alnum:]]', '', 'g')), '') AS name_key
    FROM raw.token_facts f
),
listed AS (
    SELECT chain, contract, any_value(list_name ORDER BY list_name) AS list_name,
           nullif(upper(regexp_replace(any_value(symbol), '[^[:alnum:]]', '', 'g')), '') AS symbol_key,
           nullif(upper(regexp_replace(any_value(name), '[^[:alnum:]]', '', 'g')), '') AS name_key,
           any_value(symbol) AS symbol
    FROM app.token_lists GROUP BY chain, contract
),
imitated AS (
    SELECT f.integration_id, f.contract, min(l.symbol || ' ' || l.contract) AS original
    FROM facts f JOIN listed l ON l.chain = f.chain AND l.contract <> f.contract
     AND (l.symbol_key = f.symbol_key OR l.name_key = f.name_key)
    GROUP BY ALL
),
judged AS (
    SELECT f.integration_id, f.chain, f.contract, f.asset_id, f.symbol, f.name, f.decimals, f.decimals_missing, coalesce(
    CASE d.decision WHEN 'trust' THEN {'status': 'known', 'reason': 'trusted by the user'}
                    WHEN 'ignore' THEN {'status': 'spam', 'reason': 'ignored by the user'} END,
    CASE WHEN list_contains(i.listed, f.contract) THEN {'status': 'known', 'reason': 'in the integration''s tokens setting'} END,
    CASE WHEN l.contract IS NOT NULL THEN {'status': 'known', 'reason': 'listed in ' || l.list_name} END,
    CASE WHEN list_contains(coalesce(c.known_tokens, []), f.contract)
         THEN {'status': 'known', 'reason': 'a well-known contract of the chain registry'} END,
    CASE WHEN m.original IS NOT NULL THEN {'status': 'spam', 'reason': 'imitates the listed token ' || m.original} END,
    CASE WHEN regexp_matches(lower(coalesce(f.symbol, '') || ' ' || coalesce(f.name, '')),
             '(https?://|www\.|t\.me/|\.(com|io|org|net|xyz|app|finance|site|online|top|cc|vip|gift|live|pro|club|fun|link)\b'
             -- a call to act, not a word: "Reward Token" stays, "get rewards" or "reward at" does not
             || '|\b(claim|visit|redeem|voucher|giveaway)\b|\b(get|collect|receive|your) rewards?\b|\brewards? (at|on|via|here)\b)')
         THEN {'status': 'spam', 'reason': 'its name or symbol carries a URL or a claim/visit/reward call'} END,
    CASE WHEN t.zero_value THEN {'status': 'spam', 'reason': 'a zero-value transfer the wallet did not send (address poisoning)'} END,
    CASE WHEN t.recipients >= k.many_recipients THEN {'status': 'spam', 'reason':
         'airdropped to ' || t.recipients || ' addresses in one transaction'} END,
    CASE WHEN t.wallet_sent THEN {'status': 'known', 'reason': 'the wallet sent a transaction that moved it'} END,
    {'status': 'unverified', 'reason': 'on no token list, and no evidence of spam'}) AS verdict
FROM facts f
JOIN integration i USING (integration_id)
LEFT JOIN raw.wallet_chains c USING (integration_id)
LEFT JOIN app.token_decisions d USING (integration_id, asset_id)
LEFT JOIN listed l ON l.chain = f.chain AND l.contract = f.contract
LEFT JOIN imitated m ON m.integration_id = f.integration_id AND m.contract = f.contract
LEFT JOIN transfers t USING (integration_id, asset_id)
CROSS JOIN constants k
)
SELECT * EXCLUDE (verdict), verdict.status AS status, verdict.reason AS reason, verdict.status = 'spam' AS is_spam
FROM judged;

-- Reconciliation rows carry the token's verdict (NULL for assets that are not tokens).
ALTER TABLE marts.balance_reconciliation ADD COLUMN IF NOT EXISTS token_status VARCHAR;
ALTER TABLE marts.balance_reconciliation ADD COLUMN IF NOT EXISTS token_reason VARCHAR;
