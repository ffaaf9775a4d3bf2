"""A seeded synthetic Binance account history of any size, with its true end balances.

The exchange imitation (`pipelines.imitations.exchange`) serves histories of thousands of events
over HTTP; benchmarks need 10^6 events, which no HTTP round trip of the imitation can serve in
reasonable time. This generator produces the same rows Binance's endpoints return
(`myTrades`, `capital/deposit/hisrec`, `capital/withdraw/history`, exchangeInfo symbols) and renders
them into the sink exactly as `BinanceReader` does (its `dumps`, `from_ms`, `applied_ms` and source
ids), so the whole path after the network is the production one.

Realistic on purpose: about forty assets and a hundred markets with popular ones traded far more
often, fees paid in BNB (a third asset) when the account holds some, otherwise in the received
asset, deposits, and withdrawals that pay a network fee. Amounts are integers of 10^-8 (Binance's
precision) while generating, so the true balances are exact; only what the account can afford is
booked, so no balance ever goes negative.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import accumulate

from pipelines.connectors.exchange.base import dumps, from_ms
from pipelines.connectors.exchange.binance import applied_ms

UNIT = 10**8  # Binance's 8 decimals
PAGE = 1000  # rows per page of every Binance history endpoint

#: Rough USD value of one unit of each asset (prices wander +-10 % around it).
USD = {
    "BTC": 64000, "ETH": 3100, "BNB": 580, "SOL": 150, "XRP": 0.6, "ADA": 0.45, "DOGE": 0.15, "DOT": 7,
    "LINK": 15, "LTC": 80, "AVAX": 35, "MATIC": 0.7, "ATOM": 9, "TRX": 0.12, "UNI": 8, "XLM": 0.11,
    "NEAR": 5, "FIL": 5.5, "APT": 9, "ARB": 1.1, "OP": 2.4, "SHIB": 0.00002, "PEPE": 0.00001, "INJ": 25,
    "SUI": 1.1, "TON": 6, "ETC": 25, "BCH": 450, "AAVE": 95, "MKR": 2500, "RUNE": 5, "GRT": 0.25,
    "USDT": 1, "USDC": 1, "FDUSD": 1, "EUR": 1.08, "TRY": 0.03,
}
QUOTES = ("USDT", "BTC", "ETH", "BNB", "FDUSD", "EUR", "TRY")
#: The account's first deposits (USD value), so it can trade from the start.
OPENING = {"USDT": 400_000, "BTC": 150_000, "ETH": 80_000, "BNB": 20_000, "EUR": 50_000}
DEPOSITED = ("USDT", "BTC", "ETH", "BNB", "EUR", "SOL", "USDC", "XRP", "ADA", "DOT")


def _markets() -> list[tuple[str, str, str]]:
    """(symbol, base, quote) of every market the account trades on, most popular first."""
    bases = [a for a in USD if a not in QUOTES and a not in ("USDC",)]
    pairs = [("BTC", "USDT"), ("ETH", "USDT"), ("ETH", "BTC"), ("BNB", "USDT"), ("BNB", "BTC"), ("BTC", "FDUSD"),
             ("BTC", "EUR"), ("ETH", "EUR"), ("BNB", "ETH"), ("USDC", "USDT"), ("FDUSD", "USDT"), ("BTC", "TRY")]
    pairs += [(b, "USDT") for b in bases if b not in ("BTC", "ETH", "BNB")]
    pairs += [(b, "BTC") for b in bases if b not in ("BTC", "ETH", "BNB", "SHIB", "PEPE")]
    pairs += [(b, q) for b in ("SOL", "XRP", "ADA", "DOGE", "DOT", "LINK", "AVAX") for q in ("ETH", "BNB", "FDUSD", "EUR")]
    return [(b + q, b, q) for b, q in pairs]


MARKETS = _markets()


def units_text(value: int) -> str:
    """An amount of 10^-8 units as Binance writes it ("0.00012000")."""
    return f"{value // UNIT}.{value % UNIT:08d}"


def symbol_info(symbol: str, base: str, quote: str) -> dict:
    """The exchangeInfo entry of a market (ccxt keeps it as `market["info"]`; the reader stores it)."""
    return {
        "symbol": symbol, "status": "TRADING", "baseAsset": base, "baseAssetPrecision": 8, "quoteAsset": quote,
        "quotePrecision": 8, "quoteAssetPrecision": 8, "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True, "ocoAllowed": True, "quoteOrderQtyMarketAllowed": True, "allowTrailingStop": True,
        "cancelReplaceAllowed": True, "isSpotTradingAllowed": True, "isMarginTradingAllowed": False,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": "0.00000001", "maxPrice": "1000000.00000000", "tickSize": "0.00000001"},
            {"filterType": "LOT_SIZE", "minQty": "0.00000001", "maxQty": "9000000.00000000", "stepSize": "0.00000001"},
        ],
        "permissions": [], "permissionSets": [["SPOT"]], "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def _amount(usd: float, asset: str) -> int:
    return max(1, int(usd / USD[asset] * UNIT))


@dataclass
class BinanceHistory:
    """Generates events forward in time; `rows(n)` continues where the previous call stopped, so the
    first call can be a full sync's history and a later one the activity an incremental sync finds."""

    seed: int = 1
    start: datetime = datetime(2019, 1, 1)
    mean_gap_ms: int = 60_000
    balances_units: dict[str, int] = field(default_factory=dict)
    markets_used: set[str] = field(default_factory=set)
    assets_seen: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: {"trades": 0, "deposits": 0, "withdrawals": 0})

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.clock = int(self.start.replace(tzinfo=UTC).timestamp() * 1000)
        self.seq = 0
        # A few markets get most trades (Zipf-like popularity).
        self._cum_weights = list(accumulate(1 / (rank + 1) ** 1.1 for rank in range(len(MARKETS))))
        self._opening = list(OPENING.items())

    # -- events ----------------------------------------------------------------------------------
    def _next_id(self) -> int:
        self.seq += 1
        return self.seq

    def _tick(self) -> int:
        self.clock += self.rng.randint(1, 2 * self.mean_gap_ms)
        return self.clock

    def _credit(self, asset: str, units: int) -> None:
        self.balances_units[asset] = self.balances_units.get(asset, 0) + units
        self.assets_seen.add(asset)

    def rows(self, count: int) -> Iterator[tuple[str, dict]]:
        """`count` more Binance rows `(stream, row)` in time order (the first ones fund the account)."""
        for _ in range(count):
            time_ms = self._tick()
            if self._opening:
                asset, usd = self._opening.pop(0)
                yield "deposits", self._deposit(time_ms, asset, _amount(usd, asset))
                continue
            roll = self.rng.random()
            row = None
            if roll < 0.04:
                row = self._withdrawal(time_ms)
                stream = "withdrawals"
            elif roll >= 0.10:
                row = self._trade(time_ms)
                stream = "trades"
            if row is None:  # a deposit, or nothing else the account could afford
                asset = self.rng.choice(DEPOSITED)
                row, stream = self._deposit(time_ms, asset, _amount(self.rng.uniform(50, 20_000), asset)), "deposits"
            yield stream, row

    def _deposit(self, time_ms: int, asset: str, units: int) -> dict:
        self._credit(asset, units)
        self.counts["deposits"] += 1
        seq = self._next_id()
        return {
            "id": str(4_000_000_000_000 + seq), "amount": units_text(units), "coin": asset, "network": asset,
            "status": 1, "address": "0x7f3a2b9c4e5d6f708192a3b4c5d6e7f8091a2b3c", "addressTag": "",
            "txId": f"0x{self.rng.getrandbits(256):064x}", "insertTime": time_ms, "completeTime": time_ms + 60_000,
            "transferType": 0, "confirmTimes": "12/12", "unlockConfirm": 0, "walletType": 0,
        }

    def _withdrawal(self, time_ms: int) -> dict | None:
        asset = self.rng.choice(DEPOSITED)
        fee = _amount(self.rng.choice((0.5, 1.0, 2.5)), asset)
        held = self.balances_units.get(asset, 0)
        if held <= fee * 10:
            return None
        units = int((held - fee) * self.rng.uniform(0.05, 0.3))
        self._credit(asset, -(units + fee))
        self.counts["withdrawals"] += 1
        applied = datetime.fromtimestamp(time_ms // 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
        done = datetime.fromtimestamp(time_ms // 1000 + 120, UTC).strftime("%Y-%m-%d %H:%M:%S")
        return {
            "id": f"{self.rng.getrandbits(128):032x}", "amount": units_text(units), "transactionFee": units_text(fee),
            "coin": asset, "status": 6, "address": "0x1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e",
            "txId": f"0x{self.rng.getrandbits(256):064x}", "applyTime": applied, "network": asset, "transferType": 0,
            "info": "", "confirmNo": 12, "walletType": 0, "txKey": "", "completeTime": done,
        }

    def _trade(self, time_ms: int) -> dict | None:
        symbol, base, quote = self.rng.choices(MARKETS, cum_weights=self._cum_weights)[0]
        price = max(1, int(USD[base] / USD[quote] * self.rng.uniform(0.9, 1.1) * UNIT))  # quote units per base
        held_base, held_quote = self.balances_units.get(base, 0), self.balances_units.get(quote, 0)
        buy = held_quote * USD[quote] > held_base * USD[base]
        if buy:
            qty = int(held_quote * self.rng.uniform(0.01, 0.3)) * UNIT // price
        else:
            qty = int(held_base * self.rng.uniform(0.01, 0.3))
        cost = qty * price // UNIT
        if qty <= 0 or cost <= 0:
            return None
        received, received_units = (base, qty) if buy else (quote, cost)
        bnb_fee = int(cost * USD[quote] * 0.00075 / USD["BNB"])  # 10^-8 BNB: 25 % off for paying in BNB
        if "BNB" not in (base, quote) and self.balances_units.get("BNB", 0) > bnb_fee * 2 and self.rng.random() < 0.7:
            fee_asset, fee = "BNB", bnb_fee
        else:
            fee_asset, fee = received, received_units // 1000
        self._credit(base, qty if buy else -qty)
        self._credit(quote, -cost if buy else cost)
        self._credit(fee_asset, -fee)
        self.markets_used.add(symbol)
        self.counts["trades"] += 1
        trade_id, order_id = self._next_id(), self._next_id()
        return {
            "symbol": symbol, "id": trade_id, "orderId": order_id, "orderListId": -1,
            "price": units_text(price), "qty": units_text(qty), "quoteQty": units_text(cost),
            "commission": units_text(fee), "commissionAsset": fee_asset, "time": time_ms, "isBuyer": buy,
            "isMaker": trade_id % 3 == 0, "isBestMatch": True,
        }

    # -- what the connector puts into the sink -----------------------------------------------------
    def reference_rows(self) -> list[tuple[str, str, None, str]]:
        """The `markets` (exchangeInfo entries of the traded markets) and `currencies` (asset id ->
        unified code) records the reader adds after the history streams."""
        by_symbol = {m[0]: m for m in MARKETS}
        out = [("markets", s, None, dumps(symbol_info(*by_symbol[s]))) for s in sorted(self.markets_used)]
        out += [("currencies", a, None, dumps({"id": a, "code": a})) for a in sorted(self.assets_seen)]
        return out

    def balances(self) -> dict[str, Decimal]:
        """The true end balance per asset (zero balances left out, as reconciliation drops them)."""
        return {a: Decimal(v).scaleb(-8) for a, v in sorted(self.balances_units.items()) if v != 0}


def sink_record(stream: str, row: dict) -> tuple[str, datetime | None, str]:
    """A row as `BinanceReader` adds it to the sink: its source id, time and re-serialized JSON."""
    if stream == "trades":
        return f"{row['symbol']}:{row['id']}", from_ms(row["time"]), dumps(row)
    if stream == "deposits":
        return str(row["id"]), from_ms(row["insertTime"]), dumps(row)
    return str(row["id"]), from_ms(applied_ms(row["applyTime"])), dumps(row)
