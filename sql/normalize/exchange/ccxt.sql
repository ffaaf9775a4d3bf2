-- Legs of Binance, Kraken, Bitpanda and any exchange read through ccxt's unified structures
-- (the frame is sql/normalize/exchange.sql).
--   binance: trades (base/quote from the stored exchangeInfo entry, fee in any asset),
--            deposits, withdrawals (+ transactionFee); non-final statuses are never booked.
--   kraken:  the ledger is complete, so every transaction is one ledger refid (no double counting
--            with trades/deposits/withdrawals, which only add the on-chain txid); sub-balances such
--            as DOT.S map to DOT, so moves into staking net to zero and rewards are Staking.
--   bitpanda: trades (each once, BEST fee reduction as a BEST fee), finished wallet and fiat wallet
--            transactions other than the trades' own buy/sell rows (staking rewards: Staking).
--   others:  ccxt's unified ledger (fetch_ledger) where the exchange has one: it is complete, so
--            its entries are booked INSTEAD of the unified trades/deposits/withdrawals (never both),
--            one transaction per referenceId; else the unified trades/deposits/withdrawals
--            (amounts kept as strings).
-- Speed (10^6 Binance records in 1.5 s instead of 10 s): each branch reads its own streams of `r`
-- (NOT MATERIALIZED: a materialized `r` held every payload and spilled 1.5 GB to disk), parses each
-- payload once (one json_extract_string over a list of fields, not one `->>` per field), and the
-- branches of other providers read nothing (`legs`; the pipeline breaker in kraken_transfers checks
-- the provider itself, generic_rows joins generic_streams). Each branch builds its tx_id in one
-- concatenation (a key prefixed again at the end cost a second string per row).
-- binance ----------------------------------------------------------------------------------------
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
binance AS (
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
),
-- kraken -----------------------------------------------------------------------------------------
-- Kraken's ledger only (another exchange's `ledger` stream holds ccxt's unified entries, whose
-- fields would not cast; the same empty-join guard as bitpanda_streams).
kraken_streams AS (
    SELECT 'ledger' AS stream WHERE (SELECT provider FROM provider) = 'kraken'
),
kraken_ledger AS (
    SELECT l.lid, l.occurred_at, l.refid, l.type, coalesce(l.subtype, '') AS subtype, l.asset AS asset_id,
           coalesce(c.code, l.asset) AS code, l.amount::DECIMAL(38,18) AS amount, l.fee::DECIMAL(38,18) AS fee
    FROM (
        SELECT source_id AS lid, occurred_at, f[1] AS refid, f[2] AS type, f[3] AS subtype, f[4] AS asset,
               f[5] AS amount, f[6] AS fee
        FROM (SELECT *, json_extract_string(payload, ['refid', 'type', 'subtype', 'asset', 'amount', 'fee']) AS f
              FROM r JOIN kraken_streams USING (stream))
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
    FROM r WHERE stream IN ('deposits', 'withdrawals') AND (SELECT provider FROM provider) = 'kraken'
    GROUP BY source_id
),
kraken AS (
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
),
-- bitpanda ---------------------------------------------------------------------------------------
-- Each trade is booked once, from `trades` (fiat out, crypto in or the reverse, the BEST fee
-- reduction as a BEST fee); the `buy`/`sell` rows Bitpanda also lists in the wallet and fiat wallet
-- transactions, and the BEST wallet's payment of that fee, are the same movements and skipped.
-- Wallet transactions: deposit/withdrawal (with the network fee), transfers (tag `staking`: Staking;
-- others a Deposit or Withdrawal by direction). Only `finished` rows move money.
-- Bitpanda's streams, none for another provider (the same empty-join guard as generic_streams below).
bitpanda_streams AS (
    SELECT * FROM (VALUES ('trades'), ('wallet_transactions'), ('fiat_transactions')) s(stream)
    WHERE (SELECT provider FROM provider) = 'bitpanda'
),
bitpanda_trades AS (
    SELECT source_id, occurred_at, f[2] AS side, f[3] AS coin, 'fiat:' || f[4] AS fiat, f[5] AS fiat_amount,
           f[6] AS coin_amount, f[7] AS best_fee, f[8] = 'true' AS is_savings, f[9] AS best_fee_tx
    FROM (SELECT *, json_extract_string(payload, [
              '$.attributes.status', '$.attributes.type', '$.attributes.cryptocoin_symbol', '$.attributes.fiat_id',
              '$.attributes.amount_fiat', '$.attributes.amount_cryptocoin',
              '$.attributes.best_fee_collection.attributes.wallet_transaction.attributes.amount',
              '$.attributes.is_savings', '$.attributes.best_fee_collection.attributes.wallet_transaction.id']) AS f
          FROM r JOIN bitpanda_streams USING (stream) WHERE stream = 'trades')
    WHERE f[1] = 'finished'
),
bitpanda_moves AS (
    SELECT stream, source_id, occurred_at, f[2] AS type, f[3] = 'incoming' AS incoming,
           coalesce(f[4], 'fiat:' || f[5]) AS asset, f[6] AS amount, f[7] AS fee, f[8] AS tags
    FROM (SELECT *, json_extract_string(payload, [
              '$.attributes.status', '$.attributes.type', '$.attributes.in_or_out', '$.attributes.cryptocoin_symbol',
              '$.attributes.fiat_id', '$.attributes.amount', '$.attributes.fee', '$.attributes.tags']) AS f
          FROM r JOIN bitpanda_streams USING (stream) WHERE stream <> 'trades')
    WHERE f[1] = 'finished' AND f[2] NOT IN ('buy', 'sell')
      AND source_id NOT IN (SELECT best_fee_tx FROM bitpanda_trades WHERE best_fee_tx IS NOT NULL)
),
bitpanda_moves_legs AS (
    SELECT $integration_id || ':' || stream || ':' || source_id AS tx_id, occurred_at,
           CASE WHEN type = 'transfer' AND incoming AND tags LIKE '%"short_name":"staking"%' THEN 'Staking'
                WHEN incoming THEN 'Deposit' ELSE 'Withdrawal' END AS label,
           CASE WHEN NOT incoming THEN asset END, CASE WHEN NOT incoming THEN amount::DECIMAL(38,18) END,
           CASE WHEN incoming THEN asset END, CASE WHEN incoming THEN amount::DECIMAL(38,18) END,
           asset, fee::DECIMAL(38,18), source_id, 'bitpanda ' || replace(stream, '_', ' ') || ' ' || type
    FROM bitpanda_moves
),
-- any other exchange: ccxt's unified structures ----------------------------------------------------
-- The streams of any other exchange, with the status its transfers are booked in; none for binance
-- and kraken. An empty build side ends the hash join at its first chunk, so generic_rows reads no
-- record of theirs (a WHERE on the provider let the scan parse every payload: 8 % of the step for
-- 10^6 Binance records). `status = booked` is a join condition for that: as a filter it would be
-- pushed below the join, drop every row and let the scan run to the end.
generic_streams AS (
    SELECT * FROM (VALUES ('trades', NULL), ('deposits', 'ok'), ('withdrawals', 'ok')) s(stream, booked)
    WHERE (SELECT provider FROM provider) NOT IN ('binance', 'kraken', 'bitpanda')
),
generic_rows AS NOT MATERIALIZED (
    SELECT stream, booked, source_id, occurred_at, f[1] AS status, f[2] AS side, f[3] AS symbol, f[4] AS currency,
           f[5] AS amount, f[6] AS cost, f[7] AS fee_id, f[8] AS fee_amount, f[9] AS txid,
           split_part(f[3], '/', 1) AS base, split_part(split_part(f[3], ':', 1), '/', 2) AS quote
    FROM (SELECT *, json_extract_string(payload, ['status', 'side', 'symbol', 'currency', 'amount', 'cost',
                                                  '$.fee.currency', '$.fee.cost', 'txid']) AS f
          FROM r) JOIN generic_streams USING (stream)
),
-- ccxt's unified ledger of any other exchange (none for binance, kraken, bitpanda: the same empty-join
-- guard). An entry moves `amount` in its `direction` and charges `fee.cost` on top; a `fee` entry is
-- a fee. Only `ok` entries (or those without a status) move money. When the integration holds any
-- ledger entry, the ledger is its history and the unified trades, deposits and withdrawals are not
-- booked (they are the same movements; the whole integration is asked, as an incremental build's
-- `r` may hold only new trades).
generic_ledger_stream AS (
    SELECT 'ledger' AS stream WHERE (SELECT provider FROM provider) NOT IN ('binance', 'kraken', 'bitpanda')
),
generic_ledger AS NOT MATERIALIZED (
    SELECT source_id, occurred_at, coalesce(nullif(f[8], ''), source_id) AS ref, f[3] AS type,
           CASE WHEN f[3] <> 'fee' THEN f[2] END AS direction, f[4] AS currency,
           CASE WHEN f[3] <> 'fee' THEN f[5]::DECIMAL(38,18) END AS amount,
           CASE WHEN f[3] = 'fee' THEN f[4] ELSE f[6] END AS fee_id,
           coalesce(f[7]::DECIMAL(38,18), 0) + CASE WHEN f[3] = 'fee' THEN f[5]::DECIMAL(38,18) ELSE 0 END AS fee
    FROM (SELECT *, json_extract_string(payload, ['status', 'direction', 'type', 'currency', 'amount',
                                                  '$.fee.currency', '$.fee.cost', 'referenceId']) AS f
          FROM r JOIN generic_ledger_stream USING (stream))
    WHERE coalesce(f[1], 'ok') = 'ok'
),
generic_has_ledger AS (
    SELECT EXISTS (SELECT 1 FROM raw.records JOIN generic_ledger_stream USING (stream)
                   WHERE integration_id = $integration_id) AS yes
),
generic_ledger_legs AS (
    SELECT $integration_id || ':ledger:' || ref AS tx_id, occurred_at,
           CASE WHEN out_id IS NOT NULL AND in_id IS NOT NULL THEN 'Trade'
                WHEN type = 'transaction' AND in_id IS NOT NULL THEN 'Deposit'
                WHEN type = 'transaction' AND out_id IS NOT NULL THEN 'Withdrawal'
                WHEN type IN ('reward', 'staking') AND in_id IS NOT NULL THEN 'Staking'
                WHEN type = 'airdrop' AND in_id IS NOT NULL THEN 'Airdrop'
                WHEN type IN ('rebate', 'cashback') AND in_id IS NOT NULL THEN 'Cashback'
                WHEN type = 'referral' AND in_id IS NOT NULL THEN 'Income'
                WHEN out_id IS NULL AND in_id IS NULL THEN 'Fee'
                WHEN in_id IS NOT NULL THEN 'Non-Taxable In'
                ELSE 'Non-Taxable Out'
           END AS label,
           out_id, out_amount, in_id, in_amount, fee_id, fee_amount, ref AS external_id, 'ledger ' || types AS comment
    FROM (
        SELECT ref, min(occurred_at) AS occurred_at, arg_min(type, source_id) AS type,
               string_agg(DISTINCT type, ',' ORDER BY type) AS types,
               min(currency) FILTER (WHERE direction = 'out') AS out_id, sum(amount) FILTER (WHERE direction = 'out') AS out_amount,
               min(currency) FILTER (WHERE direction = 'in') AS in_id, sum(amount) FILTER (WHERE direction = 'in') AS in_amount,
               min(fee_id) FILTER (WHERE fee <> 0) AS fee_id, sum(fee) AS fee_amount
        FROM generic_ledger GROUP BY ref
    )
),
-- Buys and sells of a base asset for a quote asset: ccxt's unified trades, and Bitpanda's trades
-- against fiat (each booked once; a BEST fee reduction is the trade's fee in BEST). Each side reads
-- nothing for other providers (their guards above).
spot_trades AS (
    SELECT source_id, occurred_at, side, base, quote, amount, cost, fee_id, fee_amount, NULL AS comment
    FROM generic_rows WHERE stream = 'trades' AND NOT (SELECT yes FROM generic_has_ledger)
    UNION ALL
    SELECT source_id, occurred_at, side, coin, fiat, coin_amount, fiat_amount,
           CASE WHEN best_fee IS NOT NULL THEN 'BEST' END, best_fee,
           'bitpanda ' || side || CASE WHEN is_savings THEN ' (savings plan)' ELSE '' END
               || CASE WHEN best_fee IS NOT NULL THEN ' (BEST fee reduction)' ELSE '' END
    FROM bitpanda_trades
),
spot AS (
    SELECT $integration_id || ':trade:' || source_id AS tx_id, occurred_at, 'Trade' AS label,
           CASE WHEN side = 'buy' THEN quote ELSE base END AS out_id,
           (CASE WHEN side = 'buy' THEN cost ELSE amount END)::DECIMAL(38,18) AS out_amount,
           CASE WHEN side = 'buy' THEN base ELSE quote END AS in_id,
           (CASE WHEN side = 'buy' THEN amount ELSE cost END)::DECIMAL(38,18) AS in_amount,
           fee_id, fee_amount::DECIMAL(38,18) AS fee_amount, source_id AS external_id, comment
    FROM spot_trades
),
generic AS (
    SELECT $integration_id || ':' || stream || ':' || source_id AS tx_id, occurred_at,
           CASE WHEN stream = 'deposits' THEN 'Deposit' ELSE 'Withdrawal' END AS label,
           CASE WHEN stream = 'withdrawals' THEN currency END,
           CASE WHEN stream = 'withdrawals' THEN amount::DECIMAL(38,18) END,
           CASE WHEN stream = 'deposits' THEN currency END,
           CASE WHEN stream = 'deposits' THEN amount::DECIMAL(38,18) END,
           fee_id, fee_amount::DECIMAL(38,18), coalesce(txid, source_id), NULL
    FROM generic_rows WHERE stream IN ('deposits', 'withdrawals') AND status = booked
      AND NOT (SELECT yes FROM generic_has_ledger)
),
legs AS (
    SELECT * FROM binance WHERE (SELECT provider FROM provider) = 'binance'
    UNION ALL
    SELECT * FROM kraken WHERE (SELECT provider FROM provider) = 'kraken'
    UNION ALL
    SELECT * FROM bitpanda_moves_legs
    UNION ALL
    SELECT * FROM spot
    UNION ALL
    SELECT * FROM generic
    UNION ALL
    SELECT * FROM generic_ledger_legs
)
