-- A Tron wallet integration's confirmed history ($integration_id) as core.transactions rows.
-- TRX moves with TransferContract (`amount`) and with contract calls (`call_value`), only when the
-- transaction succeeded; TRC-20 tokens move with the transfers of stream 'trc20_transfers'. Per
-- transaction the wallet's movements of each asset are netted: one asset out and one in is a
-- Trade, every other movement a Deposit or Withdrawal. Other contracts (staking TRX with
-- FreezeBalanceV2 and taking it back, delegating resources, voting) keep the TRX the wallet's own
-- and book only their fee. The TRX the wallet burnt for bandwidth and
-- energy (and to activate new accounts), `ret[0].fee`, is its fee whenever the wallet sent the
-- transaction, also when the call failed (REVERT, OUT_OF_ENERGY): then only the fee is booked.
-- `/transactions` names accounts in hex (41...), the TRC-20 history in base58: stream 'addresses'
-- holds both forms. Integers become exact decimals by placing the decimal point in their digits.
WITH own AS (
    SELECT payload->>'address' AS base58, lower(payload->>'hex') AS hex
    FROM build_records WHERE integration_id = $integration_id AND stream = 'addresses'
),
txs AS (
    SELECT source_id AS txid, occurred_at,
           payload->'raw_data'->'contract'->0->>'type' AS type,
           payload->'raw_data'->'contract'->0->'parameter'->'value' AS value,
           payload->'ret'->0->>'contractRet' AS result,
           coalesce(TRY_CAST(payload->'ret'->0->>'fee' AS UBIGINT),
                    coalesce(TRY_CAST(payload->>'net_fee' AS UBIGINT), 0) + coalesce(TRY_CAST(payload->>'energy_fee' AS UBIGINT), 0)) AS fee
    FROM build_records WHERE integration_id = $integration_id AND stream = 'transactions'
),
moves AS (
    SELECT t.txid, t.occurred_at, 'tron:native' AS asset_id, 'TRX' AS asset, 6 AS decimals,
           coalesce(TRY_CAST(coalesce(t.value->>'amount', t.value->>'call_value') AS HUGEINT), 0)
             * ((lower(coalesce(t.value->>'to_address', t.value->>'contract_address')) = o.hex)::INTEGER
                - (lower(t.value->>'owner_address') = o.hex)::INTEGER) AS units
    FROM txs t, own o
    WHERE t.result = 'SUCCESS' AND t.type IN ('TransferContract', 'TriggerSmartContract')
    UNION ALL
    SELECT split_part(r.source_id, ':', 1), r.occurred_at, m.asset_id, m.symbol, m.decimals,
           TRY_CAST(r.payload->>'value' AS HUGEINT)
             * ((r.payload->>'to' = o.base58)::INTEGER - (r.payload->>'from' = o.base58)::INTEGER)
    FROM build_records r, own o, raw.token_metadata m
    WHERE r.integration_id = $integration_id AND r.stream = 'trc20_transfers'
      AND m.integration_id = $integration_id AND m.contract = r.payload->'token_info'->>'address'
      AND TRY_CAST(r.payload->>'value' AS HUGEINT) < 10000000000000000000000000000000000  -- 10^34: only spam is larger
),
legs AS (
    SELECT txid, min(occurred_at) AS occurred_at, asset_id, any_value(asset) AS asset, any_value(decimals) AS decimals,
           sum(units) AS net
    FROM moves GROUP BY txid, asset_id HAVING sum(units) <> 0
),
scaled AS (
    SELECT *, lpad(abs(net)::VARCHAR, greatest(length(abs(net)::VARCHAR), decimals + 1)::INTEGER, '0') AS digits,
           (left(digits, length(digits) - decimals) || '.' || right(digits, decimals))::DECIMAL(38,18) AS amount
    FROM legs
),
trades AS (
    SELECT txid FROM scaled GROUP BY txid HAVING count(*) FILTER (net > 0) = 1 AND count(*) FILTER (net < 0) = 1
),
movements AS (
    SELECT txid, 'trade' AS leg, min(occurred_at) AS occurred_at, 'Trade' AS label,
           any_value(asset) FILTER (net < 0) AS outgoing_asset, any_value(asset_id) FILTER (net < 0) AS outgoing_asset_id,
           any_value(amount) FILTER (net < 0) AS outgoing_amount,
           any_value(asset) FILTER (net > 0) AS incoming_asset, any_value(asset_id) FILTER (net > 0) AS incoming_asset_id,
           any_value(amount) FILTER (net > 0) AS incoming_amount
    FROM scaled WHERE txid IN (SELECT txid FROM trades) GROUP BY txid
    UNION ALL
    SELECT txid, asset_id || CASE WHEN net > 0 THEN ':in' ELSE ':out' END, occurred_at,
           CASE WHEN net > 0 THEN 'Deposit' ELSE 'Withdrawal' END,
           CASE WHEN net < 0 THEN asset END, CASE WHEN net < 0 THEN asset_id END, CASE WHEN net < 0 THEN amount END,
           CASE WHEN net > 0 THEN asset END, CASE WHEN net > 0 THEN asset_id END, CASE WHEN net > 0 THEN amount END
    FROM scaled WHERE txid NOT IN (SELECT txid FROM trades)
),
fees AS (
    SELECT t.txid, t.occurred_at, t.result, t.fee::DECIMAL(38,0) * 0.000001 AS amount
    FROM txs t, own o
    WHERE lower(t.value->>'owner_address') = o.hex AND t.fee > 0
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY txid ORDER BY outgoing_asset_id NULLS LAST, leg) AS position FROM movements
),
rows AS (
    SELECT r.txid, r.leg, r.occurred_at, r.label,
           r.outgoing_asset, r.outgoing_asset_id, r.outgoing_amount, r.incoming_asset, r.incoming_asset_id, r.incoming_amount,
           f.amount AS fee_amount,
           NULL AS comment  -- a token's verdict lives in raw.token_metadata, never in the rows (as for EVM wallets)
    FROM ranked r LEFT JOIN fees f ON f.txid = r.txid AND r.position = 1
    UNION ALL
    SELECT txid, 'fee', occurred_at, 'Fee', NULL, NULL, NULL, NULL, NULL, NULL, amount,
           CASE WHEN result <> 'SUCCESS' THEN 'failed contract call (' || result || '): only the fee was paid' END
    FROM fees WHERE txid NOT IN (SELECT txid FROM movements)
)
SELECT $integration_id || ':' || txid || ':' || leg AS tx_id,
       $integration_id AS integration_id,
       occurred_at,
       label,
       'synced' AS origin,
       outgoing_asset, outgoing_asset_id, outgoing_amount,
       incoming_asset, incoming_asset_id, incoming_amount,
       CASE WHEN fee_amount IS NOT NULL THEN 'TRX' END AS fee_asset,
       CASE WHEN fee_amount IS NOT NULL THEN 'tron:native' END AS fee_asset_id,
       fee_amount::DECIMAL(38,18) AS fee_amount,
       txid AS external_id,
       comment
FROM rows
