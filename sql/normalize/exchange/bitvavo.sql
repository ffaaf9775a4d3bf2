-- Legs of Bitvavo (the frame is sql/normalize/exchange.sql) from `account/history`, stream
-- `history`: each item is one transaction with what left (`sentCurrency`/`sentAmount`), what came in
-- (`receivedCurrency`/`receivedAmount`) and the fee (`feesCurrency`/`feesAmount`, charged on top).
-- Labels by type: buy/sell Trade, deposit Deposit, withdrawal Withdrawal, staking and fixed_staking
-- Staking, rebate Cashback, affiliate Income, distribution Airdrop, withdrawal_cancelled (the coins
-- and the fee coming back) Non-Taxable In; any other type a Deposit or Withdrawal by direction.
bitvavo_items AS (
    SELECT source_id, occurred_at, f[1] AS type, f[2] AS sent_id, f[3] AS sent, f[4] AS received_id, f[5] AS received,
           f[6] AS fee_id, f[7] AS fee, f[8] AS price_id, f[9] AS price
    FROM (SELECT *, json_extract_string(payload, ['type', 'sentCurrency', 'sentAmount', 'receivedCurrency',
                                                  'receivedAmount', 'feesCurrency', 'feesAmount', 'priceCurrency',
                                                  'priceAmount']) AS f
          FROM r WHERE stream = 'history')
),
legs AS (
    SELECT $integration_id || ':history:' || source_id AS tx_id, occurred_at,
           CASE
               WHEN type IN ('buy', 'sell') THEN 'Trade'
               WHEN type = 'deposit' THEN 'Deposit'
               WHEN type = 'withdrawal' THEN 'Withdrawal'
               WHEN type IN ('staking', 'fixed_staking') THEN 'Staking'
               WHEN type = 'rebate' THEN 'Cashback'
               WHEN type = 'affiliate' THEN 'Income'
               WHEN type = 'distribution' THEN 'Airdrop'
               WHEN type = 'withdrawal_cancelled' THEN 'Non-Taxable In'
               WHEN received_id IS NOT NULL THEN 'Deposit'
               WHEN sent_id IS NOT NULL THEN 'Withdrawal'
               ELSE 'Fee'
           END AS label,
           sent_id AS out_id, sent::DECIMAL(38,18) AS out_amount,
           received_id AS in_id, received::DECIMAL(38,18) AS in_amount,
           fee_id, fee::DECIMAL(38,18) AS fee_amount, source_id AS external_id,
           'bitvavo ' || type || coalesce(' at ' || price || ' ' || price_id, '') AS comment
    FROM bitvavo_items
)
