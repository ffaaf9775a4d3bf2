"""Seeded account histories with known true end balances.

A `Simulator` walks forward in time and only books what the account can afford, so every history
is plausible (no negative balance) and its true end balance per asset is simply the running
balance. The events are exchange-neutral (unified codes such as BTC); `binance.py` and `kraken.py`
render them in each API's shapes. Amounts are Decimals with at most 8 decimals, chosen so that a
float anywhere on the way would show up as a difference.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

Q8 = Decimal("0.00000001")
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Trade:
    id: int
    order_id: int
    time_ms: int
    market: str  # unified symbol, e.g. "ETH/BTC"
    side: str  # buy | sell (of the base asset)
    qty: Decimal  # base amount
    price: Decimal
    cost: Decimal  # quote amount
    fee: Decimal
    fee_asset: str

    @property
    def base(self) -> str:
        return self.market.split("/")[0]

    @property
    def quote(self) -> str:
        return self.market.split("/")[1]

    def effects(self) -> dict[str, Decimal]:
        """Balance change per asset."""
        sign = 1 if self.side == "buy" else -1
        out: dict[str, Decimal] = defaultdict(Decimal)
        out[self.base] += sign * self.qty
        out[self.quote] -= sign * self.cost
        out[self.fee_asset] -= self.fee
        return out


@dataclass(frozen=True)
class Transfer:
    """A deposit (amount in) or a withdrawal (amount + fee out)."""

    id: str
    kind: str  # deposit | withdrawal
    time_ms: int
    asset: str
    amount: Decimal
    fee: Decimal
    txid: str


@dataclass(frozen=True)
class Earn:
    """Staking/earn activity that only an exchange's ledger shows.

    `kind` "stake" moves `amount` from the spot balance into the staked sub-balance (the asset's
    total is unchanged); "reward" adds a reward to the staked sub-balance.
    """

    id: str
    kind: str  # stake | reward
    time_ms: int
    asset: str
    amount: Decimal


@dataclass(frozen=True)
class Conversion:
    """An instant conversion outside the order book (Kraken "Buy Crypto": ledger spend + receive).

    `fee` is charged in the spent asset on top of `spent`."""

    id: str
    time_ms: int
    spent_asset: str
    spent: Decimal
    received_asset: str
    received: Decimal
    fee: Decimal


@dataclass
class History:
    trades: list[Trade] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    earn: list[Earn] = field(default_factory=list)
    conversions: list[Conversion] = field(default_factory=list)

    def deposits(self) -> list[Transfer]:
        return [t for t in self.transfers if t.kind == "deposit"]

    def withdrawals(self) -> list[Transfer]:
        return [t for t in self.transfers if t.kind == "withdrawal"]

    def balances(self, exclude_markets: frozenset[str] = frozenset()) -> dict[str, Decimal]:
        """True end balance per asset (staked parts included), optionally ignoring some markets' trades."""
        total: dict[str, Decimal] = defaultdict(Decimal)
        for t in self.trades:
            if t.market not in exclude_markets:
                for asset, change in t.effects().items():
                    total[asset] += change
        for t in self.transfers:
            total[t.asset] += t.amount if t.kind == "deposit" else -(t.amount + t.fee)
        for e in self.earn:
            if e.kind == "reward":
                total[e.asset] += e.amount
        for c in self.conversions:
            total[c.spent_asset] -= c.spent + c.fee
            total[c.received_asset] += c.received
        return {a: v for a, v in total.items() if v != 0}

    def staked(self) -> dict[str, Decimal]:
        """How much of each asset sits in the staked/earn sub-balance."""
        out: dict[str, Decimal] = defaultdict(Decimal)
        for e in self.earn:
            out[e.asset] += e.amount
        return dict(out)


@dataclass(frozen=True)
class Profile:
    """What kind of account to simulate on one exchange."""

    markets: tuple[str, ...]
    opening: dict[str, Decimal]  # first deposits
    withdraw_fees: dict[str, Decimal]
    fee_rate: Decimal = Decimal("0.001")
    third_asset_fee: str | None = None  # e.g. BNB: pays trading fees when held
    fee_in_quote: bool = False  # Kraken charges in the quote asset; Binance in what is received
    stakeable: tuple[str, ...] = ()
    rewards: bool = True  # staking rewards booked (Kraken's ledger shows them; Binance's endpoints do not)
    usd_prices: dict[str, Decimal] = field(default_factory=dict)  # rough value of one unit, per asset

    def price(self, market: str) -> Decimal:
        base, quote = market.split("/")
        return self.usd_prices[base] / self.usd_prices[quote]


