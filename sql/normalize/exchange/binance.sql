-- Binance's legs in sql/normalize/exchange.sql (CTEs after `r` and `codes`, the last one `legs`): trades
-- (base/quote from the stored exchangeInfo entry, fee in any asset), deposits, withdrawals
-- (+ transactionFee); non-final statuses are never booked.
binance_markets AS (
    SELECT source_id AS symbol, payload ->> 'baseAsset' AS base, payload ->> 'quoteAsset' AS quote
    FROM r WHERE stream = 'markets'
),
binance_trades AS (
    SELECT source_id, occurred_at, f[1] AS symbol, f[2]::BOOLEAN AS is_buyer, f[3] AS qty, f[4] AS quote_qty,
           f[5] AS fee_id, f[6] AS fee_amount, f[7] AS order_id
    FROM (SELECT *, json_extract_string(payload, ['symbol', 'isBuyer', 'qty', 'quoteQty', 'commissionAsset',
                                                  'commission', 'orderId']) AS f
          FROM r WHERE stream = 'trades')
),
-- The final statuses, the only ones booked (deposits: 1 success, 6 credited; withdrawals: 6 completed).
-- A join condition, so each payload is parsed once (a WHERE on the status was pushed below the
-- projection and parsed it twice).
binance_booked AS (
    SELECT * FROM (VALUES ('deposits', '1'), ('deposits', '6'), ('withdrawals', '6')) b(stream, status)
),
binance_transfers AS NOT MATERIALIZED (
    SELECT t.stream, source_id, occurred_at, f[2] AS coin, f[3] AS amount, f[4] AS fee, f[5] AS tx_id,
           f[6] AS network
    FROM (SELECT *, json_extract_string(payload, ['status', 'coin', 'amount', 'transactionFee', 'txId', 'network']) AS f
          FROM r WHERE stream IN ('deposits', 'withdrawals')) t
    JOIN binance_booked b ON b.stream = t.stream AND b.status = t.f[1]
),
legs AS (
    SELECT $integration_id || ':trade:' || t.source_id AS tx_id, t.occurred_at, 'Trade' AS label,
           CASE WHEN t.is_buyer THEN m.quote ELSE m.base END AS out_id,
           (CASE WHEN t.is_buyer THEN t.quote_qty ELSE t.qty END)::DECIMAL(38,18) AS out_amount,
           CASE WHEN t.is_buyer THEN m.base ELSE m.quote END AS in_id,
           (CASE WHEN t.is_buyer THEN t.qty ELSE t.quote_qty END)::DECIMAL(38,18) AS in_amount,
           t.fee_id, t.fee_amount::DECIMAL(38,18) AS fee_amount, t.source_id AS external_id,
           'order ' || t.order_id AS comment
    FROM binance_trades t JOIN binance_markets m ON m.symbol = t.symbol
    UNION ALL
    SELECT $integration_id || ':deposit:' || source_id, occurred_at, 'Deposit', NULL, NULL, coin, amount::DECIMAL(38,18), NULL, NULL,
           coalesce(nullif(tx_id, ''), source_id), 'network ' || network
    FROM binance_transfers WHERE stream = 'deposits'
    UNION ALL
    SELECT $integration_id || ':withdrawal:' || source_id, occurred_at, 'Withdrawal', coin, amount::DECIMAL(38,18), NULL, NULL,
           coin, fee::DECIMAL(38,18), coalesce(nullif(tx_id, ''), source_id), 'network ' || network
    FROM binance_transfers WHERE stream = 'withdrawals'
)
