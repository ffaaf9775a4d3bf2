-- Replace what an incremental build of $integration_id re-normalized (build_new, pipelines/sync/build.py):
-- the rows the new ones replace by tx_id, the stale rows of the re-normalized groups (build_stale),
-- and every manual row (the build inserts them again: they are few, and their duplicate marks must be
-- what a full build makes). What leaves goes to build_removed, what arrives to build_added, for the
-- ledger entries.
-- (Two statements, not one OR: each is a plain filter or semi join, a third faster.)
INSERT INTO build_removed
SELECT integration_id, tx_id FROM core.transactions
WHERE integration_id = $integration_id AND origin = 'manual';

INSERT INTO build_removed
SELECT integration_id, tx_id FROM core.transactions
WHERE integration_id = $integration_id AND origin = 'synced'
  AND tx_id IN (SELECT tx_id FROM build_new UNION ALL SELECT tx_id FROM build_stale);

DELETE FROM core.transactions
WHERE integration_id = $integration_id
  AND tx_id IN (SELECT tx_id FROM build_removed WHERE integration_id = $integration_id);

INSERT INTO core.transactions SELECT * FROM build_new;

INSERT INTO build_added SELECT * FROM build_new;
