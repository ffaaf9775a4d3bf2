-- Append staged records ($staged: a Parquet file) that raw.records does not hold yet. The
-- source's own id is the dedupe key, so an overlapping window or a re-sync never doubles a row.
INSERT INTO raw.records
SELECT $integration_id, s.stream, s.source_id, s.occurred_at, s.payload::JSON, $fetched_at
FROM read_parquet($staged) s
WHERE NOT EXISTS (
    SELECT 1 FROM raw.records r
    WHERE r.integration_id = $integration_id AND r.stream = s.stream AND r.source_id = s.source_id
)
QUALIFY row_number() OVER (PARTITION BY s.stream, s.source_id ORDER BY s.occurred_at) = 1;
