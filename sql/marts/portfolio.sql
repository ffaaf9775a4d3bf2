-- Holdings valued in the account's base currency with the latest prices (prices.live_prices).
-- The amount is the synced balance (what the sources say is held; for manual integrations the
-- calculated one), summed per asset symbol over the account's active integrations, spam tokens
-- left out (unverified ones stay, valued only where a price exists). Price: the asset is the base currency (1), else a direct asset/base price, else a cross
-- rate through a common quote (asset/Q divided by base/Q, the freshest pair of quotes; DuckDB
-- divides decimals as doubles, so a cross rate has ~15 significant digits). The value is a
-- valuation, not a tax amount: it is computed from the amount at 8 and the price at 10 decimals.
DELETE FROM marts.portfolio;
INSERT INTO marts.portfolio
WITH holdings AS (
        SELECT a.account_id, upper(r.asset) AS asset, sum(r.synced)::DECIMAL(38,18) AS amount, a.base_currency
        FROM marts.balance_reconciliation r
        JOIN app.integrations i USING (integration_id)
        JOIN app.accounts a ON a.account_id = i.account_id
        WHERE i.archived_at IS NULL AND r.synced IS NOT NULL
          AND NOT coalesce(r.ignored, false)  -- the integration's own spam verdict
        GROUP BY a.account_id, upper(r.asset), a.base_currency
        HAVING sum(r.synced) <> 0
     ),
     p AS (SELECT upper(asset) AS asset, upper(quote) AS quote, price, fetched_at FROM prices.live_prices WHERE price > 0),
     priced AS (
        SELECT h.*,
               CASE WHEN h.asset = h.base_currency THEN 1::DECIMAL(38,18) ELSE direct.price END AS direct_price,
               CASE WHEN h.asset = h.base_currency THEN NULL ELSE direct.fetched_at END AS direct_at,
               (SELECT (pa.price::DOUBLE / pb.price::DOUBLE, pa.quote, least(pa.fetched_at, pb.fetched_at))
                FROM p pa JOIN p pb ON pb.asset = h.base_currency AND pb.quote = pa.quote
                WHERE pa.asset = h.asset
                ORDER BY least(pa.fetched_at, pb.fetched_at) DESC, pa.quote LIMIT 1) AS cross_rate
        FROM holdings h
        LEFT JOIN p direct ON direct.asset = h.asset AND direct.quote = h.base_currency
     )
SELECT account_id, asset, amount, base_currency, price, (amount::DECIMAL(38,8) * price::DECIMAL(38,10))::DECIMAL(38,18), price_source, priced_at, now()::TIMESTAMP
FROM (
    SELECT *,
           coalesce(direct_price, cross_rate[1]::DECIMAL(38,18)) AS price,
           CASE WHEN asset = base_currency THEN 'base' WHEN direct_price IS NOT NULL THEN 'direct'
                WHEN cross_rate IS NOT NULL THEN 'cross:' || cross_rate[2] END AS price_source,
           coalesce(direct_at, cross_rate[3]) AS priced_at
    FROM priced
);
