-- What an incremental build of Kraken integration $integration_id re-normalizes: every ledger refid
-- that a record fetched after $watermark belongs to (a ledger entry by its refid; a deposit or
-- withdrawal, which adds the on-chain txid, by its source id, the refid), with all of that refid's
-- records, old and new: the legs of one trade or transfer can land in different syncs. One refid is
-- one transaction whose id stays, so the new rows replace the old by tx_id. A new currency that maps
-- an id to another code can change any transaction: NULL asks for a full build.
CREATE OR REPLACE TEMP TABLE build_groups AS
SELECT DISTINCT CASE
           WHEN stream = 'currencies' AND (payload ->> 'code') IS DISTINCT FROM source_id THEN NULL
           WHEN stream = 'ledger' THEN payload ->> 'refid'
           ELSE source_id
       END AS group_key
FROM raw.records
WHERE integration_id = $integration_id AND fetched_at > $watermark AND stream IN ('currencies', 'ledger', 'deposits', 'withdrawals');

CREATE OR REPLACE TEMP TABLE build_scoped AS
SELECT * FROM raw.records
WHERE integration_id = $integration_id
  AND (stream = 'currencies'
       OR (stream IN ('deposits', 'withdrawals') AND source_id IN (SELECT group_key FROM build_groups))
       OR (stream = 'ledger' AND payload ->> 'refid' IN (SELECT group_key FROM build_groups)));

CREATE OR REPLACE TEMP TABLE build_stale AS
SELECT NULL::VARCHAR AS tx_id WHERE false;
