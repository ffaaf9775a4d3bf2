-- What an incremental build of exchange integration $integration_id re-normalizes (Binance and
-- ccxt's unified streams; Kraken has its own scope): the records fetched after $watermark, each a
-- trade, deposit or withdrawal of its own, with the reference streams the normalize query joins on
-- (currencies, markets) and the older trades of a market stored only now (Binance joins a trade to
-- its market). Records are never rewritten (raw.records keeps the first copy of a source id), so a
-- transaction id never disappears: the new rows replace the old by tx_id and nothing else is stale
-- (build_stale is empty). build_groups holds NULL when only a full build is exact: a new currency
-- that maps an id to another code can change any transaction. That NULL is all build_groups says
-- here (each new record is a group of its own and build_scoped takes them by $watermark), so only
-- the new currencies are read (listing every new record's key cost 7 ms per 10^4 records).
CREATE OR REPLACE TEMP TABLE build_groups AS
SELECT NULL::VARCHAR AS group_key FROM raw.records
WHERE integration_id = $integration_id AND fetched_at > $watermark AND stream = 'currencies'
  AND (payload ->> 'code') IS DISTINCT FROM source_id
LIMIT 1;

-- (Plain filters, each pushed into the scan: old payloads are never read.)
CREATE OR REPLACE TEMP TABLE build_scoped AS
SELECT * FROM raw.records
WHERE integration_id = $integration_id AND fetched_at > $watermark AND stream NOT IN ('currencies', 'markets');

INSERT INTO build_scoped
SELECT * FROM raw.records WHERE integration_id = $integration_id AND stream = 'currencies';

INSERT INTO build_scoped
SELECT * FROM raw.records WHERE integration_id = $integration_id AND stream = 'markets';

-- (The new markets come from build_scoped, whose size the planner knows: with none, no payload is read.)
INSERT INTO build_scoped
SELECT * FROM raw.records
WHERE integration_id = $integration_id AND stream = 'trades' AND fetched_at <= $watermark
  AND payload ->> 'symbol' IN (SELECT source_id FROM build_scoped WHERE stream = 'markets' AND fetched_at > $watermark);

CREATE OR REPLACE TEMP TABLE build_stale AS
SELECT NULL::VARCHAR AS tx_id WHERE false;

-- ccxt's unified ledger (exchanges without their own reader): one transaction per referenceId, so
-- the older entries of a reference that gets a new entry are normalized again with it (the legs of
-- one trade can land in different syncs). Nothing is read for an integration without new entries.
INSERT INTO build_scoped
SELECT * FROM raw.records
WHERE integration_id = $integration_id AND stream = 'ledger' AND fetched_at <= $watermark
  AND payload ->> 'referenceId' IN (SELECT payload ->> 'referenceId' FROM build_scoped WHERE stream = 'ledger');
