-- Replace what an incremental build of $integration_id re-normalized (build_new, pipelines/sync/build.py):
-- the rows the new ones replace by tx_id, the stale rows of the re-normalized groups (build_stale),
-- and every manual row (the build inserts them again: they are few, and their duplicate marks must be
-- what a full build makes). Each replaced id goes to build_changed for the ledger entries.
INSERT INTO build_changed
SELECT $integration_id, tx_id FROM build_new
UNION ALL
SELECT $integration_id, tx_id FROM build_stale
UNION ALL
SELECT $integration_id, tx_id FROM core.transactions WHERE integration_id = $integration_id AND origin = 'manual';

DELETE FROM core.transactions
WHERE integration_id = $integration_id
  AND tx_id IN (SELECT tx_id FROM build_changed WHERE integration_id = $integration_id);

INSERT INTO core.transactions SELECT * FROM build_new;
