-- Append staged records ($staged: a Parquet file) that raw.records does not hold yet. The
-- source's own id is the dedupe key, so an overlapping window or a re-sync never doubles a row;
-- a record staged twice in one sync is kept once (its earliest occurred_at, NULL last, then the
-- first staged).
--
-- The payloads are read once, leaving out the row numbers in `skipped` (usually none). Keys staged
-- more than once are found by grouping a hash of the key, a number: a fraction of the cost of
-- grouping 10^6 text keys (0.3 s); only rows whose hash repeats are compared by their text keys,
-- which tells equal hashes of different keys apart. `keys` is read from the file where used, not
-- materialized: copying 10^6 text keys cost more than reading them again. A window over whole
-- rows would hold every payload in memory (1.5 GB for 10^6 records).
INSERT INTO raw.records
WITH keys AS NOT MATERIALIZED (
    SELECT file_row_number AS n, stream, source_id, coalesce(occurred_at, 'infinity'::TIMESTAMP) AS occurred,
           hash(stream, source_id) AS h
    FROM read_parquet($staged, file_row_number = true)
),
repeated AS (
    SELECT n, row_number() OVER (PARTITION BY stream, source_id ORDER BY occurred, n) AS pos
    FROM keys WHERE h IN (SELECT h FROM keys GROUP BY h HAVING count(*) > 1)
),
skipped AS (
    SELECT n FROM repeated WHERE pos > 1
    UNION ALL
    SELECT n FROM keys k WHERE EXISTS (
        SELECT 1 FROM raw.records r
        WHERE r.integration_id = $integration_id AND r.stream = k.stream AND r.source_id = k.source_id
    )
)
SELECT $integration_id, s.stream, s.source_id, s.occurred_at, s.payload::JSON, $fetched_at
FROM read_parquet($staged, file_row_number = true) s
WHERE s.file_row_number NOT IN (SELECT n FROM skipped);
