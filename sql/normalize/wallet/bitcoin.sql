-- A Bitcoin (Litecoin, ...) wallet integration's confirmed transactions ($integration_id) as
-- core.transactions rows, in the coin its chain record names (raw.wallet_chains: `<chain>:native`).
-- One transaction of the wallet is its net effect over ALL its own addresses (stream 'addresses'):
-- inputs spending own outputs are outgoing, outputs to own addresses (change included) incoming.
-- When the wallet funded every input, the fee is the wallet's: what left the wallet beyond the fee
-- is a Withdrawal, and a move between own addresses (consolidation, payment to self) is only a Fee.
-- When others funded some inputs (a payjoin, a coinjoin) the fee is theirs to book: the wallet's
-- net change is a Deposit or Withdrawal. A coinbase output is Mining. Satoshi integers become coins
-- by an exact decimal product (a decimal division would go through a double).
WITH coin AS (
    SELECT chain || ':native' AS asset_id, native_symbol AS symbol
    FROM raw.wallet_chains WHERE integration_id = $integration_id
),
own AS (
    SELECT source_id AS address FROM build_records
    WHERE integration_id = $integration_id AND stream = 'addresses'
),
txs AS (
    SELECT source_id AS txid, occurred_at, payload,
           coalesce((payload->'vin'->0->>'is_coinbase')::BOOLEAN, false) AS coinbase
    FROM build_records
    WHERE integration_id = $integration_id AND stream = 'transactions'
      AND (payload->'status'->>'confirmed')::BOOLEAN
),
inputs AS (
    SELECT t.txid, u.vin.prevout.scriptpubkey_address AS address, u.vin.prevout.value AS sats
    FROM txs t,
         unnest(from_json(t.payload->'vin', '[{"prevout": {"scriptpubkey_address": "VARCHAR", "value": "UBIGINT"}}]')) AS u(vin)
),
outputs AS (
    SELECT t.txid, u.vout.scriptpubkey_address AS address, u.vout.value AS sats
    FROM txs t, unnest(from_json(t.payload->'vout', '[{"scriptpubkey_address": "VARCHAR", "value": "UBIGINT"}]')) AS u(vout)
),
spent AS (
    SELECT i.txid, coalesce(sum(i.sats) FILTER (o.address IS NOT NULL), 0)::HUGEINT AS own_in,
           bool_and(o.address IS NOT NULL) AS funded_all
    FROM inputs i LEFT JOIN own o USING (address)
    GROUP BY i.txid
),
received AS (
    SELECT u.txid, coalesce(sum(u.sats) FILTER (o.address IS NOT NULL), 0)::HUGEINT AS own_out
    FROM outputs u LEFT JOIN own o USING (address)
    GROUP BY u.txid
),
netted AS (
    SELECT t.txid, t.occurred_at, t.coinbase, s.own_in, r.own_out,
           s.own_in > 0 AND s.funded_all AS wallet_pays_fee,
           CASE WHEN wallet_pays_fee THEN (t.payload->>'fee')::HUGEINT ELSE 0 END AS fee,
           r.own_out - s.own_in + fee AS net  -- what the wallet gained (> 0) or sent away (< 0) besides the fee
    FROM txs t JOIN spent s USING (txid) JOIN received r USING (txid)
),
booked AS (
    SELECT *,
           CASE WHEN net > 0 AND coinbase THEN 'Mining' WHEN net > 0 THEN 'Deposit' WHEN net < 0 THEN 'Withdrawal' ELSE 'Fee' END AS label,
           (CASE WHEN net < 0 THEN -net END)::DECIMAL(38,0) * 0.00000001 AS outgoing,
           (CASE WHEN net > 0 THEN net END)::DECIMAL(38,0) * 0.00000001 AS incoming,
           (CASE WHEN fee > 0 THEN fee END)::DECIMAL(38,0) * 0.00000001 AS fee_coins
    FROM netted
    WHERE net <> 0 OR fee > 0
)
SELECT $integration_id || ':' || txid AS tx_id,
       $integration_id AS integration_id,
       occurred_at,
       label,
       'synced' AS origin,
       CASE WHEN outgoing IS NOT NULL THEN coin.symbol END AS outgoing_asset,
       CASE WHEN outgoing IS NOT NULL THEN coin.asset_id END AS outgoing_asset_id,
       outgoing::DECIMAL(38,18) AS outgoing_amount,
       CASE WHEN incoming IS NOT NULL THEN coin.symbol END AS incoming_asset,
       CASE WHEN incoming IS NOT NULL THEN coin.asset_id END AS incoming_asset_id,
       incoming::DECIMAL(38,18) AS incoming_amount,
       CASE WHEN fee_coins IS NOT NULL THEN coin.symbol END AS fee_asset,
       CASE WHEN fee_coins IS NOT NULL THEN coin.asset_id END AS fee_asset_id,
       fee_coins::DECIMAL(38,18) AS fee_amount,
       txid AS external_id,
       CASE WHEN label = 'Fee' THEN 'move between own addresses: only the fee was paid'
            WHEN NOT wallet_pays_fee AND own_in > 0 THEN 'others funded part of the inputs: the fee is not booked to this wallet'
       END AS comment
FROM booked, coin
