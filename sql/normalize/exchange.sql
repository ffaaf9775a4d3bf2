-- Exchange raw records ($integration_id) as core.transactions rows (origin synced).
-- Every branch yields legs in the exchange's own asset ids; the final SELECT maps them to unified
-- codes through the connector's `currencies` stream (asset and asset_id are the code, e.g. BTC).
-- Amounts are cast from the API's JSON strings straight to DECIMAL(38,18).
--   binance: trades (base/quote from the stored exchangeInfo entry, fee in any asset),
--            deposits, withdrawals (+ transactionFee); non-final statuses are never booked.
--   kraken:  the ledger is complete, so every transaction is one ledger refid (no double counting
--            with trades/deposits/withdrawals, which only add the on-chain txid); sub-balances such
--            as DOT.S map to DOT, so moves into staking net to zero and rewards are Staking.
--   others:  ccxt's unified trades/deposits/withdrawals (amounts kept as strings).
WITH r AS (
    SELECT stream, source_id, occurred_at, payload FROM raw.records WHERE integration_id = $integration_id
),
provider AS (
    SELECT provider FROM app.integrations WHERE integration_id = $integration_id
),
codes AS (
    SELECT source_id AS id, payload ->> 'code' AS code FROM r WHERE stream = 'currencies'
),
binance_markets AS (
    SELECT source_id AS symbol, payload ->> 'baseAsset' AS base, payload ->> 'quoteAsset' AS quote
    FROM r WHERE stream = 'markets'
),
binance AS (
    SELECT 'trade:' || t.source_id AS key, t.occurred_at, 'Trade' AS label,
           CASE WHEN (t.payload ->> 'isBuyer')::BOOLEAN THEN m.quote ELSE m.base END AS out_id,
           CASE WHEN (t.payload ->> 'isBuyer')::BOOLEAN THEN (t.payload ->> 'quoteQty')::DECIMAL(38,18)
                ELSE (t.payload ->> 'qty')::DECIMAL(38,18) END AS out_amount,
           CASE WHEN (t.payload ->> 'isBuyer')::BOOLEAN THEN m.base ELSE m.quote END AS in_id,
           CASE WHEN (t.payload ->> 'isBuyer')::BOOLEAN THEN (t.payload ->> 'qty')::DECIMAL(38,18)
                ELSE (t.payload ->> 'quoteQty')::DECIMAL(38,18) END AS in_amount,
           t.payload ->> 'commissionAsset' AS fee_id, (t.payload ->> 'commission')::DECIMAL(38,18) AS fee_amount,
           t.source_id AS external_id, 'order ' || (t.payload ->> 'orderId') AS comment
    FROM r t JOIN binance_markets m ON m.symbol = t.payload ->> 'symbol'
    WHERE t.stream = 'trades'
    UNION ALL
    SELECT 'deposit:' || source_id, occurred_at, 'Deposit', NULL, NULL,
           payload ->> 'coin', (payload ->> 'amount')::DECIMAL(38,18), NULL, NULL,
           coalesce(nullif(payload ->> 'txId', ''), source_id), 'network ' || (payload ->> 'network')
    FROM r WHERE stream = 'deposits' AND payload ->> 'status' IN ('1', '6')
    UNION ALL
    SELECT 'withdrawal:' || source_id, occurred_at, 'Withdrawal',
           payload ->> 'coin', (payload ->> 'amount')::DECIMAL(38,18), NULL, NULL,
           payload ->> 'coin', (payload ->> 'transactionFee')::DECIMAL(38,18),
           coalesce(nullif(payload ->> 'txId', ''), source_id), 'network ' || (payload ->> 'network')
    FROM r WHERE stream = 'withdrawals' AND payload ->> 'status' = '6'
),
kraken_ledger AS (
    SELECT l.source_id AS lid, l.occurred_at, l.payload ->> 'refid' AS refid, l.payload ->> 'type' AS type,
           coalesce(l.payload ->> 'subtype', '') AS subtype, l.payload ->> 'asset' AS asset_id,
           coalesce(c.code, l.payload ->> 'asset') AS code,
           (l.payload ->> 'amount')::DECIMAL(38,18) AS amount, (l.payload ->> 'fee')::DECIMAL(38,18) AS fee
    FROM r l LEFT JOIN codes c ON c.id = l.payload ->> 'asset'
    WHERE l.stream = 'ledger'
),
-- One fee leg per refid (the first row charging one); any other row's fee is netted into its amount.
kraken_rows AS (
    SELECT *, amount - CASE WHEN fee_row THEN 0 ELSE fee END AS net
    FROM (
        SELECT *, fee <> 0 AND row_number() OVER (PARTITION BY refid, fee <> 0 ORDER BY lid) = 1 AS fee_row
        FROM kraken_ledger
    )
),
kraken_groups AS (
    SELECT refid, min(occurred_at) AS occurred_at,
           bool_or(type IN ('trade', 'spend', 'receive', 'dustsweeping', 'sale', 'conversion')) AS is_trade,
           arg_min(type, lid) AS type, string_agg(DISTINCT type, ',' ORDER BY type) AS types, string_agg(DISTINCT nullif(subtype, ''), ',' ORDER BY nullif(subtype, '')) AS subtypes,
           min(code) FILTER (WHERE net < 0) AS out_id, -sum(net) FILTER (WHERE net < 0) AS out_amount,
           min(code) FILTER (WHERE net > 0) AS in_id, sum(net) FILTER (WHERE net > 0) AS in_amount,
           min(code) FILTER (WHERE fee_row) AS fee_id, sum(fee) FILTER (WHERE fee_row) AS fee_amount
    FROM kraken_rows GROUP BY refid
),
kraken_transfers AS (
    SELECT source_id AS refid, min(payload ->> 'txid') AS txid
    FROM r WHERE stream IN ('deposits', 'withdrawals') GROUP BY source_id
),
kraken AS (
    SELECT 'ledger:' || g.refid AS key, g.occurred_at,
           CASE
               WHEN g.is_trade THEN 'Trade'
               WHEN g.type = 'deposit' THEN 'Deposit'
               WHEN g.type = 'withdrawal' THEN 'Withdrawal'
               WHEN g.type = 'staking' AND g.out_id IS NULL THEN 'Staking'
               WHEN g.type = 'earn' AND g.subtypes = 'reward' THEN 'Staking'
               WHEN g.type IN ('transfer', 'earn', 'staking') AND g.in_id IS NOT NULL AND g.out_id IS NOT NULL THEN 'Transfer'
               WHEN g.type = 'transfer' AND g.subtypes IS NULL AND g.out_id IS NULL THEN 'Airdrop'
               WHEN g.out_id IS NULL AND g.in_id IS NULL THEN 'Fee'
               WHEN g.out_id IS NULL THEN 'Non-Taxable In'
               ELSE 'Non-Taxable Out'
           END AS label,
           g.out_id, g.out_amount, g.in_id, g.in_amount, g.fee_id, g.fee_amount,
           coalesce(nullif(t.txid, ''), g.refid) AS external_id,
           'kraken ledger ' || g.types || coalesce(' (' || g.subtypes || ')', '') AS comment
    FROM kraken_groups g LEFT JOIN kraken_transfers t ON t.refid = g.refid
),
generic AS (
    SELECT 'trade:' || source_id AS key, occurred_at, 'Trade' AS label,
           CASE WHEN payload ->> 'side' = 'buy' THEN split_part(split_part(payload ->> 'symbol', ':', 1), '/', 2)
                ELSE split_part(payload ->> 'symbol', '/', 1) END AS out_id,
           CASE WHEN payload ->> 'side' = 'buy' THEN (payload ->> 'cost')::DECIMAL(38,18)
                ELSE (payload ->> 'amount')::DECIMAL(38,18) END AS out_amount,
           CASE WHEN payload ->> 'side' = 'buy' THEN split_part(payload ->> 'symbol', '/', 1)
                ELSE split_part(split_part(payload ->> 'symbol', ':', 1), '/', 2) END AS in_id,
           CASE WHEN payload ->> 'side' = 'buy' THEN (payload ->> 'amount')::DECIMAL(38,18)
                ELSE (payload ->> 'cost')::DECIMAL(38,18) END AS in_amount,
           payload -> 'fee' ->> 'currency' AS fee_id, (payload -> 'fee' ->> 'cost')::DECIMAL(38,18) AS fee_amount,
           source_id AS external_id, NULL AS comment
    FROM r WHERE stream = 'trades'
    UNION ALL
    SELECT stream || ':' || source_id, occurred_at,
           CASE WHEN stream = 'deposits' THEN 'Deposit' ELSE 'Withdrawal' END,
           CASE WHEN stream = 'withdrawals' THEN payload ->> 'currency' END,
           CASE WHEN stream = 'withdrawals' THEN (payload ->> 'amount')::DECIMAL(38,18) END,
           CASE WHEN stream = 'deposits' THEN payload ->> 'currency' END,
           CASE WHEN stream = 'deposits' THEN (payload ->> 'amount')::DECIMAL(38,18) END,
           payload -> 'fee' ->> 'currency', (payload -> 'fee' ->> 'cost')::DECIMAL(38,18),
           coalesce(payload ->> 'txid', source_id), NULL
    FROM r WHERE stream IN ('deposits', 'withdrawals') AND payload ->> 'status' = 'ok'
),
legs AS (
    SELECT * FROM binance WHERE (SELECT provider FROM provider) = 'binance'
    UNION ALL
    SELECT * FROM kraken WHERE (SELECT provider FROM provider) = 'kraken'
    UNION ALL
    SELECT * FROM generic WHERE (SELECT provider FROM provider) NOT IN ('binance', 'kraken')
)
SELECT
    $integration_id || ':' || l.key AS tx_id,
    $integration_id AS integration_id,
    l.occurred_at,
    l.label,
    'synced' AS origin,
    coalesce(co.code, l.out_id) AS outgoing_asset,
    coalesce(co.code, l.out_id) AS outgoing_asset_id,
    l.out_amount AS outgoing_amount,
    coalesce(ci.code, l.in_id) AS incoming_asset,
    coalesce(ci.code, l.in_id) AS incoming_asset_id,
    l.in_amount AS incoming_amount,
    CASE WHEN l.fee_amount <> 0 THEN coalesce(cf.code, l.fee_id) END AS fee_asset,
    CASE WHEN l.fee_amount <> 0 THEN coalesce(cf.code, l.fee_id) END AS fee_asset_id,
    CASE WHEN l.fee_amount <> 0 THEN l.fee_amount END AS fee_amount,
    l.external_id,
    l.comment
FROM legs l
LEFT JOIN codes co ON co.id = l.out_id
LEFT JOIN codes ci ON ci.id = l.in_id
LEFT JOIN codes cf ON cf.id = l.fee_id
