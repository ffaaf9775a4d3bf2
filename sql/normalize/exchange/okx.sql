-- Legs of OKX (the frame is sql/normalize/exchange.sql): both ledgers, each balance change once.
--   bills (trading account, from the API or the quarterly archive's CSV, which has `subType` but
--     no `type`, so everything keys on `subType`): a spot fill is one bill per currency (subType
--     1 buy, 2 sell) sharing instId + tradeId (older bills have no tradeId: their order's fills
--     are one Trade), booked as one Trade; `balChg` already holds the fee (`fee`, negative;
--     positive is a maker rebate), so the gross amount is balChg - fee and the fee leg is -fee.
--     Stream `fills` only adds the fill price to the comment.
--   funding_bills (funding account, `type`): 1 Deposit; 2 withdrawal with its network fee, the
--     bill of type 221 at the same moment; 126 Interest (Simple Earn); 83 Staking; 75/76 Earn
--     subscription and redemption (the Earn balance is not synced: Non-Taxable Out / In).
--   Transfers between the accounts (trading subType 11 in / 12 out, funding 131 out / 130 in):
--     the n-th transfer of an amount and currency on one side pairs with the n-th on the other as
--     one Transfer (out and in the same currency, netting to zero); one whose other side is not
--     read (before the start) stays a Non-Taxable In or Out, so balances stay right.
--   Any other bill: Non-Taxable In / Out by its sign (Fee for a lone 221), the type in the comment.
okx_bills AS (
    SELECT source_id, occurred_at, f[1] AS sub_type, f[2] AS ccy, f[3]::DECIMAL(38,18) AS bal_chg,
           coalesce(nullif(f[4], ''), '0')::DECIMAL(38,18) AS fee, f[5] AS inst_id, f[6] AS trade_id,
           f[7] AS ord_id, f[8] AS px
    FROM (SELECT *, json_extract_string(payload, ['subType', 'ccy', 'balChg', 'fee', 'instId', 'tradeId', 'ordId', 'px']) AS f
          FROM r WHERE stream = 'bills')
),
okx_funding AS (
    SELECT source_id, occurred_at, f[1] AS type, f[2] AS ccy, f[3]::DECIMAL(38,18) AS bal_chg, f[4] AS client_id
    FROM (SELECT *, json_extract_string(payload, ['type', 'ccy', 'balChg', 'clientId']) AS f
          FROM r WHERE stream = 'funding_bills')
),
okx_fills AS (
    SELECT source_id AS fill_key, payload ->> 'fillPx' AS fill_px FROM r WHERE stream = 'fills'
),
okx_trades AS (
    SELECT inst_id || ':' || coalesce(nullif(trade_id, ''), 'order ' || ord_id) AS trade_key,
           min(occurred_at) AS occurred_at, min(ord_id) AS ord_id, min(px) AS px, min(sub_type) AS sub_type,
           min(ccy) FILTER (WHERE bal_chg - fee < 0) AS out_id, -sum(bal_chg - fee) FILTER (WHERE bal_chg - fee < 0) AS out_amount,
           min(ccy) FILTER (WHERE bal_chg - fee > 0) AS in_id, sum(bal_chg - fee) FILTER (WHERE bal_chg - fee > 0) AS in_amount,
           min(ccy) FILTER (WHERE fee <> 0) AS fee_id, -sum(fee) AS fee_amount
    FROM okx_bills WHERE sub_type IN ('1', '2') GROUP BY ALL
),
-- Transfers between the two accounts, each side numbered within its currency, amount and direction.
okx_moves AS (
    SELECT 'bills' AS side, source_id, occurred_at, ccy, bal_chg,
           row_number() OVER (PARTITION BY ccy, bal_chg ORDER BY occurred_at, source_id) AS n
    FROM okx_bills WHERE sub_type IN ('11', '12')
    UNION ALL
    SELECT 'funding_bills', source_id, occurred_at, ccy, -bal_chg,
           row_number() OVER (PARTITION BY ccy, bal_chg ORDER BY occurred_at, source_id)
    FROM okx_funding WHERE type IN ('130', '131')
),
-- `change`: the transfer's change of the one account read when unpaired (trading's, else funding's).
okx_transfers AS (
    SELECT coalesce(f.source_id, b.source_id) AS key, coalesce(f.occurred_at, b.occurred_at) AS occurred_at,
           coalesce(b.ccy, f.ccy) AS ccy, abs(coalesce(b.bal_chg, f.bal_chg)) AS amount,
           coalesce(b.bal_chg, f.bal_chg) > 0 AS to_trading, coalesce(b.bal_chg, -f.bal_chg) AS change,
           b.source_id IS NOT NULL AND f.source_id IS NOT NULL AS paired
    FROM (SELECT * FROM okx_moves WHERE side = 'bills') b
    FULL JOIN (SELECT * FROM okx_moves WHERE side = 'funding_bills') f
      ON f.ccy = b.ccy AND f.bal_chg = b.bal_chg AND f.n = b.n
),
-- A withdrawal and its network fee (type 221) are two bills of one moment.
okx_withdrawals AS (
    SELECT ccy, occurred_at, min(source_id) FILTER (WHERE type = '2') AS key, max(client_id) AS client_id,
           -sum(bal_chg) FILTER (WHERE type = '2') AS amount, -sum(bal_chg) FILTER (WHERE type = '221') AS fee
    FROM okx_funding WHERE type IN ('2', '221') GROUP BY ccy, occurred_at
),
legs AS (
    SELECT $integration_id || ':trade:' || t.trade_key AS tx_id, t.occurred_at, 'Trade' AS label,
           t.out_id, t.out_amount, t.in_id, t.in_amount, t.fee_id, t.fee_amount, t.trade_key AS external_id,
           'okx ' || CASE WHEN t.sub_type = '1' THEN 'buy' ELSE 'sell' END || ' ' || split_part(t.trade_key, ':', 1)
               || coalesce(' at ' || coalesce(x.fill_px, nullif(t.px, '')), '')
               || coalesce(', order ' || nullif(t.ord_id, ''), '') AS comment
    FROM okx_trades t LEFT JOIN okx_fills x ON x.fill_key = t.trade_key
    UNION ALL
    SELECT $integration_id || ':transfer:' || key, occurred_at,
           CASE WHEN paired THEN 'Transfer' WHEN change > 0 THEN 'Non-Taxable In' ELSE 'Non-Taxable Out' END,
           CASE WHEN paired OR change < 0 THEN ccy END, CASE WHEN paired OR change < 0 THEN amount END,
           CASE WHEN paired OR change > 0 THEN ccy END, CASE WHEN paired OR change > 0 THEN amount END,
           NULL, NULL, key,
           'okx transfer ' || CASE WHEN to_trading THEN 'funding -> trading' ELSE 'trading -> funding' END
    FROM okx_transfers
    UNION ALL
    SELECT $integration_id || ':funding:' || coalesce(key, ccy || ':' || epoch_ms(occurred_at)), occurred_at,
           CASE WHEN key IS NULL THEN 'Fee' ELSE 'Withdrawal' END,
           CASE WHEN key IS NOT NULL THEN ccy END, amount, NULL, NULL, ccy, coalesce(fee, 0),
           coalesce(nullif(client_id, ''), key), 'okx withdrawal'
    FROM okx_withdrawals
    UNION ALL
    SELECT $integration_id || ':funding:' || source_id, occurred_at,
           CASE type WHEN '1' THEN 'Deposit' WHEN '126' THEN 'Interest' WHEN '83' THEN 'Staking'
                     ELSE CASE WHEN bal_chg > 0 THEN 'Non-Taxable In' ELSE 'Non-Taxable Out' END END,
           CASE WHEN bal_chg < 0 THEN ccy END, CASE WHEN bal_chg < 0 THEN -bal_chg END,
           CASE WHEN bal_chg > 0 THEN ccy END, CASE WHEN bal_chg > 0 THEN bal_chg END,
           NULL, NULL, source_id, 'okx funding bill type ' || type
    FROM okx_funding WHERE type NOT IN ('2', '221', '130', '131') AND bal_chg <> 0
    UNION ALL
    SELECT $integration_id || ':bill:' || source_id, occurred_at,
           CASE WHEN bal_chg - fee > 0 THEN 'Non-Taxable In' ELSE 'Non-Taxable Out' END,
           CASE WHEN bal_chg - fee < 0 THEN ccy END, CASE WHEN bal_chg - fee < 0 THEN fee - bal_chg END,
           CASE WHEN bal_chg - fee > 0 THEN ccy END, CASE WHEN bal_chg - fee > 0 THEN bal_chg - fee END,
           ccy, -fee, source_id, 'okx trading bill subType ' || sub_type
    FROM okx_bills WHERE sub_type NOT IN ('1', '2', '11', '12') AND bal_chg <> 0
)
