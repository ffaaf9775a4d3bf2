-- asset_id for an asset a user typed: unique where symbols are not (see DESIGN.md).
CREATE OR REPLACE TEMP MACRO asset_id(kind, provider, asset) AS
    CASE
        WHEN asset IS NULL THEN NULL
        -- the chain's native asset (ETH on ethereum), as the wallet connector's 'chain' record names it
        WHEN kind = 'wallet' AND upper(asset) IN (SELECT upper(native_symbol) FROM raw.wallet_chains WHERE chain = provider)
            THEN provider || ':native'
        WHEN kind = 'wallet' AND lower(asset) LIKE '0x%' THEN provider || ':' || lower(asset)
        WHEN kind = 'wallet' THEN provider || ':' || upper(asset)
        ELSE upper(asset)
    END;

-- An exact amount as text without trailing zeros (1.500000000000000000 -> 1.5).
CREATE OR REPLACE TEMP MACRO amount_text(x) AS
    CASE WHEN x IS NULL THEN NULL ELSE rtrim(rtrim(x::VARCHAR, '0'), '.') END;
