-- Synced vs calculated per asset, with a status and a tip that says what is probably missing.
DELETE FROM marts.balance_reconciliation WHERE integration_id = $integration_id;
INSERT INTO marts.balance_reconciliation
WITH s AS (SELECT * FROM core.synced_balances WHERE integration_id = $integration_id),
     c AS (SELECT * FROM marts.calculated_balances WHERE integration_id = $integration_id),
     j AS (
        SELECT coalesce(s.integration_id, c.integration_id) AS integration_id,
               coalesce(s.asset_id, c.asset_id) AS asset_id,
               coalesce(s.asset, c.asset) AS asset,
               s.amount AS synced,
               c.amount AS calculated
        FROM s FULL OUTER JOIN c ON s.asset_id = c.asset_id
     ),
     d AS (
        SELECT *, (coalesce(calculated, 0) - coalesce(synced, 0))::DECIMAL(38,18) AS difference,
               CASE
                   WHEN coalesce(calculated, 0) = coalesce(synced, 0) THEN 'match'
                   WHEN calculated IS NULL THEN 'only_synced'
                   WHEN synced IS NULL THEN 'only_calculated'
                   ELSE 'mismatch'
               END AS status
        FROM j
     )
SELECT integration_id, asset_id, asset, synced, calculated, difference, status,
       CASE
           WHEN status = 'match' THEN NULL
           WHEN status = 'only_synced' THEN 'no_transactions'
           WHEN difference < 0 THEN 'incoming_missing'
           ELSE 'outgoing_missing'
       END AS tip_code,
       CASE
           WHEN status = 'match' THEN NULL
           WHEN status = 'only_synced' THEN
               'The source holds ' || amount_text(synced) || ' ' || asset
               || ' but there are no transactions for it: import its history.'
           WHEN difference < 0 THEN
               'Calculated balance is ' || amount_text(-difference) || ' ' || asset
               || ' below the synced balance: incoming history (deposits, purchases, rewards) is probably missing.'
           ELSE
               'Calculated balance is ' || amount_text(difference) || ' ' || asset
               || ' above the synced balance: outgoing transactions (withdrawals, sales) or fees are probably missing.'
       END AS tip
FROM d;
