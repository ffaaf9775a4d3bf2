"""Live prices from a public exchange's tickers, bridged through USDT or BTC where no direct pair exists.

Prices are the tickers' last trade, read as the exchange's strings (ccxt's number type set to str)
and multiplied as Decimals for a bridge: asset/BRIDGE x BRIDGE/quote. No API key is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipelines.connectors.base import Log
from pipelines.connectors.exchange.client import Caller, make_client

BRIDGES = ("USDT", "BTC")
Q18 = Decimal("0.000000000000000001")


@dataclass(frozen=True)
class Price:
    asset: str
    quote: str
    price: Decimal
    source: str  # e.g. "kraken:BTC/EUR" or "kraken:SOL/USDT*USDT/EUR"


def _route(markets: Mapping[str, Any], asset: str, quote: str) -> tuple[str, ...] | None:
    """How to price `asset` in `quote`: a direct (or inverted, "1/...") pair, else through a bridge."""
    def leg(a: str, b: str) -> str | None:
        if f"{a}/{b}" in markets:
            return f"{a}/{b}"
        if f"{b}/{a}" in markets:
            return f"1/{b}/{a}"
        return None

    direct = leg(asset, quote)
    if direct:
        return (direct,)
    for bridge in BRIDGES:
        first, second = leg(asset, bridge), leg(bridge, quote)
        if bridge not in (asset, quote) and first and second:
            return (first, second)
    return None


def _rate(leg: str, last: Mapping[str, Decimal]) -> Decimal | None:
    inverted = leg.startswith("1/")
    value = last.get(leg[2:] if inverted else leg)
    if not value:
        return None
    return 1 / value if inverted else value


def fetch_prices(exchange: str, wanted: Iterable[tuple[str, str]], settings: Mapping[str, Any], log: Log) -> list[Price]:
    """Latest prices for (asset, quote) pairs from `exchange`'s public tickers; unpriceable pairs are left out."""
    client = make_client(exchange, settings, None)
    client.number = str
    call = Caller(client, exchange, "live prices", settings, log)
    markets = call("load_markets")
    routes = {pair: route for pair in wanted if (route := _route(markets, *pair))}
    symbols = sorted({leg.removeprefix("1/") for route in routes.values() for leg in route})
    last: dict[str, Decimal] = {}
    if symbols:
        tickers = call("fetch_tickers", symbols) if client.has.get("fetchTickers") else {
            s: call("fetch_ticker", s) for s in symbols}
        last = {s: Decimal(str(t["last"])) for s, t in tickers.items() if t.get("last") is not None}
    prices = []
    for (asset, quote), route in routes.items():
        rates = [_rate(leg, last) for leg in route]
        if all(rates):
            value = Decimal(1)
            for rate in rates:
                value *= rate
            prices.append(Price(asset, quote, value.quantize(Q18), f"{exchange}:" + "*".join(route)))
    return prices
