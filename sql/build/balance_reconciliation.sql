-- Synced vs calculated per asset, with a status and tips that say what is probably missing.
--
-- status: match (|difference| <= tolerance) | mismatch | only_synced (no transactions for the asset)
-- | only_calculated (the source reports no balance). tolerance is 0 for wallets and manual
-- integrations; exchanges read their dust tolerance from app.dust_tolerances (most specific row).
-- tips is a JSON list of {"code", "tip"} in order of usefulness; tip_code / tip repeat the first.
-- Codes: spam_token, restored_duplicate, market_not_asked, sub_balance, hidden_by_api (Bitpanda: staking
-- and Earn are not in its classic API), history_unreachable (an API that reaches back only so far), no_transactions, negative_balance,
-- incoming_missing, outgoing_missing, unverified_token. A restored duplicate (a manual transaction
-- `restore-duplicate` counts again beside its synced twin) is counted twice; when those rows make up the
-- whole difference, the tips say so instead of sending the user after missing history.
-- token_status / token_reason are the token's verdict in this integration (raw.token_metadata, migration
-- 090; NULL for assets that are not tokens): a spam token is `ignored` (visible, never counted as a
-- mismatch); an unverified one counts like any asset.
-- For the whole batch (build_batch) at once. negative_since is where an asset's running calculated
-- balance first goes below zero; it is computed again only from the asset's first changed instant
-- (build_balance_deltas.since; the whole history of an integration rebuilt in full), since the
-- running balance before that instant is what it was: an earlier first negative instant stays.
CREATE OR REPLACE TEMP TABLE build_negative AS
WITH kept AS (
        SELECT r.integration_id, r.asset_id, r.negative_since, r.negative_balance
        FROM marts.balance_reconciliation r
        LEFT JOIN build_balance_deltas d USING (integration_id, asset_id)
        WHERE r.integration_id IN (SELECT integration_id FROM build_batch)
          AND r.integration_id NOT IN (SELECT integration_id FROM build_rebuilt)
          AND r.negative_since IS NOT NULL AND (d.since IS NULL OR r.negative_since < d.since)
     ),
     redo AS (
        SELECT d.integration_id, d.asset_id, d.since FROM build_balance_deltas d
        WHERE d.integration_id NOT IN (SELECT integration_id FROM build_rebuilt)
          AND NOT EXISTS (SELECT 1 FROM kept k WHERE k.integration_id = d.integration_id AND k.asset_id = d.asset_id)
     ),
     -- One point per instant (a trade's legs share one), from the first changed instant on.
     steps AS (
        SELECT integration_id, asset_id, occurred_at, sum(amount) AS delta
        FROM build_rebuilt_entries
        GROUP BY integration_id, asset_id, occurred_at
        UNION ALL
        SELECT l.integration_id, l.asset_id, l.occurred_at, sum(l.amount)
        FROM core.ledger_entries l JOIN redo r ON l.integration_id = r.integration_id AND l.asset_id = r.asset_id
        WHERE l.integration_id IN (SELECT integration_id FROM redo) AND l.occurred_at >= r.since
        GROUP BY l.integration_id, l.asset_id, l.occurred_at
     ),
     -- The balance before the first point is the calculated balance less every point (0 when the
     -- points are the whole history).
     running AS (
        SELECT s.integration_id, s.asset_id, s.occurred_at,
               c.amount - sum(s.delta) OVER (PARTITION BY s.integration_id, s.asset_id)
               + sum(s.delta) OVER (PARTITION BY s.integration_id, s.asset_id ORDER BY s.occurred_at) AS balance
        FROM steps s JOIN marts.calculated_balances c USING (integration_id, asset_id)
     )
SELECT * FROM kept
UNION ALL
SELECT integration_id, asset_id, min(occurred_at), arg_min(balance, occurred_at)
FROM running WHERE balance < 0
GROUP BY integration_id, asset_id;

DELETE FROM marts.balance_reconciliation WHERE integration_id IN (SELECT integration_id FROM build_batch);
INSERT INTO marts.balance_reconciliation
    (integration_id, asset_id, asset, synced, calculated, difference, status, tip_code, tip, tips,
     tolerance, negative_since, negative_balance, ignored, token_status, token_reason)
WITH integ AS (
        SELECT integration_id, kind, provider FROM app.integrations
        WHERE integration_id IN (SELECT integration_id FROM build_batch)
     ),
     s AS (SELECT * FROM core.synced_balances WHERE integration_id IN (SELECT integration_id FROM build_batch)),
     c AS (SELECT * FROM marts.calculated_balances WHERE integration_id IN (SELECT integration_id FROM build_batch)),
     restored AS (
        SELECT l.integration_id, l.asset_id, sum(l.amount) AS restored_amount, count(DISTINCT l.tx_id) AS restored_count
        FROM app.superseded_manual m
        JOIN core.transactions twin
          ON twin.tx_id = m.synced_tx_id AND twin.integration_id = m.integration_id AND twin.origin = 'synced'
        JOIN core.ledger_entries l ON l.tx_id = m.manual_id AND l.integration_id = m.integration_id
        WHERE m.integration_id IN (SELECT integration_id FROM build_batch) AND m.restored_at IS NOT NULL
        GROUP BY l.integration_id, l.asset_id
     ),
     j AS (
        SELECT coalesce(s.integration_id, c.integration_id) AS integration_id,
               coalesce(s.asset_id, c.asset_id) AS asset_id,
               coalesce(s.asset, c.asset) AS asset,
               s.amount AS synced,
               c.amount AS calculated
        FROM s FULL OUTER JOIN c ON s.integration_id = c.integration_id AND s.asset_id = c.asset_id
     ),
     d AS (
        SELECT j.*,
               (coalesce(calculated, 0) - coalesce(synced, 0))::DECIMAL(38,18) AS difference,
               CASE WHEN integ.kind = 'exchange' THEN coalesce((
                   SELECT t.tolerance FROM app.dust_tolerances t
                   WHERE t.provider IN (integ.provider, '*') AND t.asset IN (upper(j.asset), '*')
                   ORDER BY (t.asset <> '*') DESC, (t.provider <> '*') DESC LIMIT 1), 0)
                    ELSE 0 END::DECIMAL(38,18) AS tolerance,
               integ.provider, n.negative_since, n.negative_balance, r.restored_amount, r.restored_count,
               coalesce(m.is_spam, false) AS ignored, m.status AS token_status, m.reason AS token_reason,
               CASE WHEN integ.kind = 'exchange' THEN (  -- exchange naming conventions only
                   SELECT any_value(p.note) FROM app.sub_balance_patterns p
                   WHERE regexp_full_match(upper(j.asset), p.pattern)) END AS sub_balance_note
        FROM j JOIN integ USING (integration_id)
        LEFT JOIN build_negative n USING (integration_id, asset_id)
        LEFT JOIN raw.token_metadata m USING (integration_id, asset_id)
        LEFT JOIN restored r USING (integration_id, asset_id)
     ),
     st AS (
        SELECT *,
               CASE
                   WHEN abs(difference) <= tolerance THEN 'match'
                   WHEN calculated IS NULL THEN 'only_synced'
                   WHEN synced IS NULL THEN 'only_calculated'
                   ELSE 'mismatch'
               END AS status,
               coalesce(abs(difference - restored_amount) <= tolerance, false) AS restored_explains
        FROM d
     ),
     -- Binance answers trades per market: a listed market (stream listed_markets) that is neither in
     -- the trades cursor nor in the `markets` setting is asked only while both its assets turn up in
     -- a sync's balances, deposits or withdrawals. When both its assets mismatch, its trades are the
     -- likely cause.
     unasked AS (
        SELECT l.integration_id, l.payload ->> 'symbol' AS symbol, l.payload ->> 'base' AS base,
               l.payload ->> 'quote' AS quote
        FROM raw.records l
        JOIN app.integrations i USING (integration_id)
        LEFT JOIN app.sync_state c ON c.integration_id = l.integration_id AND c.stream = 'trades'
        WHERE l.integration_id IN (SELECT integration_id FROM build_batch) AND l.stream = 'listed_markets'
          AND NOT list_contains(CASE WHEN c.cursor LIKE '{%' THEN json_keys(c.cursor::JSON) ELSE [] END, l.source_id)
          AND NOT list_contains(list_transform(coalesce(from_json(i.settings -> 'markets', '["VARCHAR"]'), []),
                                               lambda m: upper(replace(m, '/', ''))), l.source_id)
     ),
     unasked_for AS (
        SELECT a.integration_id, a.asset_id, string_agg(u.symbol, ', ' ORDER BY u.symbol) AS unasked_markets
        FROM st a
        JOIN unasked u ON u.integration_id = a.integration_id AND a.asset IN (u.base, u.quote)
        JOIN st b ON b.integration_id = a.integration_id
                 AND b.asset = CASE WHEN a.asset = u.base THEN u.quote ELSE u.base END
        WHERE a.status <> 'match' AND b.status <> 'match' AND NOT a.ignored AND NOT b.ignored
        GROUP BY a.integration_id, a.asset_id
     ),
     -- The first day the exchange's API answered history for (stream api_reach, recorded by readers
     -- of APIs that reach back only so far: pipelines/connectors/exchange/base.py history_days).
     reach AS (
        SELECT integration_id, min(source_id) AS reachable_from FROM raw.records
        WHERE integration_id IN (SELECT integration_id FROM build_batch) AND stream = 'api_reach'
        GROUP BY integration_id
     ),
     t AS (
        SELECT *, list_filter([
            CASE WHEN ignored THEN {'code': 'spam_token', 'tip':
                asset || ' (' || asset_id || ') is probably a spam token (' || token_reason
                || '): it is left out of mismatches and the portfolio.'} END,
            CASE WHEN status <> 'match' AND restored_amount <> 0 THEN {'code': 'restored_duplicate', 'tip':
                amount_text(abs(restored_amount)) || ' ' || asset || ' of the calculated balance comes from '
                || restored_count || ' restored duplicate(s), each counted beside its synced twin'
                || CASE WHEN restored_explains THEN ': that is the whole difference' ELSE '' END
                || ' (see `pipelines integrations duplicates ' || integration_id || '`).'} END,
            CASE WHEN unasked_markets IS NOT NULL THEN {'code': 'market_not_asked', 'tip':
                'Trades on ' || unasked_markets || ' were probably never read: Binance answers trades per market, '
                || 'and no sync asks that one. Add it to the `markets` setting (`pipelines integrations set '
                || integration_id || ' ''markets=["' || replace(unasked_markets, ', ', '", "') || '"]''` with the markets already set).'} END,
            CASE WHEN status <> 'match' AND sub_balance_note IS NOT NULL THEN {'code': 'sub_balance', 'tip':
                asset || ' is a staking or earn sub-balance: add the staking moves (stake, unstake, rewards) '
                || 'the exchange history does not show. ' || sub_balance_note || '.'} END,
            CASE WHEN provider = 'bitpanda' AND status IN ('mismatch', 'only_calculated') AND difference > 0 THEN {'code': 'hidden_by_api', 'tip':
                'Bitpanda''s classic API shows no staking or Earn balance and no move into one: ' || amount_text(difference)
                || ' ' || asset || ' staked or in Earn would be missing from the synced balance (and rewards paid there '
                || 'from the history). Book those moves by hand (a manual integration).'} END,
            CASE WHEN status <> 'match' AND NOT ignored AND reachable_from IS NOT NULL THEN {'code': 'history_unreachable', 'tip':
                'History before ' || reachable_from || ' is not available from the ' || upper(provider[1]) || provider[2:]
                || ' API: import the exchange''s own export for it into this integration (`pipelines import --help` '
                || 'lists the formats).'} END,
            CASE WHEN status = 'only_synced' THEN {'code': 'no_transactions', 'tip':
                'The source holds ' || amount_text(synced) || ' ' || asset
                || ' but there are no transactions for it: import its history.'} END,
            CASE WHEN negative_since IS NOT NULL AND NOT restored_explains THEN {'code': 'negative_balance', 'tip':
                'The calculated ' || asset || ' balance first goes below zero on '
                || strftime(negative_since, '%Y-%m-%d %H:%M:%S') || ' UTC (' || amount_text(negative_balance)
                || '): a deposit or purchase before that moment is probably missing.'} END,
            CASE WHEN status IN ('mismatch', 'only_calculated') AND difference < 0 AND NOT restored_explains THEN {'code': 'incoming_missing', 'tip':
                'Calculated balance is ' || amount_text(-difference) || ' ' || asset
                || ' below the synced balance: incoming history (deposits, purchases, rewards) is probably missing.'} END,
            CASE WHEN status IN ('mismatch', 'only_calculated') AND difference > 0 AND NOT restored_explains THEN {'code': 'outgoing_missing', 'tip':
                'Calculated balance is ' || amount_text(difference) || ' ' || asset
                || ' above the synced balance' || CASE WHEN synced IS NULL THEN ' (the source reports none)' ELSE '' END
                || ': outgoing transactions (withdrawals, sales, conversions) or fees are probably missing.'} END,
            CASE WHEN token_status = 'unverified' THEN {'code': 'unverified_token', 'tip':
                asset || ' (' || asset_id || ') is on no token list and shows no sign of spam: it is reconciled and '
                || 'valued where a price exists. `pipelines wallets token` trusts or ignores it.'} END
        ], lambda x: x IS NOT NULL) AS tip_list
        FROM st LEFT JOIN unasked_for USING (integration_id, asset_id) LEFT JOIN reach USING (integration_id)
     )
