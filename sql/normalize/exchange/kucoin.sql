-- Legs of KuCoin (the frame is sql/normalize/exchange.sql). The account ledger is complete for the
-- main and trade accounts, so every transaction is built from it; deposits and withdrawals only add
-- the chain and the on-chain id (never booked themselves: no double counting). Labels: Trade,
-- Deposit, Withdrawal, Transfer (main<->trade), Staking (bizType naming staking), Airdrop
-- (Airdrop, Distribution), Cashback (refunded fees, rebates), else Non-Taxable In/Out by direction.
--   A ledger row changes its account by `amount`, in or out by `direction`; its `fee` is part of that
--   amount (KuCoin: "fees included"), so a row's principal is amount + fee in and amount - fee out.
--   Rows group into one transaction (kucoin_key; sql/build/scope/exchange/kucoin.sql uses the same key):
--   the two `Exchange` rows of a trade (any bizType naming an exchange) by the context's tradeId, the two `Transfer` rows of a move
--   between the main and trade accounts by currency, amount and moment (they net to zero: label
--   Transfer), any other row alone. One fee leg per group (its first row charging one); another
--   row's fee stays in its amount.
kucoin_ledger AS (
    SELECT *, CASE WHEN biz_type ILIKE '%exchange%' AND ctx[1] IS NOT NULL THEN 'trade:' || ctx[1]
                   WHEN biz_type = 'Transfer' THEN 'transfer:' || currency || ':' || f[2] || ':' || f[8]
                   ELSE 'entry:' || id END AS kucoin_key
    FROM (
        SELECT source_id AS id, occurred_at, f, f[1] AS currency, f[2]::DECIMAL(38,18) AS amount,
               f[3]::DECIMAL(38,18) AS fee, f[4] AS biz_type, f[5] = 'in' AS incoming, f[7] AS account_type,
               -- context is JSON text, empty for some rows (and not trusted to be JSON at all)
               CASE WHEN json_valid(f[6]) THEN json_extract_string(f[6], ['tradeId', 'txId']) END AS ctx
        FROM (SELECT *, json_extract_string(payload, ['currency', 'amount', 'fee', 'bizType', 'direction', 'context',
                                                      'accountType', 'createdAt']) AS f
              FROM r WHERE stream = 'ledger' AND (SELECT provider FROM provider) = 'kucoin')
    )
),
kucoin_rows AS (
    SELECT *, CASE WHEN incoming THEN amount ELSE -amount END + CASE WHEN fee_row THEN fee ELSE 0 END AS net
    FROM (
        SELECT *, fee <> 0 AND row_number() OVER (PARTITION BY kucoin_key, fee <> 0 ORDER BY id) = 1 AS fee_row
        FROM kucoin_ledger
    )
),
kucoin_groups AS (
    SELECT kucoin_key, min(occurred_at) AS occurred_at, arg_min(biz_type, id) AS biz_type,
           string_agg(DISTINCT account_type, ',' ORDER BY account_type) AS accounts, min(ctx[2]) AS txid,
           min(currency) FILTER (WHERE net < 0) AS out_id, -sum(net) FILTER (WHERE net < 0) AS out_amount,
           min(currency) FILTER (WHERE net > 0) AS in_id, sum(net) FILTER (WHERE net > 0) AS in_amount,
           min(currency) FILTER (WHERE fee_row) AS fee_id, sum(fee) FILTER (WHERE fee_row) AS fee_amount
    FROM kucoin_rows GROUP BY kucoin_key
),
kucoin_chains AS (
    SELECT payload ->> 'walletTxId' AS txid, min(payload ->> 'chain') AS chain
    FROM r WHERE stream IN ('deposits', 'withdrawals') AND (SELECT provider FROM provider) = 'kucoin'
    GROUP BY 1
),
legs AS (
    SELECT $integration_id || ':ledger:' || g.kucoin_key AS tx_id, g.occurred_at,
           CASE
               WHEN g.biz_type ILIKE '%exchange%' THEN 'Trade'
               WHEN g.biz_type = 'Deposit' THEN 'Deposit'
               WHEN g.biz_type = 'Withdrawal' THEN 'Withdrawal'
               WHEN g.in_id IS NOT NULL AND g.out_id IS NOT NULL AND g.in_id = g.out_id THEN 'Transfer'
               WHEN g.biz_type ILIKE '%staking%' AND g.out_id IS NULL THEN 'Staking'
               WHEN g.biz_type IN ('Airdrop', 'Distribution') AND g.out_id IS NULL THEN 'Airdrop'
               WHEN (g.biz_type ILIKE '%refund%' OR g.biz_type ILIKE '%rebate%') AND g.out_id IS NULL THEN 'Cashback'
               WHEN g.out_id IS NULL AND g.in_id IS NULL THEN 'Fee'
               WHEN g.out_id IS NULL THEN 'Non-Taxable In'
               ELSE 'Non-Taxable Out'
           END AS label,
           g.out_id, g.out_amount, g.in_id, g.in_amount, g.fee_id, g.fee_amount,
           coalesce(nullif(g.txid, ''), substr(g.kucoin_key, strpos(g.kucoin_key, ':') + 1)) AS external_id,
           'kucoin ledger ' || g.biz_type || ' (' || lower(g.accounts) || ')' || coalesce(', chain ' || c.chain, '') AS comment
    FROM kucoin_groups g LEFT JOIN kucoin_chains c ON c.txid = g.txid
)
