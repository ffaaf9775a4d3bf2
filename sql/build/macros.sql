-- asset_id for an asset a user typed: unique where symbols are not (see DESIGN.md).
CREATE OR REPLACE TEMP MACRO asset_id(kind, provider, asset) AS
    CASE
        WHEN asset IS NULL THEN NULL
        -- the chain's native asset (ETH on ethereum), as the wallet connector's 'chain' record names it
        WHEN kind = 'wallet' AND upper(asset) IN (SELECT upper(native_symbol) FROM raw.wallet_chains WHERE chain = provider)
            THEN provider || ':native'
        WHEN kind = 'wallet' AND lower(asset) LIKE '0x%' THEN provider || ':' || lower(asset)
        -- a token the chain's wallets have seen, typed in any letter case: its id as the chain spells
        -- it (a base58 Tron contract or Solana mint is case-sensitive: EVM contracts are the 0x above)
        WHEN kind = 'wallet' AND lower(asset) IN (SELECT lower(contract) FROM raw.token_facts WHERE chain = provider)
            THEN (SELECT min(asset_id) FROM raw.token_facts WHERE chain = provider AND lower(contract) = lower(asset))
        -- a contract id not seen yet, kept as typed: 32 to 44 base58 characters (a symbol never is,
        -- 40 hex digits without 0x stay a symbol, as before)
        WHEN kind = 'wallet' AND regexp_full_match(asset, '[1-9A-HJ-NP-Za-km-z]{32,44}')
             AND NOT regexp_full_match(asset, '[0-9a-fA-F]{40}') THEN provider || ':' || asset
        WHEN kind = 'wallet' THEN provider || ':' || upper(asset)
        ELSE upper(asset)
    END;

-- An exact amount as text without trailing zeros (1.500000000000000000 -> 1.5).
CREATE OR REPLACE TEMP MACRO amount_text(x) AS
    CASE WHEN x IS NULL THEN NULL ELSE rtrim(rtrim(x::VARCHAR, '0'), '.') END;
