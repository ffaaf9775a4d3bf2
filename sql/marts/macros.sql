-- Macros of the account-wide marts (loaded before they are built).

-- The chain transaction hash inside an external id ('0xabc...', '0xabc...:3', 'abc...'), lower case
-- without 0x; NULL when the id is an exchange's own id. Lets an exchange withdrawal's txid meet the
-- wallet deposit's hash.
CREATE OR REPLACE TEMP MACRO tx_hash(external_id) AS
    nullif(regexp_extract(lower(external_id), '^(0x)?([0-9a-f]{64})', 2), '');
