-- A Solana wallet integration's finalized history ($integration_id) as core.transactions rows.
-- The balance deltas are the truth: per transaction the wallet's SOL moved is the change of
-- postBalances - preBalances over the accounts it owns (its own account, the token accounts the
-- token balances name it the owner of, its stake accounts), and each token moved is the change of
-- postTokenBalances - preTokenBalances (`uiTokenAmount.amount`, exact integers) of the token
-- accounts it owns. So rent moved into or out of the wallet's own token accounts is no movement,
-- a Token-2022 transfer fee is what the recipient did not get, and a failed transaction (meta.err
-- set) moves only its fee. The fee (meta.fee) is the wallet's when it paid it: the fee payer is the
-- first account key. Accounts keys are jsonParsed objects (`pubkey`) or, in json encoding, strings
-- followed by meta.loadedAddresses (v0 lookup tables). Per transaction, one asset out and one in is
-- a Trade, every other movement a Deposit or Withdrawal; a stake account's inflation reward
-- (stream 'stake_rewards', no transaction) is Staking income. Wrapped SOL counts as SOL (its
-- account's lamports), never as a token. Integers become exact decimals by placing the point.
WITH own AS (
    SELECT source_id AS owner FROM raw.records WHERE integration_id = $integration_id AND stream = 'addresses'
),
stakes AS (
    SELECT source_id AS address FROM raw.records WHERE integration_id = $integration_id AND stream = 'stake_accounts'
),
txs AS (
    SELECT source_id AS sig, occurred_at, payload AS p,
           list_transform(from_json(payload->'transaction'->'message'->'accountKeys', '["JSON"]'),
                          lambda k: coalesce(k->>'pubkey', k->>'$'))
             || CASE WHEN json_type(payload->'transaction'->'message'->'accountKeys'->0) = 'VARCHAR'
                     THEN coalesce(from_json(payload->'meta'->'loadedAddresses'->'writable', '["VARCHAR"]'), [])
                          || coalesce(from_json(payload->'meta'->'loadedAddresses'->'readonly', '["VARCHAR"]'), [])
                     ELSE [] END AS keys,
           from_json(payload->'meta'->'preBalances', '["HUGEINT"]') AS pre,
           from_json(payload->'meta'->'postBalances', '["HUGEINT"]') AS post,
           coalesce(TRY_CAST(payload->'meta'->>'fee' AS HUGEINT), 0) AS fee,
           payload->'meta'->>'err' IS NOT NULL AS failed
    FROM build_records WHERE integration_id = $integration_id AND stream = 'transactions'
),
token_rows AS (
    SELECT sig, -1 AS sign, unnest(from_json(p->'meta'->'preTokenBalances',
        '[{"accountIndex":"INTEGER","mint":"VARCHAR","owner":"VARCHAR","uiTokenAmount":{"amount":"VARCHAR","decimals":"INTEGER"}}]')) AS b
    FROM txs
    UNION ALL
    SELECT sig, 1, unnest(from_json(p->'meta'->'postTokenBalances',
        '[{"accountIndex":"INTEGER","mint":"VARCHAR","owner":"VARCHAR","uiTokenAmount":{"amount":"VARCHAR","decimals":"INTEGER"}}]'))
    FROM txs
),
own_tokens AS (
    SELECT r.sig, t.keys[r.b.accountIndex + 1] AS address, r.sign, r.b.mint AS mint,
           r.b.uiTokenAmount.decimals AS decimals, TRY_CAST(r.b.uiTokenAmount.amount AS HUGEINT) AS units
    FROM token_rows r JOIN txs t USING (sig) JOIN own o ON r.b.owner = o.owner
),
lamports AS (
    SELECT sig, unnest(keys) AS address, unnest(pre) AS pre, unnest(post) AS post FROM txs
),
sol AS (
    SELECT l.sig, sum(l.post - l.pre) AS delta
    FROM lamports l
    WHERE l.address IN (SELECT owner FROM own) OR l.address IN (SELECT address FROM stakes)
       OR EXISTS (SELECT 1 FROM own_tokens a WHERE a.sig = l.sig AND a.address = l.address)
    GROUP BY l.sig
),
fees AS (
    SELECT t.sig, t.occurred_at, t.failed, t.fee
    FROM txs t, own o WHERE t.keys[1] = o.owner AND t.fee > 0
),
moves AS (
    SELECT t.sig, t.occurred_at, 'solana:native' AS asset_id, 'SOL' AS asset, 9 AS decimals,
           coalesce(s.delta, 0) + coalesce(f.fee, 0) AS units
    FROM txs t LEFT JOIN sol s USING (sig) LEFT JOIN fees f USING (sig)
    UNION ALL
    SELECT a.sig, t.occurred_at, 'solana:' || a.mint, coalesce(m.symbol, a.mint), a.decimals, a.sign * a.units
    FROM own_tokens a JOIN txs t USING (sig)
    LEFT JOIN raw.token_facts m ON m.integration_id = $integration_id AND m.contract = a.mint
    WHERE a.mint <> 'So11111111111111111111111111111111111111112'
),
legs AS (
    SELECT sig, min(occurred_at) AS occurred_at, asset_id, any_value(asset) AS asset, any_value(decimals) AS decimals,
           sum(units) AS net
    FROM moves GROUP BY sig, asset_id
    -- DECIMAL(38,18) holds amounts below 10^20: a larger movement (only spam has one) is left out.
    HAVING sum(units) <> 0 AND length(abs(sum(units))::VARCHAR) - any_value(decimals) <= 20
),
rewards AS (
    SELECT source_id AS sig, occurred_at, 'solana:native' AS asset_id, 'SOL' AS asset, 9 AS decimals,
           TRY_CAST(payload->>'amount' AS HUGEINT) AS net
    FROM build_records WHERE integration_id = $integration_id AND stream = 'stake_rewards'
      AND TRY_CAST(payload->>'amount' AS HUGEINT) > 0
),
scaled AS (
    SELECT *, lpad(abs(net)::VARCHAR, greatest(length(abs(net)::VARCHAR), decimals + 1)::INTEGER, '0') AS digits,
           (left(digits, length(digits) - decimals) || '.' || right(digits, decimals))::DECIMAL(38,18) AS amount
    FROM (SELECT *, false AS reward FROM legs UNION ALL SELECT *, true FROM rewards)
),
trades AS (
    SELECT sig FROM scaled WHERE NOT reward
    GROUP BY sig HAVING count(*) FILTER (net > 0) = 1 AND count(*) FILTER (net < 0) = 1
),
movements AS (
    SELECT sig, 'trade' AS leg, min(occurred_at) AS occurred_at, 'Trade' AS label,
           any_value(asset) FILTER (net < 0) AS outgoing_asset, any_value(asset_id) FILTER (net < 0) AS outgoing_asset_id,
           any_value(amount) FILTER (net < 0) AS outgoing_amount,
           any_value(asset) FILTER (net > 0) AS incoming_asset, any_value(asset_id) FILTER (net > 0) AS incoming_asset_id,
           any_value(amount) FILTER (net > 0) AS incoming_amount
    FROM scaled WHERE sig IN (SELECT sig FROM trades) GROUP BY sig
    UNION ALL
    SELECT sig, CASE WHEN reward THEN 'reward' ELSE asset_id || CASE WHEN net > 0 THEN ':in' ELSE ':out' END END,
           occurred_at, CASE WHEN reward THEN 'Staking' WHEN net > 0 THEN 'Deposit' ELSE 'Withdrawal' END,
           CASE WHEN net < 0 THEN asset END, CASE WHEN net < 0 THEN asset_id END, CASE WHEN net < 0 THEN amount END,
           CASE WHEN net > 0 THEN asset END, CASE WHEN net > 0 THEN asset_id END, CASE WHEN net > 0 THEN amount END
    FROM scaled WHERE sig NOT IN (SELECT sig FROM trades)
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY sig ORDER BY outgoing_asset_id NULLS LAST, leg) AS position FROM movements
),
rows AS (
    SELECT r.sig, r.leg, r.occurred_at, r.label,
           r.outgoing_asset, r.outgoing_asset_id, r.outgoing_amount, r.incoming_asset, r.incoming_asset_id, r.incoming_amount,
           f.fee AS fee_lamports, NULL AS comment
    FROM ranked r LEFT JOIN fees f ON f.sig = r.sig AND r.position = 1
    UNION ALL
    SELECT sig, 'fee', occurred_at, 'Fee', NULL, NULL, NULL, NULL, NULL, NULL, fee,
           CASE WHEN failed THEN 'failed transaction: only the fee was paid' END
    FROM fees WHERE sig NOT IN (SELECT sig FROM movements)
)
SELECT $integration_id || ':' || sig || ':' || leg AS tx_id,
       $integration_id AS integration_id,
       occurred_at,
       label,
       'synced' AS origin,
       outgoing_asset, outgoing_asset_id, outgoing_amount,
       incoming_asset, incoming_asset_id, incoming_amount,
       CASE WHEN fee_lamports IS NOT NULL THEN 'SOL' END AS fee_asset,
       CASE WHEN fee_lamports IS NOT NULL THEN 'solana:native' END AS fee_asset_id,
       (fee_lamports::DECIMAL(38,0) * 0.000000001)::DECIMAL(38,18) AS fee_amount,
       sig AS external_id,
       comment
FROM rows
