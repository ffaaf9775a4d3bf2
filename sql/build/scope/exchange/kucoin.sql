-- What an incremental build of KuCoin integration $integration_id re-normalizes: every ledger group a
-- ledger row fetched after $watermark belongs to (kucoin_key of sql/normalize/exchange/kucoin.sql:
-- a trade's tradeId, a main<->trade transfer's currency, amount and moment, else the row), with all
-- of that group's rows, old and new: the two rows of one trade or transfer can land in different
-- syncs; and the ledger row a new deposit or withdrawal adds the chain to. Deposits and withdrawals
-- (a few rows) come along whole. A new
-- currency that maps an id to another code can change any transaction: NULL asks for a full build.
CREATE OR REPLACE TEMP MACRO kucoin_trade(context) AS CASE WHEN json_valid(context) THEN context ->> 'tradeId' END;

CREATE OR REPLACE TEMP MACRO kucoin_key(source_id, payload) AS
    CASE WHEN payload ->> 'bizType' ILIKE '%exchange%' AND kucoin_trade(payload ->> 'context') IS NOT NULL
             THEN 'trade:' || kucoin_trade(payload ->> 'context')
         WHEN payload ->> 'bizType' = 'Transfer'
             THEN 'transfer:' || (payload ->> 'currency') || ':' || (payload ->> 'amount') || ':' || (payload ->> 'createdAt')
         ELSE 'entry:' || source_id END;

CREATE OR REPLACE TEMP TABLE build_groups AS
SELECT DISTINCT CASE
           WHEN stream = 'currencies' AND (payload ->> 'code') IS DISTINCT FROM source_id THEN NULL
           WHEN stream = 'ledger' THEN kucoin_key(source_id, payload)
           ELSE source_id
       END AS group_key
FROM raw.records
WHERE integration_id = $integration_id AND fetched_at > $watermark AND stream IN ('currencies', 'ledger');

-- A deposit or withdrawal final only now (read again until it was) names the chain of a ledger row
-- booked earlier: that row's group too. (Ledger rows are read only when there is such a record.)
INSERT INTO build_groups
SELECT kucoin_key(source_id, payload) FROM raw.records
WHERE integration_id = $integration_id AND stream = 'ledger'
  AND EXISTS (SELECT 1 FROM raw.records WHERE integration_id = $integration_id AND fetched_at > $watermark
                                          AND stream IN ('deposits', 'withdrawals'))
  AND CASE WHEN json_valid(payload ->> 'context') THEN payload ->> 'context' ->> 'txId' END IN (
      SELECT payload ->> 'walletTxId' FROM raw.records
      WHERE integration_id = $integration_id AND fetched_at > $watermark AND stream IN ('deposits', 'withdrawals'));

CREATE OR REPLACE TEMP TABLE build_scoped AS
SELECT * FROM raw.records
WHERE integration_id = $integration_id
  AND (stream IN ('currencies', 'deposits', 'withdrawals')
       OR (stream = 'ledger' AND kucoin_key(source_id, payload) IN (SELECT group_key FROM build_groups)));

CREATE OR REPLACE TEMP TABLE build_stale AS
SELECT NULL::VARCHAR AS tx_id WHERE false;
