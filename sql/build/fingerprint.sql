-- Everything besides raw.records that $integration_id's transactions depend on, as one hash: its
-- registry row (kind, provider, settings), its manual transactions, its superseded marks and the
-- duplicate rules. Order-free (bit_xor of row hashes); any edit, addition or deletion changes it (a
-- DuckDB upgrade that changed hash() would only cost each integration one full build).
SELECT hash(
    (SELECT hash(kind, provider, settings) FROM app.integrations WHERE integration_id = $integration_id),
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(m)), 0) FROM app.manual_transactions m WHERE integration_id = $integration_id),
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(manual_id, synced_tx_id, reason, restored_at)), 0)
     FROM app.superseded_manual WHERE integration_id = $integration_id),
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(d)), 0) FROM app.duplicate_rules d)
)
