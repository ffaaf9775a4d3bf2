-- Reconciliation: tolerances and tip data, divergence points, transfers between own integrations,
-- and the account-wide marts (group balances, account balances, portfolio).

-- How far an exchange's synced balance may differ from the calculated one and still match: exchanges
-- leave "dust" (rounding of trade fees, converted small balances). Chains and manual integrations are
-- exact, so only exchange integrations read this table. The most specific row wins: (provider, asset)
-- over ('*', asset) over (provider, '*') over ('*', '*').
CREATE TABLE IF NOT EXISTS app.dust_tolerances (
    provider  VARCHAR NOT NULL DEFAULT '*',    -- ccxt exchange id, or '*' for any exchange
    asset     VARCHAR NOT NULL DEFAULT '*',    -- asset symbol as on the exchange, or '*' for any
    tolerance DECIMAL(38,18) NOT NULL,         -- absolute amount of the asset
    note      VARCHAR,
    PRIMARY KEY (provider, asset)
);
INSERT INTO app.dust_tolerances VALUES
    ('*', '*', 0.00000001, 'default: one satoshi-sized unit; exchanges round fees below it'),
    ('binance', 'BNB', 0.00001, 'Binance pays fees in BNB and rounds them to 8 places; small BNB dust stays'),
    ('*', 'USDT', 0.0001, 'stablecoins: sub-cent rounding of fees and conversions'),
    ('*', 'USDC', 0.0001, 'stablecoins: sub-cent rounding of fees and conversions'),
    ('*', 'EUR', 0.0001, 'fiat: exchanges round fiat to 4 places'),
    ('*', 'USD', 0.0001, 'fiat: exchanges round fiat to 4 places')
ON CONFLICT DO NOTHING;

-- Assets that are a staking / earn sub-balance of another asset (data, not code): Kraken keeps staked
-- DOT as DOT.S, opt-in rewards as .M, auto-earn as .F; Binance Simple Earn flexible positions are LD<asset>.
CREATE TABLE IF NOT EXISTS app.sub_balance_patterns (
    pattern VARCHAR PRIMARY KEY,               -- regular expression on the asset symbol
    note    VARCHAR NOT NULL
);
INSERT INTO app.sub_balance_patterns VALUES
    ('^[A-Z0-9]+\.(S|M|F|B|P)$', 'Kraken staking / earn sub-balance (e.g. DOT.S, ETH2.S, USDC.M, BTC.F)'),
    ('^ETH2(\.S)?$', 'Kraken ETH2 staking'),
    ('^LD[A-Z0-9]{2,}$', 'Binance Simple Earn flexible position (e.g. LDBTC, LDUSDT)')
ON CONFLICT DO NOTHING;

-- Every tip of a reconciliation row as JSON [{"code", "tip"}]; tip_code/tip stay the primary one.
-- `ignored` rows (probable spam tokens) are kept visible but never counted as mismatches.
ALTER TABLE marts.balance_reconciliation ADD COLUMN IF NOT EXISTS tips JSON;
ALTER TABLE marts.balance_reconciliation ADD COLUMN IF NOT EXISTS tolerance DECIMAL(38,18);
ALTER TABLE marts.balance_reconciliation ADD COLUMN IF NOT EXISTS negative_since TIMESTAMP;
ALTER TABLE marts.balance_reconciliation ADD COLUMN IF NOT EXISTS ignored BOOLEAN DEFAULT false;

-- Where a mismatched asset's history stops agreeing with the source: the first exchange ledger entry
-- whose reported running balance differs from the calculated running balance (method 'ledger_balance'),
-- or the first block where the chain's balance differs from the calculated one ('chain_balance').
CREATE TABLE IF NOT EXISTS marts.divergence_points (
    integration_id VARCHAR NOT NULL,
    asset_id       VARCHAR NOT NULL,
    method         VARCHAR NOT NULL,           -- ledger_balance | chain_balance
    divergence_at  TIMESTAMP,                  -- UTC time of the first disagreeing entry / block
    divergence_block BIGINT,                   -- chains: first block whose balance disagrees
    source_balance DECIMAL(38,18),             -- what the source reports there
    calculated     DECIMAL(38,18),             -- the calculated running balance there
    tx_before      VARCHAR,                    -- last recorded transaction that still agrees (external id)
    tx_after       VARCHAR,                    -- first recorded transaction at or after the divergence
    detail         VARCHAR,                    -- one sentence for the user
    computed_at    TIMESTAMP NOT NULL
);

