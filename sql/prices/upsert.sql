-- Keep only the latest price per asset and quote (new_prices: an Arrow table of asset, quote, price, source, fetched_at).
INSERT INTO prices.live_prices
SELECT asset, quote, price::DECIMAL(38,18), source, fetched_at FROM new_prices
ON CONFLICT (asset, quote) DO UPDATE SET price = excluded.price, source = excluded.source, fetched_at = excluded.fetched_at
