-- Whether the integrations rebuilt in full (build_rebuilt) are every registered one, so that their
-- ledger entries are the whole ledger (pipelines/sync/build.py, `_rebuilt_entries`).
SELECT EXISTS (SELECT 1 FROM build_rebuilt)
       AND NOT EXISTS (SELECT integration_id FROM app.integrations EXCEPT SELECT integration_id FROM build_rebuilt);
