-- Every integration with why the daily automatic sync leaves it out (left_out NULL: it is synced).
-- Only exchange and wallet integrations of accounts whose license for $tax_year (the latest tax
-- year: the tick's year in UTC) is of a tier with auto_sync qualify; tiers are data (app.license_tiers).
SELECT
    i.integration_id,
    CASE
        WHEN i.archived_at IS NOT NULL THEN 'archived'
        WHEN i.kind NOT IN ('exchange', 'wallet') THEN i.kind || ' integration'
        WHEN l.tier IS NULL THEN 'no license for ' || $tax_year
        WHEN NOT t.auto_sync THEN l.tier || ' license (no auto sync)'
    END AS left_out
FROM app.integrations i
LEFT JOIN app.licenses l ON l.account_id = i.account_id AND l.tax_year = $tax_year
LEFT JOIN app.license_tiers t ON t.tier = l.tier
ORDER BY i.integration_id
