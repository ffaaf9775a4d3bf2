-- What the statement of $integration_id's synced Binance transactions would say: Binance's
-- "Transaction History" statement has no ids, so a statement transaction is matched on its second,
-- its kind and its net change per coin. Trades are summed per second (the statement lists a trade's
-- buy, spend and fee rows under one second, several trades of a second together); deposits and
-- withdrawals are one each (a withdrawal's change includes its fee).
WITH t AS (
    SELECT tx_id, date_trunc('second', occurred_at) AS at_second, label, outgoing_asset, outgoing_amount,
           incoming_asset, incoming_amount, fee_asset, fee_amount
    FROM core.transactions
    WHERE integration_id = $integration_id AND origin = 'synced'
),
changes AS (
    SELECT tx_id, at_second, label, outgoing_asset AS coin, -outgoing_amount AS change FROM t WHERE outgoing_amount IS NOT NULL
    UNION ALL
    SELECT tx_id, at_second, label, incoming_asset, incoming_amount FROM t WHERE incoming_amount IS NOT NULL
    UNION ALL
    SELECT tx_id, at_second, label, fee_asset, -fee_amount FROM t WHERE fee_amount IS NOT NULL
)
SELECT at_second, label, CASE WHEN label = 'Trade' THEN '' ELSE tx_id END AS grp, coin, sum(change) AS change
FROM changes
GROUP BY ALL
HAVING sum(change) <> 0
ORDER BY at_second, label, grp, coin
