-- Exchange raw records ($integration_id) as core.transactions rows (origin synced): the frame every
-- exchange shares. A provider's legs come from `normalize/exchange/<provider>.sql` where that file
-- exists (one file per first-class exchange with its own streams), else from
-- `normalize/exchange/ccxt.sql` (Binance, Kraken, Bitpanda and ccxt's unified structures of any other
-- exchange); pipelines/sync/build.py puts them in place of the legs marker below. A legs file is a list
-- of CTEs over `r` (this integration's raw records), `provider` and `codes`, ending with
-- `legs AS (...)`: tx_id, occurred_at, label, out_id, out_amount, in_id, in_amount, fee_id,
-- fee_amount, external_id, comment, in the exchange's own asset ids.
-- The final SELECT maps them to unified codes through the connector's `currencies` stream (asset and
-- asset_id are the code, e.g. BTC). Amounts are cast from the API's JSON strings straight to
-- DECIMAL(38,18).
WITH r AS NOT MATERIALIZED (
    SELECT stream, source_id, occurred_at, payload FROM build_records WHERE integration_id = $integration_id
),
provider AS (
    SELECT provider FROM app.integrations WHERE integration_id = $integration_id
),
codes AS (
    SELECT source_id AS id, payload ->> 'code' AS code FROM r WHERE stream = 'currencies'
),
/*legs*/
SELECT
    l.tx_id,
    $integration_id AS integration_id,
    l.occurred_at,
    l.label,
    'synced' AS origin,
    coalesce(co.code, l.out_id) AS outgoing_asset,
    coalesce(co.code, l.out_id) AS outgoing_asset_id,
    l.out_amount AS outgoing_amount,
    coalesce(ci.code, l.in_id) AS incoming_asset,
    coalesce(ci.code, l.in_id) AS incoming_asset_id,
    l.in_amount AS incoming_amount,
    CASE WHEN l.fee_amount <> 0 THEN coalesce(cf.code, l.fee_id) END AS fee_asset,
    CASE WHEN l.fee_amount <> 0 THEN coalesce(cf.code, l.fee_id) END AS fee_asset_id,
    CASE WHEN l.fee_amount <> 0 THEN l.fee_amount END AS fee_amount,
    l.external_id,
    l.comment
FROM legs l
LEFT JOIN codes co ON co.id = l.out_id
LEFT JOIN codes ci ON ci.id = l.in_id
LEFT JOIN codes cf ON cf.id = l.fee_id
