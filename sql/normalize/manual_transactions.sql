-- Manual transactions (origin manual) of one integration, of any kind ($integration_id), in core.transactions' column order.
-- asset_id: the symbol on exchange and manual integrations; on a wallet integration a contract
-- address becomes '<chain>:<address>' and a symbol '<chain>:<SYMBOL>' (the native asset is mapped
-- by the wallet connector's chain registry in sql/normalize/wallet_assets.sql when present).
WITH m AS (
    SELECT t.*, i.kind, i.provider
    FROM app.manual_transactions t JOIN app.integrations i USING (integration_id)
    WHERE t.integration_id = $integration_id
)
SELECT
    manual_id AS tx_id,
    integration_id,
    occurred_at,
    label,
    'manual' AS origin,
    outgoing_asset,
    asset_id(kind, provider, outgoing_asset) AS outgoing_asset_id,
    outgoing_amount,
    incoming_asset,
    asset_id(kind, provider, incoming_asset) AS incoming_asset_id,
    incoming_amount,
    fee_asset,
    asset_id(kind, provider, fee_asset) AS fee_asset_id,
    fee_amount,
    external_id,
    comment
FROM m
