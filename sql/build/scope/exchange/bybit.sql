-- What an incremental build of Bybit integration $integration_id re-normalizes: every record fetched
-- after $watermark, and with a spot trade's row of the unified ledger every other row of that
-- tradeId, old or new (one trade is one transaction built from its rows, one per currency; they
-- share a transactionTime, so a sync stores them together, but nothing here relies on that). Every
-- other record is a transaction of its own, whose id stays: the new rows replace the old by tx_id
-- and nothing is stale. A new currency that maps an id to another code can change any transaction:
-- NULL asks for a full build.
CREATE OR REPLACE TEMP TABLE build_groups AS
SELECT DISTINCT CASE WHEN stream = 'currencies' THEN NULL ELSE payload ->> 'tradeId' END AS group_key
FROM raw.records
WHERE integration_id = $integration_id AND fetched_at > $watermark
  AND ((stream = 'currencies' AND (payload ->> 'code') IS DISTINCT FROM source_id)
       OR (stream = 'ledger' AND payload ->> 'type' = 'TRADE' AND payload ->> 'category' = 'spot'));

CREATE OR REPLACE TEMP TABLE build_scoped AS
SELECT * FROM raw.records
WHERE integration_id = $integration_id
  AND (stream = 'currencies'
       OR (fetched_at > $watermark AND stream <> 'currencies')
       OR (stream = 'ledger' AND payload ->> 'type' = 'TRADE' AND payload ->> 'category' = 'spot'
           AND payload ->> 'tradeId' IN (SELECT group_key FROM build_groups WHERE group_key IS NOT NULL)));

CREATE OR REPLACE TEMP TABLE build_stale AS
SELECT NULL::VARCHAR AS tx_id WHERE false;
