"""live_prices: ccxt reads the imitation's public Kraken tickers for every held asset."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg

from pipelines.assets.prices import live_prices
from pipelines.imitations.exchange.kraken import PROFILE
from pipelines.registry.accounts import add_account
from pipelines.resources.warehouse import WarehouseResource
from pipelines.warehouse import connect
from tests.exchange.conftest import sync


def ticker(market: str) -> Decimal:
    """The last price the imitation's Ticker shows for a market (5 decimals, as Kraken quotes)."""
    return PROFILE.price(market).quantize(Decimal("0.00001"))


def refresh(warehouse, imitation):
    return dg.materialize(
        [live_prices], resources={"warehouse": WarehouseResource(path=str(warehouse))},
        run_config={"ops": {"live_prices": {"config": {"api_origin": imitation.url}}}},
    )


def test_held_assets_are_priced_in_each_base_currency_with_bridges(warehouse, imitation, exchange):
    kraken = exchange("kraken")
    sync(warehouse, kraken, full=True)
    with connect(warehouse) as con:
        add_account(con, "yankee", "UTC", "USD")
        con.execute("INSERT INTO marts.calculated_balances VALUES ('yankee-x', 'SOL', 'SOL', 2), ('yankee-x', 'BNB', 'BNB', 1)")
        con.execute("INSERT INTO app.integrations (integration_id, account_id, name, kind, created_at) "
                    "VALUES ('yankee-x', 'yankee', 'X', 'manual', now())")
    result = refresh(warehouse, imitation)
    assert result.success
    with connect(warehouse) as con:
        prices = {(a, q): (p, s) for a, q, p, s in con.execute(
            "SELECT asset, quote, price, source FROM prices.live_prices").fetchall()}
    assert prices[("BTC", "EUR")] == (ticker("BTC/EUR"), "kraken:BTC/EUR")
    assert prices[("DOT", "EUR")] == (ticker("DOT/EUR"), "kraken:DOT/EUR")
    # No SOL/USD market: SOL/USDT x USDT/USD, exact in Decimal.
    assert prices[("SOL", "USD")] == (ticker("SOL/USDT") * ticker("USDT/USD"), "kraken:SOL/USDT*USDT/USD")
    assert ("EUR", "EUR") not in prices and ("BNB", "USD") not in prices  # base currency; no market at all
    assert set(prices) == {("BTC", "EUR"), ("ETH", "EUR"), ("DOT", "EUR"), ("SOL", "EUR"), ("SOL", "USD")}
    materialization = result.asset_materializations_for_node("live_prices")[0]
    assert materialization.metadata["without_price"].value == "BNB/USD"


def test_a_refresh_keeps_one_row_per_asset_and_quote(warehouse, imitation, exchange):
    sync(warehouse, exchange("kraken"), full=True)
    refresh(warehouse, imitation)
    with connect(warehouse) as con:
        first = con.execute("SELECT asset, quote, price, fetched_at FROM prices.live_prices ORDER BY ALL").fetchall()
    refresh(warehouse, imitation)
    with connect(warehouse) as con:
        second = con.execute("SELECT asset, quote, price, fetched_at FROM prices.live_prices ORDER BY ALL").fetchall()
    assert [r[:3] for r in second] == [r[:3] for r in first] and len(second) == 4
    assert all(b[3] >= a[3] for a, b in zip(first, second))


def test_only_the_write_takes_the_warehouse_pool():
    """The fetch (network, retries) runs outside the warehouse pool; only the upsert is in it."""
    from pipelines.assets.partitions import WAREHOUSE_POOL
    from pipelines.definitions import defs

    job = defs.resolve_job_def("live_prices_job")
    pools = {node.name: node.definition.pool for node in job.graph.node_named("live_prices").definition.nodes}
    assert pools == {"fetch_live_prices": None, "store_live_prices": WAREHOUSE_POOL}
