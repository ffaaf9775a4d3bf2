-- Replace what an incremental build of $integration_id re-normalized (its rows of build_added, pipelines/sync/build.py):
-- the rows the new ones replace by tx_id, the stale rows of the re-normalized groups (build_stale),
-- and every manual row (the build inserts them again: they are few, and their duplicate marks must be
-- what a full build makes). What leaves goes to build_removed, for the ledger entries. (The normalize
-- query writes build_added itself: a temp table of the new rows, copied to build_added, cost 9 ms per
-- 10^4 rows.)
-- (Three statements, not one OR: each is a plain filter or semi join, a third faster.)
INSERT INTO build_removed
SELECT integration_id, tx_id FROM core.transactions
WHERE integration_id = $integration_id AND origin = 'manual';

-- The scope took the stale rows from core.transactions already.
INSERT INTO build_removed
SELECT $integration_id, tx_id FROM build_stale;

-- A transaction's time is the earliest of its records' (a Kraken refid's first leg, an EVM hash's
-- first transfer) and records are never rewritten, so a row that a new one replaces is no older
-- than the new one. The bound lets the scan skip every row group of older history by its zone map
-- (all 10^6 tx_ids of the integration were read for 10^4 new rows: 36 ms, now 1 ms).
INSERT INTO build_removed
SELECT integration_id, tx_id FROM core.transactions
WHERE integration_id = $integration_id AND origin = 'synced'
  AND occurred_at >= (SELECT min(occurred_at) FROM build_added WHERE integration_id = $integration_id)
  AND tx_id IN (SELECT tx_id FROM build_added WHERE integration_id = $integration_id);

DELETE FROM core.transactions
WHERE integration_id = $integration_id
  AND tx_id IN (SELECT tx_id FROM build_removed WHERE integration_id = $integration_id);

INSERT INTO core.transactions SELECT * FROM build_added WHERE integration_id = $integration_id;
