-- Balances per account and asset_id across all its active integrations: its groups added up
-- (each integration is in one group or none). Built after marts.group_balances.
DELETE FROM marts.account_balances;
INSERT INTO marts.account_balances
SELECT account_id, asset_id, any_value(asset), sum(synced)::DECIMAL(38,18), sum(calculated)::DECIMAL(38,18),
       sum(integrations)::INTEGER
FROM marts.group_balances
GROUP BY account_id, asset_id;
