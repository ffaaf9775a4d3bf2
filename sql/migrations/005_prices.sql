CREATE SCHEMA IF NOT EXISTS prices;

CREATE TABLE IF NOT EXISTS prices.live_prices (
    asset      VARCHAR NOT NULL,
    quote      VARCHAR NOT NULL,
    price      DECIMAL(38,18) NOT NULL,
    source     VARCHAR,
    fetched_at TIMESTAMP NOT NULL,           -- UTC
    PRIMARY KEY (asset, quote)
);