class Simulator:
    """Appends plausible events to a `History` from a seeded random generator."""

    def __init__(self, profile: Profile, seed: int, start_ms: int) -> None:
        self.profile = profile
        self.rng = random.Random(seed)
        self.history = History()
        self.spot: dict[str, Decimal] = defaultdict(Decimal)
        self.staked: dict[str, Decimal] = defaultdict(Decimal)
        self.clock = start_ms
        self._seq = 0
        for asset, amount in profile.opening.items():
            self._tick(DAY_MS)
            self._deposit(asset, amount)

    def _id(self) -> int:
        self._seq += 1
        return self._seq

    def _tick(self, step_ms: int) -> int:
        self.clock += self.rng.randint(max(1, step_ms // 2), max(1, step_ms))
        return self.clock

    def _hex(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def _deposit(self, asset: str, amount: Decimal) -> None:
        self.history.transfers.append(
            Transfer(f"D{self._id()}", "deposit", self.clock, asset, amount, Decimal(0), "0x" + self._hex(64))
        )
        self.spot[asset] += amount

    def run(self, trades: int, deposits: int, withdrawals: int, earn: int, span_ms: int, conversions: int = 0) -> History:
        """Book about the given numbers of events, spread over `span_ms` after the current clock."""
        book = {"trade": self._trade, "deposit": self._random_deposit, "withdrawal": self._withdrawal,
                "earn": self._earn, "conversion": self._conversion}
        kinds = (["trade"] * trades + ["deposit"] * deposits + ["withdrawal"] * withdrawals + ["earn"] * earn
                 + ["conversion"] * conversions)
        self.rng.shuffle(kinds)
        step = span_ms // max(1, len(kinds))  # every event lands within span_ms
        for kind in kinds:
            self._tick(step)
            book[kind]()
        return self.history

    def _amount(self, held: Decimal, low: float = 0.05, high: float = 0.4) -> Decimal:
        return (held * Decimal(str(round(self.rng.uniform(low, high), 6)))).quantize(Q8, rounding="ROUND_DOWN")

    def _trade(self) -> None:
        p = self.profile
        market = self.rng.choice(p.markets)
        base, quote = market.split("/")
        price = (p.price(market) * Decimal(str(round(self.rng.uniform(0.97, 1.03), 4)))).quantize(Q8)
        side = "buy" if self.spot[quote] > self.spot[base] * price else "sell"
        if side == "buy":
            cost = self._amount(self.spot[quote])
            qty = (cost / price).quantize(Q8, rounding="ROUND_DOWN")
        else:
            qty = self._amount(self.spot[base])
        cost = (qty * price).quantize(Q8, rounding="ROUND_DOWN")
        if qty <= 0 or cost <= 0:
            return
        received = base if side == "buy" else quote
        third = p.third_asset_fee
        if third and third not in (base, quote) and self.spot[third] > 1:
            fee_asset = third
            fee = (cost * p.usd_prices[quote] * p.fee_rate / p.usd_prices[third]).quantize(Q8)
        elif p.fee_in_quote:
            fee_asset, fee = quote, (cost * p.fee_rate).quantize(Q8)
        else:
            fee_asset = received
            fee = ((qty if side == "buy" else cost) * p.fee_rate).quantize(Q8)
        trade = Trade(self._id(), self._id(), self.clock, market, side, qty, price, cost, fee, fee_asset)
        after = dict(self.spot)
        for asset, change in trade.effects().items():
            after[asset] = after.get(asset, Decimal(0)) + change
        if any(v < 0 for v in after.values()):
            return
        self.spot.update(after)
        self.history.trades.append(trade)

    def _random_deposit(self) -> None:
        asset = self.rng.choice(list(self.profile.opening))
        self._deposit(asset, self._amount(self.profile.opening[asset], 0.01, 0.2))

    def _withdrawal(self) -> None:
        candidates = [a for a, fee in self.profile.withdraw_fees.items() if self.spot[a] > fee * 10]
        if not candidates:
            return
        asset = self.rng.choice(candidates)
        fee = self.profile.withdraw_fees[asset]
        amount = self._amount(self.spot[asset] - fee, 0.05, 0.3)
        self.history.transfers.append(
            Transfer(self._hex(32), "withdrawal", self.clock, asset, amount, fee, "0x" + self._hex(64))
        )
        self.spot[asset] -= amount + fee

    def _earn(self) -> None:
        held = [a for a in self.profile.stakeable if self.spot[a] > 0 or self.staked[a] > 0]
        if not held:
            return
        asset = self.rng.choice(held)
        if not self.profile.rewards or self.staked[asset] == 0 or (self.spot[asset] > 0 and self.rng.random() < 0.3):
            amount = self._amount(self.spot[asset], 0.1, 0.5)
            if amount <= 0:
                return
            self.spot[asset] -= amount
            kind = "stake"
        else:
            amount = (self.staked[asset] * Decimal("0.0005")).quantize(Q8) or Q8
            kind = "reward"
        self.staked[asset] += amount
        self.history.earn.append(Earn(f"E{self._id()}", kind, self.clock, asset, amount))

    def _conversion(self) -> None:
        held = [a for a in self.profile.opening if self.spot[a] > 0]
        if len(held) < 2:
            return
        spent_asset, received_asset = self.rng.sample(held, 2)
        spent = self._amount(self.spot[spent_asset], 0.02, 0.1)
        fee = (spent * Decimal("0.015")).quantize(Q8)
        prices = self.profile.usd_prices
        received = (spent * prices[spent_asset] / prices[received_asset]).quantize(Q8, rounding="ROUND_DOWN")
        if spent <= 0 or received <= 0:
            return
        self.spot[spent_asset] -= spent + fee
        self.spot[received_asset] += received
        self.history.conversions.append(
            Conversion(f"C{self._id()}", self.clock, spent_asset, spent, received_asset, received, fee))
