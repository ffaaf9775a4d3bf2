-- One round of transfer matching: pairs of (withdrawal, deposit) of the same account in different
-- integrations that are each other's best candidate and are not matched yet. The caller repeats the
-- round until it adds nothing, so a pair blocked by a better one can still match the next-best.
--
-- A pair qualifies when: same asset symbol, neither side a probable spam token, the deposit happens
-- at or after the withdrawal and within the account's window, the deposit is not larger than the
-- withdrawal and at most max_fee_ratio smaller, the tx hashes are equal where both sides have one,
-- and the user did not unmatch the pair (app.transfer_unmatches). Equal hashes rank first, then the
-- shortest delay, then the smallest fee.
INSERT INTO marts.transfer_matches
WITH tx AS (
        SELECT t.*, i.account_id, tx_hash(t.external_id) AS hash
        FROM core.transactions t JOIN app.integrations i USING (integration_id)
        WHERE i.archived_at IS NULL
     ),
     matched AS (
        SELECT withdrawal_tx_id AS tx_id FROM marts.transfer_matches
        UNION ALL SELECT deposit_tx_id FROM marts.transfer_matches
     ),
     -- each integration's own spam verdicts: another integration's (or account's) never count
     spam AS (SELECT integration_id, asset_id FROM marts.balance_reconciliation WHERE ignored),
     settings AS (
        SELECT a.account_id, coalesce(s.window_hours, dflt.window_hours) AS window_hours,
               (coalesce(s.max_fee_ratio, dflt.max_fee_ratio) * 1000000)::BIGINT AS max_fee_ppm
        FROM app.accounts a
        LEFT JOIN app.transfer_settings s ON s.account_id = a.account_id
        CROSS JOIN (SELECT * FROM app.transfer_settings WHERE account_id = '*') dflt
     ),
     w AS (
        SELECT tx.*, st.max_fee_ppm,
               tx.occurred_at + to_microseconds((st.window_hours * 3600000000)::BIGINT) AS deadline
        FROM tx JOIN settings st USING (account_id)
        WHERE label = 'Withdrawal' AND outgoing_amount > 0 AND incoming_amount IS NULL
          AND tx_id NOT IN (SELECT tx_id FROM matched)
          AND NOT EXISTS (SELECT 1 FROM spam s WHERE s.integration_id = tx.integration_id AND s.asset_id = tx.outgoing_asset_id)
     ),
     d AS (
        SELECT * FROM tx
        WHERE label = 'Deposit' AND incoming_amount > 0 AND outgoing_amount IS NULL
          AND tx_id NOT IN (SELECT tx_id FROM matched)
          AND NOT EXISTS (SELECT 1 FROM spam s WHERE s.integration_id = tx.integration_id AND s.asset_id = tx.incoming_asset_id)
     ),
     pairs AS (
        SELECT w.account_id, upper(w.outgoing_asset) AS asset,
               w.integration_id AS w_integration, w.tx_id AS w_tx, w.occurred_at AS w_at, w.outgoing_amount AS w_amount,
               d.integration_id AS d_integration, d.tx_id AS d_tx, d.occurred_at AS d_at, d.incoming_amount AS d_amount,
               CASE WHEN w.hash = d.hash THEN w.hash END AS hash
        FROM w
        JOIN d ON d.account_id = w.account_id AND d.integration_id <> w.integration_id
              AND upper(d.incoming_asset) = upper(w.outgoing_asset)
              AND d.occurred_at >= w.occurred_at AND d.occurred_at <= w.deadline
              AND d.incoming_amount <= w.outgoing_amount
        WHERE (w.hash IS NULL OR d.hash IS NULL OR w.hash = d.hash)
          AND (w.outgoing_amount - d.incoming_amount) * 1000000 <= w.outgoing_amount * w.max_fee_ppm
          AND NOT EXISTS (SELECT 1 FROM app.transfer_unmatches u
                          WHERE u.withdrawal_tx_id = w.tx_id AND u.deposit_tx_id = d.tx_id)
     ),
     ranked AS (
        SELECT *,
               row_number() OVER (PARTITION BY w_tx ORDER BY hash IS NULL, d_at - w_at, w_amount - d_amount, d_tx) AS w_rank,
               row_number() OVER (PARTITION BY d_tx ORDER BY hash IS NULL, d_at - w_at, w_amount - d_amount, w_tx) AS d_rank
        FROM pairs
     )
SELECT md5(w_tx || '|' || d_tx), account_id, asset, w_integration, w_tx, w_at, w_amount,
       d_integration, d_tx, d_at, d_amount, (w_amount - d_amount)::DECIMAL(38,18), hash,
       CASE WHEN hash IS NOT NULL THEN 'tx_hash' ELSE 'amount_and_time' END
FROM ranked
WHERE w_rank = 1 AND d_rank = 1;
