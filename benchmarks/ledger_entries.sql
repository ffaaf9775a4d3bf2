-- $integrations integrations x 50 assets x 20 entries, written straight into core.ledger_entries in
-- integration order (as per-integration builds leave it). Amounts are exact DECIMAL(38,18) with 8
-- decimals, positive and negative.
INSERT INTO core.ledger_entries
SELECT 'acct' || lpad((i // 1000)::VARCHAR, 6, '0') || '-binance:tx' || (i % 1000)::VARCHAR AS tx_id,
       'acct' || lpad((i // 1000)::VARCHAR, 6, '0') || '-binance' AS integration_id,
       TIMESTAMP '2020-01-01' + INTERVAL (i % 1000) HOUR AS occurred_at,
       'A' || (i % 50)::VARCHAR AS asset_id,
       'A' || (i % 50)::VARCHAR AS asset,
       printf('%d.%08d', (hash(i) % 2000000)::BIGINT - 1000000, (hash(i + 1) % 100000000)::BIGINT)::DECIMAL(38,18),
       CASE i % 3 WHEN 0 THEN 'in' WHEN 1 THEN 'out' ELSE 'fee' END
FROM range($integrations * 1000) t(i);
