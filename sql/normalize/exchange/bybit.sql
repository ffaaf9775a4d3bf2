-- Legs of Bybit (v5, unified trading account + funding account; the frame is
-- sql/normalize/exchange.sql, the reader pipelines/connectors/exchange/bybit.py).
--   ledger (the UTA transaction log, complete for the UTA): a spot trade is its rows sharing one
--     tradeId (one per currency; the fee is charged in one of them and is already inside its
--     `change`), booked once: out = the negative cashFlow, in = the positive cashFlow, fee = `fee`,
--     so in - out - fee = the sum of the rows' `change`. Every other row (derivatives trades and
--     settlements too) is one transaction of its `change` (transfers between the own accounts:
--     Transfer; derivatives, interest, bonus, fee refund by type and category).
--   deposits (status 3 success, 10012 credited to the funding pool; depositFee as a fee),
--   withdrawals (success, BlockchainConfirmed; withdrawFee on top of amount), transfers (the FUND side of a move between
--   the own accounts: with the ledger's TRANSFER_IN/OUT it nets to zero), converts (funding account
--   only, eb_convert_funding: a UTA convert is in the ledger; success), earn_yields (Flexible Savings, Success: Interest).
-- An incremental build re-normalizes a spot trade with all its rows (build/scope/exchange/bybit.sql).
bybit_ledger AS (
    SELECT source_id, occurred_at, f[1] AS type, f[2] AS coin, coalesce(nullif(f[3], ''), '0')::DECIMAL(38,18) AS cash_flow,
           coalesce(nullif(f[4], ''), '0')::DECIMAL(38,18) AS fee, coalesce(nullif(f[5], ''), '0')::DECIMAL(38,18) AS change,
           f[6] AS trade_id, f[7] AS symbol, f[8] AS side, f[9] AS order_id, f[10] AS category
    FROM (SELECT *, json_extract_string(payload, ['type', 'currency', 'cashFlow', 'fee', 'change', 'tradeId', 'symbol',
                                                  'side', 'orderId', 'category']) AS f
          FROM r WHERE stream = 'ledger')
),
bybit_trades AS (
    SELECT $integration_id || ':trade:' || trade_id AS tx_id, min(occurred_at) AS occurred_at, 'Trade' AS label,
           min(coin) FILTER (WHERE cash_flow < 0) AS out_id, -sum(cash_flow) FILTER (WHERE cash_flow < 0) AS out_amount,
           min(coin) FILTER (WHERE cash_flow > 0) AS in_id, sum(cash_flow) FILTER (WHERE cash_flow > 0) AS in_amount,
           min(coin) FILTER (WHERE fee <> 0) AS fee_id, sum(fee) FILTER (WHERE fee <> 0) AS fee_amount,
           trade_id AS external_id,
           'bybit spot ' || lower(min(side)) || ' ' || min(symbol) || ' order ' || min(order_id) AS comment
    FROM bybit_ledger WHERE type = 'TRADE' AND category = 'spot'
    GROUP BY trade_id
),
-- Every other row on its own: `gross` (= change + fee: cashFlow and funding) in or out, `fee` as the
-- fee, so in - out - fee = change. Negative interest is a Fee (the whole change in the fee leg).
bybit_entries AS (
    SELECT *, CASE
               WHEN type IN ('TRANSFER_IN', 'TRANSFER_OUT') THEN 'Transfer'
               WHEN category IN ('linear', 'inverse', 'option') OR type IN ('SETTLEMENT', 'DELIVERY', 'LIQUIDATION') THEN
                   CASE WHEN gross > 0 THEN 'Derivative Profit' WHEN gross < 0 THEN 'Derivative Loss' ELSE 'Derivative Fee' END
               WHEN type = 'INTEREST' AND change > 0 THEN 'Interest'
               WHEN type = 'INTEREST' THEN 'Fee'
               WHEN type = 'BONUS' THEN 'Income'
               WHEN type = 'FEE_REFUND' THEN 'Cashback'
               WHEN gross > 0 THEN 'Non-Taxable In'
               ELSE 'Non-Taxable Out'
           END AS label
    FROM (SELECT *, change + fee AS gross FROM bybit_ledger WHERE NOT (type = 'TRADE' AND category = 'spot'))
    WHERE change <> 0 OR fee <> 0
),
bybit_moves AS (
    SELECT stream, source_id, occurred_at, f[1] AS status, f[2] AS coin, f[3] AS amount, f[4] AS fee, f[5] AS txid,
           f[6] AS from_account, f[7] AS to_account
    FROM (SELECT *, json_extract_string(payload, ['status', 'coin', 'amount', 'depositFee', 'txID', 'fromAccountType',
                                                  'toAccountType']) AS f
          FROM r WHERE stream IN ('deposits', 'transfers', 'earn_yields'))
    UNION ALL
    SELECT stream, source_id, occurred_at, f[1], f[2], f[3], f[4], f[5], NULL, NULL
    FROM (SELECT *, json_extract_string(payload, ['status', 'coin', 'amount', 'withdrawFee', 'txID']) AS f
          FROM r WHERE stream = 'withdrawals')
),
bybit_converts AS (
    SELECT source_id, occurred_at, f[1] AS status, f[2] AS from_coin, f[3] AS from_amount, f[4] AS to_coin, f[5] AS to_amount,
           f[6] AS account_type
    FROM (SELECT *, json_extract_string(payload, ['exchangeStatus', 'fromCoin', 'fromAmount', 'toCoin', 'toAmount',
                                                  'accountType']) AS f
          FROM r WHERE stream = 'converts')
),
legs AS (
    SELECT * FROM bybit_trades
    UNION ALL
    SELECT $integration_id || ':ledger:' || source_id, occurred_at, label,
           CASE WHEN gross < 0 AND label <> 'Fee' THEN coin END, CASE WHEN gross < 0 AND label <> 'Fee' THEN -gross END,
           CASE WHEN gross > 0 AND label <> 'Fee' THEN coin END, CASE WHEN gross > 0 AND label <> 'Fee' THEN gross END,
           coin, CASE WHEN label = 'Fee' THEN -change ELSE fee END,
           source_id, 'bybit unified ledger ' || type || coalesce(' ' || nullif(category, ''), '') || coalesce(' ' || nullif(symbol, ''), '')
    FROM bybit_entries
    UNION ALL
    SELECT $integration_id || ':deposit:' || source_id, occurred_at, 'Deposit', NULL, NULL, coin, amount::DECIMAL(38,18),
           coin, nullif(fee, '')::DECIMAL(38,18), coalesce(nullif(txid, ''), source_id), 'bybit funding deposit'
    FROM bybit_moves WHERE stream = 'deposits' AND status IN ('3', '10012')
    UNION ALL
    SELECT $integration_id || ':withdrawal:' || source_id, occurred_at, 'Withdrawal', coin, amount::DECIMAL(38,18), NULL, NULL,
           coin, nullif(fee, '')::DECIMAL(38,18), coalesce(nullif(txid, ''), source_id), 'bybit funding withdrawal'
    FROM bybit_moves WHERE stream = 'withdrawals' AND status IN ('success', 'BlockchainConfirmed')
    UNION ALL
    SELECT $integration_id || ':transfer:' || source_id, occurred_at, 'Transfer',
           CASE WHEN from_account = 'FUND' THEN coin END, CASE WHEN from_account = 'FUND' THEN amount::DECIMAL(38,18) END,
           CASE WHEN to_account = 'FUND' THEN coin END, CASE WHEN to_account = 'FUND' THEN amount::DECIMAL(38,18) END,
           NULL, NULL, source_id, 'bybit transfer ' || from_account || ' -> ' || to_account
    FROM bybit_moves WHERE stream = 'transfers' AND status = 'SUCCESS' AND 'FUND' IN (from_account, to_account)
    UNION ALL
    SELECT $integration_id || ':convert:' || source_id, occurred_at, 'Trade', from_coin, from_amount::DECIMAL(38,18),
           to_coin, to_amount::DECIMAL(38,18), NULL, NULL, source_id, 'bybit convert (funding account)'
    FROM bybit_converts WHERE status = 'success' AND account_type = 'eb_convert_funding'
    UNION ALL
    SELECT $integration_id || ':earn:' || source_id, occurred_at, 'Interest', NULL, NULL, coin, amount::DECIMAL(38,18),
           NULL, NULL, source_id, 'bybit earn Flexible Savings yield'
    FROM bybit_moves WHERE stream = 'earn_yields' AND status = 'Success'
)
