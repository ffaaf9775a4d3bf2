"""live_prices: the latest price of every asset any account holds, in that account's base currency."""

import os

import dagster as dg

from pipelines.assets.partitions import WAREHOUSE_POOL
from pipelines.resources.warehouse import WarehouseResource

#: Environment variables that configure the price source when the run config leaves it empty.
EXCHANGE_ENV = "PIPELINES_PRICES_EXCHANGE"
ORIGIN_ENV = "PIPELINES_PRICES_API_ORIGIN"
DEFAULT_EXCHANGE = "kraken"


class LivePricesConfig(dg.Config):
    """`exchange`: a ccxt exchange id (default `PIPELINES_PRICES_EXCHANGE` or kraken); `api_origin`:
    rewrites its API origin (default `PIPELINES_PRICES_API_ORIGIN`; the demo and tests point it at the
    exchange imitation)."""

    exchange: str = ""
    api_origin: str = ""


@dg.op(description="Reads the held assets (a short read-only open) and fetches their tickers over the network.")
def fetch_live_prices(context: dg.OpExecutionContext, config: LivePricesConfig, warehouse: WarehouseResource) -> dict:
    """Outside the warehouse pool: the fetch (with its retries) never keeps a sync's write waiting."""
    from pipelines.connectors.exchange.prices import fetch_prices
    from pipelines.sqlfiles import sql
    from pipelines.timeutil import utc_now

    exchange = config.exchange or os.environ.get(EXCHANGE_ENV) or DEFAULT_EXCHANGE
    origin = config.api_origin or os.environ.get(ORIGIN_ENV, "")
    with warehouse.connect(read_only=True) as con:
        wanted = con.execute(sql("prices/held_assets")).fetchall()
    settings = {"api_origin": origin} if origin else {}
    prices = fetch_prices(exchange, wanted, settings, context.log) if wanted else []
    return {"exchange": exchange, "wanted": wanted, "prices": prices, "fetched_at": utc_now()}


@dg.op(pool=WAREHOUSE_POOL, description="Upserts the fetched prices in one statement (in the warehouse pool).")
def store_live_prices(context: dg.OpExecutionContext, fetched: dict, warehouse: WarehouseResource) -> dg.Output:
    import pyarrow as pa

    from pipelines.sqlfiles import sql

    prices, wanted, exchange = fetched["prices"], fetched["wanted"], fetched["exchange"]
    if prices:
        new_prices = pa.table({
            "asset": [p.asset for p in prices], "quote": [p.quote for p in prices],
            "price": pa.array([p.price for p in prices], pa.decimal128(38, 18)),
            "source": [p.source for p in prices], "fetched_at": [fetched["fetched_at"]] * len(prices),
        })
        with warehouse.connect() as con:
            con.register("new_prices", new_prices)
            con.execute(sql("prices/upsert"))
    missing = sorted({f"{a}/{q}" for a, q in wanted} - {f"{p.asset}/{p.quote}" for p in prices})
    context.log.info(f"live prices from {exchange}: {len(prices)} priced, {len(missing)} without a market")
    return dg.Output(None, metadata={
        "exchange": exchange, "priced": len(prices), "without_price": ", ".join(missing) or "none",
        "prices": dg.MetadataValue.md("| asset | quote | price | source |\n|---|---|---:|---|\n" + "\n".join(
            f"| {p.asset} | {p.quote} | {p.price.normalize():f} | {p.source} |" for p in prices) if prices else "_none_"),
    })


@dg.graph_asset(
    group_name="prices",
    kinds={"python", "duckdb"},
    # The asset's run config stays `ops: {live_prices: {config: {exchange, api_origin}}}`.
    config=dg.ConfigMapping(
        config_schema={"exchange": dg.Field(str, default_value=""), "api_origin": dg.Field(str, default_value="")},
        config_fn=lambda values: {"fetch_live_prices": {"config": values}},
    ),
    description="prices.live_prices: the latest ticker price of every held asset (synced or calculated balance) "
    "in each account's base currency, bridged through USDT or BTC when there is no direct pair.",
)
def live_prices():
    """Two steps: the network fetch outside the warehouse pool, then the write inside it, so a sync's
    write step never waits for a price source's retries."""
    return store_live_prices(fetch_live_prices())