SELECT integration_id, asset_id, asset, synced, calculated, difference, status,
       tip_list[1].code, tip_list[1].tip,
       CASE WHEN len(tip_list) > 0 THEN to_json(tip_list) END,
       tolerance, negative_since, negative_balance, ignored, token_status, token_reason
FROM t;

-- Divergence points of exchange ledgers that report a running balance (Kraken's `balance` on each
-- raw ledger entry, after amount - fee): for each mismatched asset, the first ledger entry where the
-- balance the exchange reports differs from the calculated running balance (core.ledger_entries up
-- to that moment) by more than the asset's tolerance. Raw assets that share a code (DOT and DOT.S
-- both map to DOT) are added up. Wallet divergence points come from the chain (pipelines.reconciliation.divergence).
DELETE FROM marts.divergence_points WHERE integration_id IN (SELECT integration_id FROM build_batch);
INSERT INTO marts.divergence_points
WITH mismatched AS (
        SELECT integration_id, asset_id, asset, tolerance FROM marts.balance_reconciliation
        WHERE integration_id IN (SELECT integration_id FROM build_batch) AND status <> 'match' AND NOT ignored
     ),
     codes AS (
        SELECT integration_id, source_id AS id, payload ->> 'code' AS code
        FROM raw.records WHERE integration_id IN (SELECT integration_id FROM mismatched) AND stream = 'currencies'
     ),
     ledger AS (
        SELECT l.integration_id, l.source_id AS lid, l.occurred_at, l.payload ->> 'refid' AS refid, l.payload ->> 'asset' AS raw_asset,
               coalesce(c.code, l.payload ->> 'asset') AS asset_id, (l.payload ->> 'balance')::DECIMAL(38,18) AS balance
        FROM raw.records l LEFT JOIN codes c ON c.integration_id = l.integration_id AND c.id = l.payload ->> 'asset'
        WHERE l.integration_id IN (SELECT integration_id FROM mismatched) AND l.stream = 'ledger'
          AND l.payload ->> 'balance' IS NOT NULL
     ),
     -- Each entry changes its raw asset's reported balance by (balance - previous balance); summing
     -- those changes per code gives the code's reported balance after every entry. A missing entry
     -- shows only at the next entry of its own raw asset (a lost DOT.S reward at the next DOT.S
     -- entry, not at a DOT entry), so the window before an entry starts at the previous entry of
     -- the same raw asset.
     deltas AS (
        SELECT *, balance - coalesce(lag(balance) OVER raw_order, 0) AS delta,
               lag(lid || ' (refid ' || coalesce(refid, '?') || ')') OVER raw_order AS raw_before,
               lag(occurred_at) OVER raw_order AS raw_before_at
        FROM ledger SEMI JOIN mismatched USING (integration_id, asset_id)
        WINDOW raw_order AS (PARTITION BY integration_id, raw_asset ORDER BY occurred_at, lid)
     ),
     reported AS (
        SELECT *, sum(delta) OVER (PARTITION BY integration_id, asset_id ORDER BY occurred_at, lid) AS reported FROM deltas
     ),
     -- One point per code and instant, after every entry of that instant; its window starts at the
     -- earliest previous entry (at an earlier instant) of the raw assets booked in that instant.
     points AS (
        SELECT integration_id, asset_id, occurred_at, arg_max(reported, lid) AS reported,
               string_agg(lid || ' (refid ' || coalesce(refid, '?') || ')', ', ' ORDER BY lid) AS entries,
               arg_min(raw_before, raw_before_at) FILTER (WHERE raw_before_at < occurred_at) AS entries_before
        FROM reported GROUP BY integration_id, asset_id, occurred_at
     ),
     calc AS (
        SELECT integration_id, asset_id, occurred_at,
               sum(amount) OVER (PARTITION BY integration_id, asset_id ORDER BY occurred_at) AS running
        FROM (SELECT integration_id, asset_id, occurred_at, sum(amount) AS amount FROM core.ledger_entries
              WHERE integration_id IN (SELECT integration_id FROM points) GROUP BY integration_id, asset_id, occurred_at)
     ),
     compared AS (
        SELECT p.*, coalesce(c.running, 0)::DECIMAL(38,18) AS calculated, m.asset, m.tolerance
        FROM points p
        JOIN mismatched m USING (integration_id, asset_id)
        ASOF LEFT JOIN calc c
          ON c.integration_id = p.integration_id AND c.asset_id = p.asset_id AND c.occurred_at <= p.occurred_at
     ),
     first_disagreement AS (
        SELECT * FROM compared WHERE abs(reported - calculated) > tolerance
        QUALIFY row_number() OVER (PARTITION BY integration_id, asset_id ORDER BY occurred_at) = 1
     )
SELECT integration_id, asset_id, 'ledger_balance', occurred_at, NULL, reported, calculated,
       entries_before, entries,
       'The exchange ledger first disagrees on ' || strftime(occurred_at, '%Y-%m-%d %H:%M:%S') || ' UTC at entry '
       || entries || ': it reports ' || amount_text(reported) || ' ' || asset || ', the calculated balance is '
       || amount_text(calculated) || '. Look for a transaction missing or wrong '
       || CASE WHEN entries_before IS NULL THEN 'before that entry (it is the first one).'
               ELSE 'between entry ' || entries_before || ' and that entry.' END,
       now()::TIMESTAMP
FROM first_disagreement;
