-- A wallet integration's on-chain history ($integration_id) as core.transactions rows (origin synced).
-- Amounts stay integers (base units) until the very end, where they become exact decimals by
-- placing the decimal point in their digits (never through a float or a decimal division).
-- Per transaction hash the movements of each asset are netted: a self-transfer or a move between
-- two of the integration's own addresses nets to zero and leaves only the fee. One asset out and
-- one in make a Trade; otherwise every asset is a Deposit or Withdrawal. The gas of every
-- transaction the wallet sent (failed ones too) is the fee leg of its first row, or a Fee row.
WITH integration AS (
    SELECT provider AS chain,
           list_transform(coalesce(from_json(settings->'addresses', '["VARCHAR"]'), []), lambda a: lower(a)) AS wallets
    FROM app.integrations WHERE integration_id = $integration_id
),
chain AS (
    SELECT native_symbol, native_decimals FROM raw.wallet_chains WHERE integration_id = $integration_id
),
records AS (
    SELECT stream, source_id, occurred_at, payload FROM build_records WHERE integration_id = $integration_id
),
-- One value move: a trace (call, create, suicide) or, from a block scan, a top-level transaction.
native AS (
    SELECT split_part(source_id, ':', 1) AS tx_hash, occurred_at,
           lower(CASE WHEN payload->>'type' IN ('suicide', 'selfdestruct') THEN payload->'action'->>'address'
                      ELSE coalesce(payload->'action'->>'from', payload->>'from') END) AS sender,
           lower(CASE WHEN json_exists(payload, '$.action') THEN
                          CASE WHEN payload->>'type' IN ('suicide', 'selfdestruct') THEN payload->'action'->>'refundAddress'
                               WHEN payload->>'type' = 'create' THEN payload->'result'->>'address'
                               ELSE payload->'action'->>'to' END
                      ELSE payload->>'to' END) AS receiver,
           TRY_CAST(coalesce(payload->'action'->>'value', payload->'action'->>'balance', payload->>'value') AS UHUGEINT) AS units
    FROM records WHERE stream = 'native_transfers'
),
moves AS (
    SELECT n.tx_hash, n.occurred_at, i.chain || ':native' AS asset_id, c.native_symbol AS asset,
           c.native_decimals AS decimals, n.sender, n.receiver, n.units
    FROM native n, integration i, chain c
    UNION ALL
    SELECT lower(r.payload->>'transactionHash'), r.occurred_at, t.asset_id, t.symbol, t.decimals,
           '0x' || right(r.payload->>'$.topics[1]', 40), '0x' || right(r.payload->>'$.topics[2]', 40),
           TRY_CAST(r.payload->>'data' AS UHUGEINT)
    FROM records r
    JOIN raw.token_facts t ON t.integration_id = $integration_id AND t.contract = lower(r.payload->>'address')
    WHERE r.stream = 'token_transfers'
),
-- Net base units per transaction and asset. Amounts of 10^34 base units and more exist only on
-- spam tokens and could overflow the sum; they are left out.
netted AS (
    SELECT m.tx_hash, min(m.occurred_at) AS occurred_at, m.asset_id, any_value(m.asset) AS asset,
           any_value(m.decimals) AS decimals,
           sum(CASE WHEN list_contains(i.wallets, m.receiver) THEN m.units::HUGEINT ELSE 0 END)
             - sum(CASE WHEN list_contains(i.wallets, m.sender) THEN m.units::HUGEINT ELSE 0 END) AS net,
           bool_or(list_contains(i.wallets, m.receiver) AND list_contains(i.wallets, m.sender)) AS to_self
    FROM moves m, integration i
    WHERE m.units < 10000000000000000000000000000000000::UHUGEINT  -- 10^34
    GROUP BY m.tx_hash, m.asset_id
),
-- Gas paid by the wallet's own transactions; OP-stack chains add an L1 data fee (l1Fee).
fees AS (
    SELECT r.source_id AS tx_hash, r.occurred_at,
           TRY_CAST(r.payload->>'gasUsed' AS UHUGEINT) * TRY_CAST(r.payload->>'effectiveGasPrice' AS UHUGEINT)
             + coalesce(TRY_CAST(r.payload->>'l1Fee' AS UHUGEINT), 0) AS units,
           TRY_CAST(r.payload->>'status' AS UBIGINT) = 0 AS failed
    FROM records r, integration i
    WHERE r.stream = 'receipts' AND list_contains(i.wallets, lower(r.payload->>'from'))
),
legs AS (
    SELECT tx_hash, occurred_at, asset_id, asset, decimals,
           CASE WHEN net > 0 THEN 'in' ELSE 'out' END AS entry, abs(net)::VARCHAR AS digits
    FROM netted WHERE net <> 0
    UNION ALL
    SELECT f.tx_hash, f.occurred_at, i.chain || ':native', c.native_symbol, c.native_decimals, 'fee', f.units::VARCHAR
    FROM fees f, integration i, chain c
    WHERE f.units > 0
),
-- An amount of 10^15 or more is left out like one that does not fit DECIMAL(38,18) at all: anyone
-- can send a wallet tokens, and two transfers near 10^20 fit alone but overflow every sum of them
-- (the bound of pipelines/manual/amounts.py, which every amount the warehouse takes stays below).
amounts AS (
    SELECT * REPLACE (CASE WHEN amount < 1000000000000000 THEN amount END AS amount)
    FROM (SELECT *, lpad(digits, greatest(length(digits), decimals + 1)::INTEGER, '0') AS padded,
                 TRY_CAST(CASE WHEN decimals = 0 THEN digits
                               ELSE left(padded, length(padded) - decimals) || '.' || right(padded, decimals) END
                          AS DECIMAL(38,18)) AS amount
          FROM legs)
),
-- Exactly one asset out and one in: a Trade; every other movement is its own row.
trades AS (
    SELECT tx_hash FROM amounts WHERE entry <> 'fee'
    GROUP BY tx_hash HAVING count(*) FILTER (entry = 'in') = 1 AND count(*) FILTER (entry = 'out') = 1
),
movements AS (
    SELECT tx_hash, 'trade' AS leg, min(occurred_at) AS occurred_at, 'Trade' AS label,
           any_value(asset) FILTER (entry = 'out') AS outgoing_asset,
           any_value(asset_id) FILTER (entry = 'out') AS outgoing_asset_id,
           any_value(amount) FILTER (entry = 'out') AS outgoing_amount,
           any_value(asset) FILTER (entry = 'in') AS incoming_asset,
           any_value(asset_id) FILTER (entry = 'in') AS incoming_asset_id,
           any_value(amount) FILTER (entry = 'in') AS incoming_amount
    FROM amounts WHERE entry <> 'fee' AND tx_hash IN (SELECT tx_hash FROM trades)
    GROUP BY tx_hash
    UNION ALL
    SELECT tx_hash, asset_id || ':' || entry, occurred_at, CASE entry WHEN 'in' THEN 'Deposit' ELSE 'Withdrawal' END,
           CASE WHEN entry = 'out' THEN asset END, CASE WHEN entry = 'out' THEN asset_id END,
           CASE WHEN entry = 'out' THEN amount END,
           CASE WHEN entry = 'in' THEN asset END, CASE WHEN entry = 'in' THEN asset_id END,
           CASE WHEN entry = 'in' THEN amount END
    FROM amounts WHERE entry <> 'fee' AND tx_hash NOT IN (SELECT tx_hash FROM trades)
),
-- The fee goes on the transaction's first row (outgoing first), or on a Fee row of its own.
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY tx_hash ORDER BY outgoing_asset_id NULLS LAST, leg) AS position
    FROM movements
),
fee_legs AS (
    SELECT a.tx_hash, a.occurred_at, a.asset, a.asset_id, a.amount, f.failed,
           coalesce(bool_or(n.to_self), false) AS to_self
    FROM amounts a JOIN fees f USING (tx_hash) LEFT JOIN netted n USING (tx_hash)
    WHERE a.entry = 'fee'
    GROUP BY ALL
),
rows AS (
    SELECT r.tx_hash, r.leg, r.occurred_at, r.label,
           r.outgoing_asset, r.outgoing_asset_id, r.outgoing_amount,
           r.incoming_asset, r.incoming_asset_id, r.incoming_amount,
           f.asset AS fee_asset, f.asset_id AS fee_asset_id, f.amount AS fee_amount, NULL AS comment
    FROM ranked r LEFT JOIN fee_legs f ON f.tx_hash = r.tx_hash AND r.position = 1
    UNION ALL
    SELECT tx_hash, 'fee', occurred_at, 'Fee', NULL, NULL, NULL, NULL, NULL, NULL, asset, asset_id, amount,
           CASE WHEN failed THEN 'failed transaction: only the fee was paid'
                WHEN to_self THEN 'self-transfer: only the fee was paid' END
    FROM fee_legs WHERE tx_hash NOT IN (SELECT tx_hash FROM movements)
)
SELECT $integration_id || ':' || tx_hash || ':' || leg AS tx_id,
       $integration_id AS integration_id,
       occurred_at,
       label,
       'synced' AS origin,
       outgoing_asset, outgoing_asset_id, outgoing_amount,
       incoming_asset, incoming_asset_id, incoming_amount,
       fee_asset, fee_asset_id, fee_amount,
       tx_hash AS external_id,
       comment
FROM rows
WHERE coalesce(outgoing_amount, incoming_amount, fee_amount) IS NOT NULL
