-- Every asset some account holds (synced or calculated balance, active integrations), with the
-- account's base currency as the quote to price it in. The base currency itself needs no price.
SELECT DISTINCT upper(h.asset) AS asset, a.base_currency AS quote
FROM (
    SELECT integration_id, asset FROM core.synced_balances WHERE amount <> 0
    UNION
    SELECT integration_id, asset FROM marts.calculated_balances WHERE amount <> 0
) h
JOIN app.integrations i USING (integration_id)
JOIN app.accounts a USING (account_id)
WHERE i.archived_at IS NULL AND upper(h.asset) <> a.base_currency
ORDER BY 1, 2
