"""A seeded Bitstamp account history as `user_transactions` rows, and its true balances.

Rows look like Bitstamp's (ccxt's recorded samples, tests/exchange/data/bitstamp/): an integer
`id`, `datetime` ("2025-01-03 09:00:00.000000", UTC), `type` as a string, `fee`, and one key per
currency of the account holding that currency's change: a non-zero change as a string, an
untouched currency as the number 0. A trade (type 2) also carries its pair's price under
`<base>_<quote>` (a JSON number) and the `order_id`; its fee is charged on top, in the quote
currency. A withdrawal's fee is charged on top too, in the withdrawn currency.

Events (2025, UTC): EUR deposits, buys and sells of BTC and ETH against EUR, ETH bought with BTC
(fee in BTC), a BTC deposit and a withdrawal with a fee, ETH sent to staking (type 26) and part
of it credited back (type 25), daily staking rewards (type 27, paid to the main balance), a
referral reward (type 32) and a sub-account transfer (type 14). `account_balances` shows the main
account only: coins in staking are in `staked`, not in `balances`. The truth is computed from the
events, never from the rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

CURRENCIES = ("btc", "eth", "eur", "usdc")
PRICE = {"btc_eur": Decimal("61234.50"), "eth_eur": Decimal("2890.10"), "eth_btc": Decimal("0.04720000")}
FIAT = {"eur"}
REWARD_DAYS = 300
TRADES = 700


def _text(currency: str, amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01') if currency in FIAT else Decimal('0.00000001')):f}"


@dataclass
class History:
    random: random.Random
    rows: list[dict] = field(default_factory=list)
    balances: dict[str, Decimal] = field(default_factory=dict)
    staked: dict[str, Decimal] = field(default_factory=dict)
    next_id: int = 170_000_000

    def book(self, at: datetime, kind: int, changes: dict[str, Decimal], fee: Decimal = Decimal(0),
             fee_currency: str | None = None, pair: str | None = None) -> dict:
        """One row; `changes` are the amounts as the row shows them, the fee comes on top."""
        self.next_id += self.random.randint(1, 40)
        row: dict = {"id": self.next_id, "datetime": at.strftime("%Y-%m-%d %H:%M:%S.%f"), "type": str(kind),
                     "fee": _text(fee_currency or "btc", fee) if fee else "0.00000000"}
        for currency in CURRENCIES:
            row[currency] = _text(currency, changes[currency]) if currency in changes else 0
        if pair:
            row[pair] = float(PRICE[pair])
            row["order_id"] = self.next_id * 7 + 3
        self.rows.append(row)
        for currency in changes:  # the truth uses the rounded amounts the row shows
            self._move(currency, Decimal(row[currency]))
        if fee:
            self._move(fee_currency, -Decimal(row["fee"]))
        return row

    def _move(self, currency: str, amount: Decimal) -> None:
        self.balances[currency] = self.balances.get(currency, Decimal(0)) + amount

    def trade(self, at: datetime, side: str, pair: str, amount: Decimal) -> dict:
        base, quote = pair.split("_")
        cost = (amount * PRICE[pair]).quantize(Decimal("0.01") if quote in FIAT else Decimal("0.00000001"))
        fee = (cost * Decimal("0.004")).quantize(Decimal("0.01") if quote in FIAT else Decimal("0.00000001"))
        sign = 1 if side == "buy" else -1
        return self.book(at, 2, {base: sign * amount, quote: -sign * cost}, fee, quote, pair)

    def stake(self, at: datetime, currency: str, amount: Decimal) -> None:
        self.book(at, 26, {currency: -amount})
        self.staked[currency] = self.staked.get(currency, Decimal(0)) + amount

    def unstake(self, at: datetime, currency: str, amount: Decimal) -> None:
        self.book(at, 25, {currency: amount})
        self.staked[currency] -= amount


def generate(seed: int = 3) -> History:
    """The seeded 2025 history: about 1030 rows, more than one page of 1000."""
    h = History(random.Random(seed))
    start = datetime(2025, 1, 2, 8, tzinfo=UTC)
    h.book(start, 0, {"eur": Decimal("40000")})
    h.book(start + timedelta(hours=1), 0, {"btc": Decimal("0.25000000")})
    h.trade(start + timedelta(hours=2), "buy", "eth_eur", Decimal("3.5"))
    for n in range(TRADES):
        at = start + timedelta(days=1, minutes=517 * n)
        pair = ("btc_eur", "eth_eur", "eth_btc")[n % 3]
        side = "buy" if h.random.random() < 0.6 else "sell"
        h.trade(at, side, pair, Decimal(h.random.randint(1000, 90000)) / Decimal(10**8 if pair == "btc_eur" else 10**6))
    h.stake(start + timedelta(days=3), "eth", Decimal("2.00000000"))
    for day in range(REWARD_DAYS):
        h.book(start + timedelta(days=4 + day, hours=3), 27, {"eth": Decimal(h.random.randint(2000, 9000)) / Decimal(10**8)})
    h.unstake(datetime(2025, 9, 1, 12, tzinfo=UTC), "eth", Decimal("0.50000000"))
    h.book(datetime(2025, 3, 1, 12, tzinfo=UTC), 32, {"usdc": Decimal("10.00000000")})
    h.book(datetime(2025, 4, 1, 12, tzinfo=UTC), 14, {"usdc": Decimal("250.00000000")})
    h.book(datetime(2025, 7, 2, 16, tzinfo=UTC), 1, {"btc": Decimal("-0.05000000")}, Decimal("0.00010000"), "btc")
    h.book(datetime(2025, 8, 9, 10, tzinfo=UTC), 1, {"eur": Decimal("-1500.00")}, Decimal("0.90"), "eur")
    h.rows.sort(key=lambda r: r["datetime"])
    for n, row in enumerate(h.rows):  # ids rise with time, as Bitstamp's do
        row["id"] = 170_000_000 + 17 * n
    h.next_id = h.rows[-1]["id"]
    return h
