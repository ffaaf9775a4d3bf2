-- The legs of any exchange without its own file, in sql/normalize/exchange.sql (CTEs after `r` and
-- `codes`, the last one `legs`): ccxt's unified trades/deposits/withdrawals (amounts kept as strings).
-- The streams read, with the status a transfer is booked in. `status = booked` is a join condition,
-- so the status is parsed with the other fields (as a filter it was pushed below the projection and
-- parsed each payload twice).
generic_streams AS (
    SELECT * FROM (VALUES ('trades', NULL), ('deposits', 'ok'), ('withdrawals', 'ok')) s(stream, booked)
),
generic_rows AS NOT MATERIALIZED (
    SELECT stream, booked, source_id, occurred_at, f[1] AS status, f[2] AS side, f[3] AS symbol, f[4] AS currency,
           f[5] AS amount, f[6] AS cost, f[7] AS fee_id, f[8] AS fee_amount, f[9] AS txid,
           split_part(f[3], '/', 1) AS base, split_part(split_part(f[3], ':', 1), '/', 2) AS quote
    FROM (SELECT *, json_extract_string(payload, ['status', 'side', 'symbol', 'currency', 'amount', 'cost',
                                                  '$.fee.currency', '$.fee.cost', 'txid']) AS f
          FROM r) JOIN generic_streams USING (stream)
),
legs AS (
    SELECT $integration_id || ':trade:' || source_id AS tx_id, occurred_at, 'Trade' AS label,
           CASE WHEN side = 'buy' THEN quote ELSE base END AS out_id,
           (CASE WHEN side = 'buy' THEN cost ELSE amount END)::DECIMAL(38,18) AS out_amount,
           CASE WHEN side = 'buy' THEN base ELSE quote END AS in_id,
           (CASE WHEN side = 'buy' THEN amount ELSE cost END)::DECIMAL(38,18) AS in_amount,
           fee_id, fee_amount::DECIMAL(38,18) AS fee_amount, source_id AS external_id, NULL AS comment
    FROM generic_rows WHERE stream = 'trades'
    UNION ALL
    SELECT $integration_id || ':' || stream || ':' || source_id, occurred_at,
           CASE WHEN stream = 'deposits' THEN 'Deposit' ELSE 'Withdrawal' END,
           CASE WHEN stream = 'withdrawals' THEN currency END,
           CASE WHEN stream = 'withdrawals' THEN amount::DECIMAL(38,18) END,
           CASE WHEN stream = 'deposits' THEN currency END,
           CASE WHEN stream = 'deposits' THEN amount::DECIMAL(38,18) END,
           fee_id, fee_amount::DECIMAL(38,18), coalesce(txid, source_id), NULL
    FROM generic_rows WHERE stream IN ('deposits', 'withdrawals') AND status = booked
)
