-- Legs of Bitstamp (the frame is sql/normalize/exchange.sql) from `user_transactions`, stream
-- `transactions`: each row is one balance change holding one key per currency (`btc`, `eur` ...;
-- a non-zero change as a string, an untouched currency as the number 0), its `fee`, and for a
-- trade the price under `<base>_<quote>` and the `order_id`. Each row is one transaction:
--   out: the currency with a negative change, in: the one with a positive change;
--   fee: charged on top, for a trade (type 2) in the quote currency of the row's pair key, for
--        any other row in the row's one currency.
-- Labels by type: 0 Deposit, 1 Withdrawal, 2 Trade, 25 (credited back from staking) Non-Taxable In,
-- 26 (sent to staking) Non-Taxable Out, 27 Staking, 32 (referral reward) Income; 14 and 35
-- (sub-account and inter-account transfers) and any other type a Deposit or Withdrawal by sign.
-- account_balances shows the main account only, so moves into staking leave the synced balance and
-- are booked as leaving it (and coming back).
bitstamp_rows AS (
    SELECT source_id, occurred_at, payload ->> 'type' AS type, (payload ->> 'fee')::DECIMAL(38,18) AS fee,
           payload ->> 'order_id' AS order_id, payload
    FROM r WHERE stream = 'transactions'
),
bitstamp_keys AS (
    SELECT source_id, key, payload ->> key AS value
    FROM (SELECT source_id, payload, unnest(json_keys(payload)) AS key FROM bitstamp_rows)
),
bitstamp_changes AS (
    SELECT source_id, key AS currency, value::DECIMAL(38,18) AS amount
    FROM bitstamp_keys
    WHERE key NOT IN ('id', 'datetime', 'type', 'fee') AND NOT contains(key, '_')
),
-- The quote currency of a trade: the second half of its pair key (both halves are currencies).
bitstamp_quotes AS (
    SELECT k.source_id, min(split_part(k.key, '_', 2)) AS quote
    FROM bitstamp_keys k
    JOIN bitstamp_changes b ON b.source_id = k.source_id AND b.currency = split_part(k.key, '_', 1) AND b.amount <> 0
    JOIN bitstamp_changes q ON q.source_id = k.source_id AND q.currency = split_part(k.key, '_', 2) AND q.amount <> 0
    GROUP BY k.source_id
),
bitstamp_sides AS (
    SELECT source_id,
           min(currency) FILTER (WHERE amount < 0) AS out_id, -sum(amount) FILTER (WHERE amount < 0) AS out_amount,
           min(currency) FILTER (WHERE amount > 0) AS in_id, sum(amount) FILTER (WHERE amount > 0) AS in_amount,
           min(currency) FILTER (WHERE amount <> 0) AS only_id
    FROM bitstamp_changes GROUP BY source_id
),
legs AS (
    SELECT $integration_id || ':transaction:' || t.source_id AS tx_id, t.occurred_at,
           CASE t.type
               WHEN '0' THEN 'Deposit'
               WHEN '1' THEN 'Withdrawal'
               WHEN '2' THEN 'Trade'
               WHEN '25' THEN 'Non-Taxable In'
               WHEN '26' THEN 'Non-Taxable Out'
               WHEN '27' THEN 'Staking'
               WHEN '32' THEN 'Income'
               ELSE CASE WHEN s.in_id IS NOT NULL THEN 'Deposit' WHEN s.out_id IS NOT NULL THEN 'Withdrawal' ELSE 'Fee' END
           END AS label,
           s.out_id, s.out_amount, s.in_id, s.in_amount,
           CASE WHEN t.type = '2' THEN q.quote ELSE s.only_id END AS fee_id, t.fee AS fee_amount,
           t.source_id AS external_id,
           'bitstamp type ' || t.type || coalesce(', order ' || t.order_id, '') AS comment
    FROM bitstamp_rows t
    LEFT JOIN bitstamp_sides s USING (source_id)
    LEFT JOIN bitstamp_quotes q USING (source_id)
)
