-- One round of marking manual transactions of $integration_id that duplicate a synced one. Runs in
-- the `transactions` build step after core.transactions holds both origins. A pair matches on the
-- same exchange id / tx hash (external_id), else on the same assets with amounts within the fee
-- tolerance and times within the window of app.duplicate_rules. Each round takes only mutual best
-- pairs (a manual row's best synced twin whose own best manual row is that one; an id match beats
-- an amount match, then the same assets, then the nearest time), so one synced
-- transaction supersedes at most one manual transaction; the caller repeats until nothing is new.
-- Manual rows marked before (restored ones included) are never marked again.
INSERT INTO app.superseded_manual (manual_id, integration_id, synced_tx_id, reason, marked_at)
WITH rule AS (
        SELECT r.time_window_seconds AS window_seconds, r.relative_tolerance AS tolerance
        FROM app.duplicate_rules r JOIN app.integrations i ON r.kind = i.kind AND r.provider IN (i.provider, '*')
        WHERE i.integration_id = $integration_id
        ORDER BY (r.provider <> '*') DESC LIMIT 1
     ),
     m AS (
        SELECT * FROM core.transactions
        WHERE integration_id = $integration_id AND origin = 'manual'
          AND tx_id NOT IN (SELECT manual_id FROM app.superseded_manual WHERE integration_id = $integration_id)
     ),
     s AS (
        SELECT * FROM core.transactions
        WHERE integration_id = $integration_id AND origin = 'synced'
          AND tx_id NOT IN (SELECT synced_tx_id FROM app.superseded_manual
                            WHERE integration_id = $integration_id AND restored_at IS NULL)
     ),
     by_id AS (
        SELECT m.tx_id AS manual_id, s.tx_id AS synced_tx_id, 'external_id' AS reason,
               abs(epoch(m.occurred_at) - epoch(s.occurred_at)) AS seconds_apart,
               m.outgoing_asset_id IS NOT DISTINCT FROM s.outgoing_asset_id
                   AND m.incoming_asset_id IS NOT DISTINCT FROM s.incoming_asset_id AS same_assets
        FROM m JOIN s ON lower(trim(m.external_id)) = lower(trim(s.external_id))
     ),
     by_amount AS (
        SELECT m.tx_id AS manual_id, s.tx_id AS synced_tx_id, 'amount_and_time' AS reason,
               abs(epoch(m.occurred_at) - epoch(s.occurred_at)) AS seconds_apart, true AS same_assets
        FROM m JOIN s
          ON coalesce(m.outgoing_asset_id, '') = coalesce(s.outgoing_asset_id, '')
         AND coalesce(m.incoming_asset_id, '') = coalesce(s.incoming_asset_id, '')
        CROSS JOIN rule
        WHERE abs(epoch(m.occurred_at) - epoch(s.occurred_at)) <= rule.window_seconds
          AND (m.outgoing_amount IS NULL OR abs(m.outgoing_amount - s.outgoing_amount)
               <= rule.tolerance * greatest(m.outgoing_amount, s.outgoing_amount)::DECIMAL(38,12)
                  + CASE WHEN m.fee_asset_id = m.outgoing_asset_id THEN m.fee_amount ELSE 0 END
                  + CASE WHEN s.fee_asset_id = s.outgoing_asset_id THEN s.fee_amount ELSE 0 END)
          AND (m.incoming_amount IS NULL OR abs(m.incoming_amount - s.incoming_amount)
               <= rule.tolerance * greatest(m.incoming_amount, s.incoming_amount)::DECIMAL(38,12)
                  + CASE WHEN m.fee_asset_id = m.incoming_asset_id THEN m.fee_amount ELSE 0 END
                  + CASE WHEN s.fee_asset_id = s.incoming_asset_id THEN s.fee_amount ELSE 0 END)
          AND (m.outgoing_amount IS NOT NULL OR m.incoming_amount IS NOT NULL)
     ),
     ranked AS (
        SELECT *,
               row_number() OVER (PARTITION BY manual_id
                                  ORDER BY reason = 'external_id' DESC, same_assets DESC, seconds_apart, synced_tx_id) AS best_for_manual,
               row_number() OVER (PARTITION BY synced_tx_id
                                  ORDER BY reason = 'external_id' DESC, same_assets DESC, seconds_apart, manual_id) AS best_for_synced
        FROM (SELECT * FROM by_id UNION ALL SELECT * FROM by_amount)
     )
SELECT manual_id, $integration_id, synced_tx_id, reason, $now
FROM ranked
WHERE best_for_manual = 1 AND best_for_synced = 1;
