-- Kraken's legs in sql/normalize/exchange.sql (CTEs after `r` and `codes`, the last one `legs`): the
-- ledger is complete, so every transaction is one ledger refid (no double counting with
-- trades/deposits/withdrawals, which only add the on-chain txid); sub-balances such as DOT.S map to
-- DOT, so moves into staking net to zero and rewards are Staking.
kraken_ledger AS (
    SELECT l.lid, l.occurred_at, l.refid, l.type, coalesce(l.subtype, '') AS subtype, l.asset AS asset_id,
           coalesce(c.code, l.asset) AS code, l.amount::DECIMAL(38,18) AS amount, l.fee::DECIMAL(38,18) AS fee
    FROM (
        SELECT source_id AS lid, occurred_at, f[1] AS refid, f[2] AS type, f[3] AS subtype, f[4] AS asset,
               f[5] AS amount, f[6] AS fee
        FROM (SELECT *, json_extract_string(payload, ['refid', 'type', 'subtype', 'asset', 'amount', 'fee']) AS f
              FROM r WHERE stream = 'ledger')
    ) l LEFT JOIN codes c ON c.id = l.asset
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
    FROM r WHERE stream IN ('deposits', 'withdrawals')
    GROUP BY source_id
),
legs AS (
    SELECT $integration_id || ':ledger:' || g.refid AS tx_id, g.occurred_at,
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
)
