"""A seeded Bitvavo account history as `account/history` items, and its true balances.

Items look like Bitvavo's (its API docs and ccxt's fetchLedger sample, tests/exchange/data/bitvavo/):
`transactionId` (a UUID), `executedAt` ("2025-01-03T09:00:00.000Z"), `type`, and, where they
apply, `priceCurrency`/`priceAmount`, `sentCurrency`/`sentAmount`, `receivedCurrency`/
`receivedAmount`, `feesCurrency`/`feesAmount` and `address`, amounts as strings. A fee is charged on
top of what is sent or received, in its own currency (a trade's in EUR or in the bought coin).

Events (2025, UTC): EUR deposits, buys and sells of BTC and ETH against EUR, a BTC deposit and
withdrawals with a network fee, one withdrawal cancelled (`withdrawal_cancelled` gives the coins and
the fee back), daily staking rewards (`staking`, ETH and DOT), a fixed-staking reward
(`fixed_staking`), a fee rebate (`rebate`) and an affiliate payout (`affiliate`). Staked coins stay
in the balance Bitvavo shows (flexible staking moves nothing), so only rewards are booked. The truth
is computed from the events, never from the items.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

PRICE = {"BTC": Decimal("61234.56"), "ETH": Decimal("2890.12"), "DOT": Decimal("6.87")}
REWARD_DAYS = 320
TRADES = 240


@dataclass
class History:
    random: random.Random
    items: list[dict] = field(default_factory=list)
    balances: dict[str, Decimal] = field(default_factory=dict)

    def _move(self, currency: str, amount: Decimal) -> None:
        self.balances[currency] = self.balances.get(currency, Decimal(0)) + amount

    def book(self, at: datetime, kind: str, *, sent: tuple[str, Decimal] | None = None,
             received: tuple[str, Decimal] | None = None, fee: tuple[str, Decimal] | None = None,
             price: tuple[str, Decimal] | None = None, address: str | None = None) -> dict:
        item: dict = {"transactionId": str(uuid.UUID(int=self.random.getrandbits(128))),
                      "executedAt": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z", "type": kind}
        for name, part in (("price", price), ("sent", sent), ("received", received), ("fees", fee)):
            if part is not None:
                item[f"{name}Currency"], item[f"{name}Amount"] = part[0], f"{part[1]:f}"
        if address:
            item["address"] = address
        self.items.append(item)
        if sent:
            self._move(sent[0], -sent[1])
        if received:
            self._move(received[0], received[1])
        if fee:
            self._move(fee[0], -fee[1])
        return item

    def trade(self, at: datetime, side: str, coin: str, amount: Decimal, *, fee_in_coin: bool = False) -> dict:
        eur = (amount * PRICE[coin]).quantize(Decimal("0.01"))
        fee = ("EUR", (eur * Decimal("0.0025")).quantize(Decimal("0.01")))
        if fee_in_coin:
            fee = (coin, (amount * Decimal("0.0025")).quantize(Decimal("0.00000001")))
        legs = {"sent": ("EUR", eur), "received": (coin, amount)} if side == "buy" else \
               {"sent": (coin, amount), "received": ("EUR", eur)}
        return self.book(at, side, price=("EUR", PRICE[coin]), fee=fee, **legs)


def generate(seed: int = 5) -> History:
    """The seeded 2025 history: about 590 items, six pages of 100."""
    h = History(random.Random(seed))
    start = datetime(2025, 1, 2, 8, tzinfo=UTC)
    h.book(start, "deposit", received=("EUR", Decimal("20000.00")), address="NL91ABNA0417164300")
    h.book(start + timedelta(hours=1), "deposit", received=("BTC", Decimal("0.15000000")), address="bc1qdeposit")
    h.trade(start + timedelta(hours=2), "buy", "ETH", Decimal("2.00000000"))
    h.trade(start + timedelta(hours=3), "buy", "DOT", Decimal("500.0000"))
    for n in range(TRADES):
        at = start + timedelta(days=1, minutes=1399 * n, seconds=n % 60)
        coin = ("BTC", "ETH", "DOT")[n % 3]
        side = "buy" if h.random.random() < 0.65 else "sell"
        amount = Decimal(h.random.randint(1000, 90000)) / Decimal(10**8 if coin == "BTC" else 10**6 if coin == "ETH" else 10**4)
        h.trade(at, side, coin, amount, fee_in_coin=n % 17 == 0 and side == "buy")
    for day in range(REWARD_DAYS):
        coin = "ETH" if day % 2 else "DOT"
        amount = Decimal(h.random.randint(1000, 9000)) / Decimal(10**8 if coin == "ETH" else 10**5)
        h.book(start + timedelta(days=3 + day, hours=2), "staking", received=(coin, amount))
    h.book(datetime(2025, 6, 30, 9, tzinfo=UTC), "fixed_staking", received=("DOT", Decimal("1.2345")))
    h.book(datetime(2025, 3, 31, 9, tzinfo=UTC), "rebate", received=("EUR", Decimal("3.21")))
    h.book(datetime(2025, 4, 30, 9, tzinfo=UTC), "affiliate", received=("EUR", Decimal("12.50")))
    h.book(datetime(2025, 7, 2, 16, tzinfo=UTC), "withdrawal", sent=("BTC", Decimal("0.02000000")),
           fee=("BTC", Decimal("0.00001500")), address="bc1qwithdrawal")
    h.book(datetime(2025, 7, 5, 16, tzinfo=UTC), "withdrawal", sent=("ETH", Decimal("0.30000000")),
           fee=("ETH", Decimal("0.00120000")), address="0xwithdrawal")
    h.book(datetime(2025, 7, 5, 17, tzinfo=UTC), "withdrawal_cancelled", received=("ETH", Decimal("0.30120000")),
           address="0xwithdrawal")
    h.book(datetime(2025, 8, 9, 10, tzinfo=UTC), "withdrawal", sent=("EUR", Decimal("1000.00")),
           fee=("EUR", Decimal("0.00")), address="NL91ABNA0417164300")
    return h
