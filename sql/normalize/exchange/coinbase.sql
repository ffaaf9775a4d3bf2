-- Legs of Coinbase (the frame is sql/normalize/exchange.sql): v2 account transactions, stream
-- `transactions`, each the change of one account's balance by exactly `amount.amount`.
-- Only `completed` rows move money. Rows of one event in several accounts share a link: the
-- sub-resource named after the type (`buy.id`, `sell.id`, `trade.id`, `transfer.id` ...) or, for
-- Advanced Trade fills, `advanced_trade_fill.order_id` (all fills of one order); any other row is
-- its own link. One transaction per link: out = the currency whose rows sum below zero, in = the
-- one above; both -> Trade (Transfer when the same currency, e.g. wallet to vault); one side only
-- -> by type (staking_reward/inflation_reward/interest: Staking; sends, receives, fiat and Pro
-- moves: Deposit/Withdrawal; anything else Non-Taxable In/Out, e.g. a buy paid by card, whose
-- fiat side never was in a Coinbase wallet). Trade fees stay inside the amounts (the fiat leg is
-- the total paid; a fill's commission is inside its quote amount), so balances are exact. A send's
-- negative `amount` is what left the account: the network fee `network.transaction_fee` (same
-- currency) is booked as the fee and the rest as the withdrawal.
coinbase_rows AS (
    SELECT source_id, occurred_at, f[2] AS type, f[3]::DECIMAL(38,18) AS amount, f[4] AS currency,
           coalesce(f[5]::DECIMAL(38,18), 0) AS network_fee, f[6] AS fee_currency,
           CASE WHEN f[2] = 'advanced_trade_fill' THEN f[7]
                ELSE coalesce(json_extract_string(payload, '$.' || f[2] || '.id'), source_id) END AS link
    FROM (SELECT *, json_extract_string(payload, ['status', 'type', '$.amount.amount', '$.amount.currency',
                                                  '$.network.transaction_fee.amount', '$.network.transaction_fee.currency',
                                                  '$.advanced_trade_fill.order_id']) AS f
          FROM r WHERE stream = 'transactions')
    WHERE f[1] = 'completed'
),
coinbase_sends AS (
    SELECT *, CASE WHEN amount < 0 AND fee_currency = currency THEN network_fee ELSE 0 END AS fee
    FROM coinbase_rows
),
coinbase_links AS (
    SELECT link, min(occurred_at) AS occurred_at, arg_min(type, occurred_at) AS type,
           string_agg(DISTINCT type, ',' ORDER BY type) AS types,
           min(currency) FILTER (WHERE amount < 0) AS out_id, -sum(amount + fee) FILTER (WHERE amount < 0) AS out_amount,
           min(currency) FILTER (WHERE amount > 0) AS in_id, sum(amount) FILTER (WHERE amount > 0) AS in_amount,
           min(currency) FILTER (WHERE fee <> 0) AS fee_id, sum(fee) FILTER (WHERE fee <> 0) AS fee_amount,
           count(*) AS n_rows, min(source_id) AS first_id
    FROM coinbase_sends GROUP BY link
),
legs AS (
    SELECT $integration_id || ':coinbase:' || link AS tx_id, occurred_at,
           CASE
               WHEN out_id IS NOT NULL AND in_id IS NOT NULL THEN CASE WHEN out_id = in_id THEN 'Transfer' ELSE 'Trade' END
               WHEN in_id IS NOT NULL AND type IN ('staking_reward', 'inflation_reward', 'interest') THEN 'Staking'
               WHEN in_id IS NOT NULL AND type IN ('send', 'receive', 'fiat_deposit', 'pro_withdrawal', 'exchange_withdrawal', 'transfer') THEN 'Deposit'
               WHEN out_id IS NOT NULL AND type IN ('send', 'fiat_withdrawal', 'pro_deposit', 'exchange_deposit', 'transfer') THEN 'Withdrawal'
               WHEN in_id IS NOT NULL THEN 'Non-Taxable In'
               WHEN out_id IS NOT NULL THEN 'Non-Taxable Out'
               ELSE 'Fee'
           END AS label,
           out_id, out_amount, in_id, in_amount, fee_id, fee_amount,
           CASE WHEN n_rows = 1 THEN first_id ELSE link END AS external_id,
           'coinbase ' || types AS comment
    FROM coinbase_links
)