-- Transfers between one's own integrations: settings per account ('*' = default for everyone).
CREATE TABLE IF NOT EXISTS app.transfer_settings (
    account_id    VARCHAR PRIMARY KEY,         -- '*' is the default
    window_hours  DECIMAL(9,3) NOT NULL,       -- deposit at most this long after the withdrawal
    max_fee_ratio DECIMAL(9,6) NOT NULL        -- deposit may be at most this fraction smaller
);
INSERT INTO app.transfer_settings VALUES ('*', 12, 0.2) ON CONFLICT DO NOTHING;

-- Pairs the user said are not one transfer; they are never matched again.
CREATE TABLE IF NOT EXISTS app.transfer_unmatches (
    withdrawal_tx_id VARCHAR NOT NULL,
    deposit_tx_id    VARCHAR NOT NULL,
    account_id       VARCHAR NOT NULL,
    unmatched_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (withdrawal_tx_id, deposit_tx_id)
);

-- A withdrawal and a deposit of the same account paired into one Transfer. Labels and pairing only:
-- balances are summed from core.ledger_entries, which matching never touches.
CREATE TABLE IF NOT EXISTS marts.transfer_matches (
    transfer_id               VARCHAR NOT NULL,   -- deterministic: md5 of both tx ids
    account_id                VARCHAR NOT NULL,
    asset                     VARCHAR NOT NULL,
    withdrawal_integration_id VARCHAR NOT NULL,
    withdrawal_tx_id          VARCHAR NOT NULL,
    withdrawal_at             TIMESTAMP NOT NULL,
    withdrawal_amount         DECIMAL(38,18) NOT NULL,
    deposit_integration_id    VARCHAR NOT NULL,
    deposit_tx_id             VARCHAR NOT NULL,
    deposit_at                TIMESTAMP NOT NULL,
    deposit_amount            DECIMAL(38,18) NOT NULL,
    fee_amount                DECIMAL(38,18) NOT NULL, -- withdrawal - deposit: the transfer fee
    tx_hash                   VARCHAR,                 -- when both sides carry the same hash
    matched_by                VARCHAR NOT NULL         -- tx_hash | amount_and_time
);

-- Account-wide balances, per group (a user's folder of integrations) and per account.
CREATE TABLE IF NOT EXISTS marts.group_balances (
    account_id   VARCHAR NOT NULL,
    group_name   VARCHAR,                      -- NULL: integrations in no group
    asset_id     VARCHAR NOT NULL,
    asset        VARCHAR NOT NULL,
    synced       DECIMAL(38,18),
    calculated   DECIMAL(38,18),
    integrations INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS marts.account_balances (
    account_id   VARCHAR NOT NULL,
    asset_id     VARCHAR NOT NULL,
    asset        VARCHAR NOT NULL,
    synced       DECIMAL(38,18),
    calculated   DECIMAL(38,18),
    integrations INTEGER NOT NULL
);

-- Holdings valued with the latest prices in the account's base currency (spam tokens left out).
CREATE TABLE IF NOT EXISTS marts.portfolio (
    account_id    VARCHAR NOT NULL,
    asset         VARCHAR NOT NULL,
    amount        DECIMAL(38,18) NOT NULL,     -- synced balance summed over the account's integrations
    base_currency VARCHAR NOT NULL,
    price         DECIMAL(38,18),              -- NULL when no price is known
    value         DECIMAL(38,18),
    price_source  VARCHAR,                     -- direct | cross:<quote> | base
    priced_at     TIMESTAMP,
    computed_at   TIMESTAMP NOT NULL
);
