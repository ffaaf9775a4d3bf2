-- Transactions as the user sees them: a withdrawal or deposit paired into a Transfer between two of
-- the account's integrations carries the label Transfer (original_label keeps the synced one). A view,
-- so pairing stays labels only: core.transactions and every balance are untouched.
CREATE OR REPLACE VIEW marts.labeled_transactions AS
SELECT t.* REPLACE (CASE WHEN m.transfer_id IS NOT NULL THEN 'Transfer' ELSE t.label END AS label),
       t.label AS original_label,
       m.transfer_id
FROM core.transactions t
LEFT JOIN (
    SELECT transfer_id, withdrawal_tx_id AS tx_id FROM marts.transfer_matches
    UNION ALL
    SELECT transfer_id, deposit_tx_id FROM marts.transfer_matches
) m USING (tx_id);
