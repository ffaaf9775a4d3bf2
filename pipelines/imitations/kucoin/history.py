"""A seeded KuCoin account history in the API's own row shapes, and its true balances.

KuCoin keeps every balance change of the main and trade accounts in its ledger
(`/api/v1/accounts/ledgers`): one row per account and currency, `amount` with a `direction`
(in/out) and the `fee` that is part of that amount ("fees included", KuCoin's field description):
an `out` row of a buy pays the funds plus the fee, an `in` row of a sell receives the funds less the
fee. A trade is two `Exchange` rows with the same `tradeId` in their `context` (a JSON text); a
move between the main and the trade account is two `Transfer` rows (out of one, into the other) at
the same moment, netting to zero; a deposit or withdrawal is one row (the withdrawal's amount
includes its network fee), and `/api/v1/deposits` / `/api/v1/withdrawals` list the same moves with
the on-chain `walletTxId`. `truth()` comes from the events (what each moved), never from the rows.

The history spans `days` days before `end` (sparse: a few events a month over seven years), with one
busy day of more than 500 ledger rows (two pages), so tests pick a short span for most checks and a
long one for the day-by-day walk since KuCoin's ledger start (2019-02-18).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

#: The first day KuCoin's account ledger answers for (older history: its own export only).
LEDGER_START = datetime(2019, 2, 18, tzinfo=UTC)
PRICES = {"BTC-USDT": Decimal("41234.5"), "ETH-USDT": Decimal("2345.67"), "ETH-BTC": Decimal("0.0571"),
          "KCS-USDT": Decimal("9.87")}
FEE_RATE = Decimal("0.001")
CHAINS = {"BTC": "btc", "ETH": "eth", "USDT": "trx", "KCS": "kcc"}
WITHDRAW_FEES = {"BTC": Decimal("0.0005"), "ETH": Decimal("0.004"), "USDT": Decimal("1"), "KCS": Decimal("0.01")}
#: Ledger rows of the busy day: more than one page of 500.
BUSY_TRADES = 260


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _s(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass
class History:
    """Rows of the ledger, deposit and withdrawal lists (unordered) and the balances per account."""

    random: random.Random
    ledger: list[dict] = field(default_factory=list)
    deposits: list[dict] = field(default_factory=list)
    withdrawals: list[dict] = field(default_factory=list)
    accounts: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (currency, main|trade) -> balance
    trades: int = 0

    def _id(self, *parts: object) -> str:
        return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:24]

    def truth(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for (currency, _), amount in self.accounts.items():
            totals[currency] = totals.get(currency, Decimal(0)) + amount
        return {c: a for c, a in sorted(totals.items()) if a != 0}

    def _entry(self, at: datetime, currency: str, account: str, biz: str, direction: str, amount: Decimal,
               fee: Decimal = Decimal(0), context: dict | None = None) -> None:
        key = (currency, account)
        self.accounts[key] = self.accounts.get(key, Decimal(0)) + (amount if direction == "in" else -amount)
        self.ledger.append({
            "id": self._id("ledger", len(self.ledger), at.isoformat(), currency, account), "currency": currency,
            "amount": _s(amount), "fee": _s(fee), "balance": _s(self.accounts[key]), "accountType": account.upper(),
            "bizType": biz, "direction": direction, "createdAt": _ms(at),
            "context": json.dumps(context, separators=(",", ":")) if context else ""})

    def deposit(self, at: datetime, currency: str, amount: Decimal) -> None:
        tx = "0x" + self._id("deposit-tx", at.isoformat(), currency) + self._id("x", at.isoformat())[:16]
        order = self._id("deposit", at.isoformat(), currency)
        self.deposits.append({
            "currency": currency, "chain": CHAINS[currency], "status": "SUCCESS", "address": "addr-" + order[:12],
            "memo": "", "isInner": False, "amount": _s(amount), "fee": "0", "walletTxId": tx, "createdAt": _ms(at),
            "updatedAt": _ms(at) + 60_000, "remark": "Deposit", "arrears": False})
        self._entry(at, currency, "main", "Deposit", "in", amount, context={"orderId": order, "txId": tx})

    def withdraw(self, at: datetime, currency: str, amount: Decimal, account: str = "main",
                 status: str = "SUCCESS") -> None:
        """The ledger books a withdrawal when it is applied for; its list row stays PROCESSING until sent."""
        fee = WITHDRAW_FEES[currency]
        order = self._id("withdrawal", at.isoformat(), currency)
        tx = "0x" + self._id("withdrawal-tx", at.isoformat(), currency)
        self.withdrawals.append({
            "id": order, "currency": currency, "chain": CHAINS[currency], "status": status,
            "address": "dest-" + order[:12], "memo": "", "isInner": False, "amount": _s(amount), "fee": _s(fee),
            "walletTxId": tx, "createdAt": _ms(at), "updatedAt": _ms(at) + 600_000, "remark": ""})
        self._entry(at, currency, account, "Withdrawal", "out", amount + fee, fee, {"orderId": order, "txId": tx})

    def transfer(self, at: datetime, currency: str, amount: Decimal, source: str, target: str) -> None:
        """An inner transfer between the main and the trade account: two rows that net to zero."""
        self._entry(at, currency, source, "Transfer", "out", amount)
        self._entry(at, currency, target, "Transfer", "in", amount)

    def trade(self, at: datetime, symbol: str, side: str, size: Decimal) -> None:
        """A fill on the trade account; the fee (0.1 %) is in the quote currency, part of the quote row."""
        base, quote = symbol.split("-")
        funds = (size * PRICES[symbol]).quantize(Decimal("0.00000001"))
        fee = (funds * FEE_RATE).quantize(Decimal("0.00000001"))
        context = {"symbol": symbol, "orderId": self._id("order", self.trades), "tradeId": self._id("trade", self.trades)}
        self.trades += 1
        if side == "buy":
            self._entry(at, base, "trade", "Exchange", "in", size, context=context)
            self._entry(at, quote, "trade", "Exchange", "out", funds + fee, fee, context)
        else:
            self._entry(at, base, "trade", "Exchange", "out", size, context=context)
            self._entry(at, quote, "trade", "Exchange", "in", funds - fee, fee, context)

    def staking(self, at: datetime, currency: str, amount: Decimal) -> None:
        self._entry(at, currency, "main", "Soft Staking Profits", "in", amount)


def generate(end: datetime, days: int, seed: int = 3) -> History:
    """`days` of history ending an hour before `end` (no earlier than the ledger start): funding
    first, then a few events every ~10 days, and the busy day halfway."""
    h = History(random.Random(seed))
    last = end - timedelta(hours=1)
    first = max(LEDGER_START + timedelta(hours=1), last - timedelta(days=days))
    span = last - first
    at = first
    h.deposit(at, "USDT", Decimal("250000"))
    h.deposit(at + timedelta(minutes=5), "BTC", Decimal("0.75"))
    h.transfer(at + timedelta(minutes=10), "USDT", Decimal("200000"), "main", "trade")
    h.transfer(at + timedelta(minutes=11), "BTC", Decimal("0.5"), "main", "trade")
    steps = max(4, min(250, span.days // 10))
    for i in range(1, steps):
        moment = first + span * i / steps
        kind = i % 5
        if kind in (0, 1, 2):
            symbol = ("BTC-USDT", "ETH-USDT", "ETH-BTC", "KCS-USDT")[h.random.randrange(4)]
            size = Decimal(h.random.randint(1, 400)) / Decimal(10_000 if symbol.startswith("BTC") else 1000)
            held = h.accounts.get((symbol.split("-")[0], "trade"), Decimal(0))
            side = "sell" if h.random.random() < 0.4 and held >= size else "buy"
            h.trade(moment, symbol, side, size)
        elif kind == 3:
            h.staking(moment, "KCS", Decimal(h.random.randint(1, 9999)) / Decimal(100_000))
        else:
            h.transfer(moment, "USDT", Decimal(h.random.randint(1, 50)), "trade", "main")
    busy = first + span / 2
    for n in range(BUSY_TRADES):
        h.trade(busy + timedelta(seconds=n), "BTC-USDT", "buy" if n % 2 else "sell", Decimal("0.0001"))
    h.withdraw(last - timedelta(hours=5), "BTC", Decimal("0.05"))
    h.transfer(last - timedelta(hours=4), "USDT", Decimal("100"), "trade", "main")
    h.withdraw(last - timedelta(hours=3), "USDT", Decimal("90"))
    return h
