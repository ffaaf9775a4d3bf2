-- What an incremental build of Coinbase integration $integration_id re-normalizes: every link (the
-- event one transaction books: `buy.id`, `sell.id`, `trade.id` ..., an Advanced Trade fill's
-- `order_id`, else the transaction id; the same expression as normalize/exchange/coinbase.sql)
-- that a transaction fetched after $watermark belongs to, with all of that link's transactions, old
-- and new: the two accounts' rows of one buy, or the fills of one order, can land in different
-- syncs. A link is one transaction whose id stays, so the new rows replace the old by tx_id. A new
-- currency that maps an id to another code can change any transaction: NULL asks for a full build.
CREATE OR REPLACE TEMP TABLE build_links AS
SELECT source_id, stream, CASE
           WHEN payload ->> 'type' = 'advanced_trade_fill' THEN payload -> 'advanced_trade_fill' ->> 'order_id'
           ELSE coalesce(json_extract_string(payload, '$.' || (payload ->> 'type') || '.id'), source_id)
       END AS link, fetched_at > $watermark AS new
FROM raw.records
WHERE integration_id = $integration_id AND stream = 'transactions';

CREATE OR REPLACE TEMP TABLE build_groups AS
SELECT DISTINCT link AS group_key FROM build_links WHERE new
UNION ALL
SELECT NULL FROM raw.records
WHERE integration_id = $integration_id AND fetched_at > $watermark AND stream = 'currencies'
  AND (payload ->> 'code') IS DISTINCT FROM source_id;

CREATE OR REPLACE TEMP TABLE build_scoped AS
SELECT * FROM raw.records
WHERE integration_id = $integration_id
  AND (stream = 'currencies'
       OR (stream = 'transactions' AND source_id IN (
           SELECT source_id FROM build_links WHERE link IN (SELECT group_key FROM build_groups))));

CREATE OR REPLACE TEMP TABLE build_stale AS
SELECT NULL::VARCHAR AS tx_id WHERE false;
