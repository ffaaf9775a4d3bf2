-- Whether the integrations rebuilt in full (build_rebuilt) are every registered one, so that their
-- ledger entries are the whole ledger (pipelines/sync/build.py, `_rebuilt_entries`). Run only when
-- build/rebuilt_counts.sql found as many rebuilt integrations as registered ones.
SELECT NOT EXISTS (SELECT integration_id FROM app.integrations EXCEPT SELECT integration_id FROM build_rebuilt);
