"""A seeded OKX account in API v5 shapes: trading-account bills, funding-account bills, fills, and
the true balance of each account.

OKX keeps two ledgers. The trading (unified) account's bills (`/account/bills*`) record every
change of its balance: spot trades (one bill per currency of a fill, type 2, the fee inside
`balChg` and repeated in `fee`) and transfers from and to the funding account (type 1, subType
11 in / 12 out). The funding account's bills (`/asset/bills*`) record deposits (1), withdrawals
(2, the network fee as its own bill of type 221 at the same moment), transfers to and from the
trading account (131 / 130), Simple Earn subscriptions and redemptions (75 / 76) and the
interest paid each day in between (126, so the funding bills page too). Every transfer between the
accounts is a pair of bills that nets to zero.

Events start `days` days ago; with `days` above 90 the oldest are older than the 3 months that
`/account/bills-archive` and `/trade/fills-history` answer. Amounts are Decimals from strings,
the truth is summed from the events as they are booked, never read back from payloads.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

PRICE = {"BTC": Decimal("61234.5"), "ETH": Decimal("2890.12"), "SOL": Decimal("142.37")}
FEE_RATE = Decimal("0.001")
TRADING, FUNDING = "trading", "funding"


def ms(at: datetime) -> str:
    return str(int(at.timestamp() * 1000))


@dataclass
class History:
    random: random.Random
    bills: list[dict] = field(default_factory=list)  # trading account, oldest first
    funding_bills: list[dict] = field(default_factory=list)
    fills: list[dict] = field(default_factory=list)
    balances: dict[str, dict[str, Decimal]] = field(default_factory=lambda: {TRADING: {}, FUNDING: {}})
    next_id: int = 600_000_000_000
    interest_paid: int = 0

    def _id(self) -> str:
        self.next_id += self.random.randint(1, 9)
        return str(self.next_id)

    def _book(self, account: str, ccy: str, change: Decimal) -> str:
        held = self.balances[account]
        held[ccy] = held.get(ccy, Decimal(0)) + change
        return f"{held[ccy]:f}"

    def funding(self, at: datetime, ccy: str, type_: str, change: Decimal, client_id: str = "") -> dict:
        row = {"billId": self._id(), "ccy": ccy, "clientId": client_id, "balChg": f"{change:f}",
               "bal": self._book(FUNDING, ccy, change), "type": type_, "notes": "", "ts": ms(at)}
        self.funding_bills.append(row)
        return row

    def trading(self, at: datetime, ccy: str, type_: str, sub_type: str, change: Decimal, **extra: str) -> dict:
        row = {"bal": self._book(TRADING, ccy, change), "balChg": f"{change:f}", "billId": self._id(), "ccy": ccy,
               "clOrdId": "", "execType": "", "fee": "0", "fillFwdPx": "", "fillIdxPx": "", "fillMarkPx": "",
               "fillMarkVol": "", "fillPxUsd": "", "fillPxVol": "", "fillTime": "", "from": "", "instId": "",
               "instType": "", "interest": "0", "mgnMode": "", "notes": "", "ordId": "", "pnl": "0",
               "posBal": "0", "posBalChg": "0", "px": "", "subType": sub_type, "sz": f"{abs(change):f}",
               "tag": "", "to": "", "tradeId": "", "ts": ms(at), "type": type_}
        row.update(extra)
        self.bills.append(row)
        return row

    # -- events ------------------------------------------------------------------------------------
    def deposit(self, at: datetime, ccy: str, amount: Decimal) -> None:
        self.funding(at, ccy, "1", amount)

    def withdraw(self, at: datetime, ccy: str, amount: Decimal, fee: Decimal) -> None:
        self.funding(at, ccy, "2", -amount, client_id=f"wd{self.next_id}")
        self.funding(at, ccy, "221", -fee)

    def transfer(self, at: datetime, ccy: str, amount: Decimal, to_trading: bool) -> None:
        """A move between the two accounts: one bill on each side, netting to zero."""
        sign = 1 if to_trading else -1
        self.funding(at, ccy, "131" if to_trading else "130", -sign * amount)
        self.trading(at + timedelta(milliseconds=3), ccy, "1", "11" if to_trading else "12", sign * amount,
                     **{"from": "6" if to_trading else "18", "to": "18" if to_trading else "6"})

    def earn(self, at: datetime, until: datetime, ccy: str, amount: Decimal, daily: Decimal) -> int:
        """Simple Earn: subscribe, interest paid to the funding account each day, redeem the
        principal at `until`; returns how many interest payments were made."""
        self.funding(at, ccy, "75", -amount)
        paid = 0
        while at + timedelta(days=paid + 1) < until:
            paid += 1
            self.funding(at + timedelta(days=paid), ccy, "126", daily + Decimal(paid % 7) / 10**6)
        self.funding(until, ccy, "76", amount)
        return paid

    def trade(self, at: datetime, base: str, quote: str, side: str, size: Decimal) -> dict:
        """A spot fill (taker): the bought currency is charged the fee, as OKX does for spot."""
        px = PRICE[base]
        cost = (size * px).quantize(Decimal("0.00000001"))
        inst, order, trade_id = f"{base}-{quote}", self._id(), str(self.random.randint(10**8, 10**9))
        got, gave, got_amount, gave_amount = (base, quote, size, cost) if side == "buy" else (quote, base, cost, size)
        fee = -(got_amount * FEE_RATE).quantize(Decimal("0.00000001"))
        common = {"instId": inst, "instType": "SPOT", "mgnMode": "cash", "ordId": order, "tradeId": trade_id,
                  "execType": "T", "px": f"{px:f}", "fillTime": ms(at), "fillIdxPx": f"{px:f}"}
        sub = "1" if side == "buy" else "2"
        self.trading(at, gave, "2", sub, -gave_amount, **common)
        bill = self.trading(at, got, "2", sub, got_amount + fee, **{**common, "fee": f"{fee:f}"})
        fill = {"instType": "SPOT", "instId": inst, "tradeId": trade_id, "ordId": order, "clOrdId": "",
                "billId": bill["billId"], "subType": sub, "tag": "", "fillPx": f"{px:f}", "fillSz": f"{size:f}",
                "fillIdxPx": f"{px:f}", "fillPnl": "0", "fillPxVol": "", "fillPxUsd": "", "fillMarkVol": "",
                "fillFwdPx": "", "fillMarkPx": "", "side": side, "posSide": "net", "execType": "T",
                "feeCcy": got, "fee": f"{fee:f}", "ts": ms(at), "fillTime": ms(at)}
        self.fills.append(fill)
        return fill

    def true_balances(self) -> dict[str, Decimal]:
        """Trading + funding per currency, zero totals left out."""
        total: dict[str, Decimal] = {}
        for held in self.balances.values():
            for ccy, amount in held.items():
                total[ccy] = total.get(ccy, Decimal(0)) + amount
        return {ccy: amount for ccy, amount in total.items() if amount != 0}


def generate(seed: int, days: int, now: datetime | None = None) -> History:
    """Deposits, transfers into trading, spot trades (about one a day, so bills page), transfers back,
    a withdrawal with its fee and USDT in Simple Earn with daily interest, over the last `days` days."""
    h = History(random.Random(seed))
    now = now or datetime.now(UTC)
    start = now - timedelta(days=days)
    at = start
    h.deposit(at, "USDT", Decimal("50000"))
    h.deposit(at + timedelta(hours=1), "ETH", Decimal("4.5"))
    h.transfer(at + timedelta(hours=2), "USDT", Decimal("40000"), to_trading=True)
    h.transfer(at + timedelta(hours=3), "ETH", Decimal("2"), to_trading=True)
    h.interest_paid = h.earn(at + timedelta(hours=4), now - timedelta(days=2), "USDT", Decimal("5000"),
                             Decimal("0.684931"))
    step = timedelta(hours=20)
    at += timedelta(days=1)
    n = 0
    while at < now - timedelta(days=2):
        base = ("BTC", "ETH", "SOL")[n % 3]
        size = {"BTC": Decimal("0.0123"), "ETH": Decimal("0.21"), "SOL": Decimal("1.7")}[base]
        size *= 1 + Decimal(h.random.randint(0, 9)) / 10
        held = h.balances[TRADING]
        can_sell, can_buy = held.get(base, Decimal(0)) >= size, held.get("USDT", Decimal(0)) >= 2 * size * PRICE[base]
        if can_sell and (h.random.random() < 0.45 or not can_buy):
            h.trade(at, base, "USDT", "sell", size)
        elif can_buy:
            h.trade(at, base, "USDT", "buy", size)
        n += 1
        at += step + timedelta(minutes=h.random.randint(0, 59))
    sol = min(Decimal("3"), h.balances[TRADING]["SOL"])
    h.transfer(now - timedelta(days=1, hours=6), "SOL", sol, to_trading=False)
    h.withdraw(now - timedelta(days=1), "SOL", (sol * Decimal("0.8")).quantize(Decimal("0.0001")), Decimal("0.008"))
    h.deposit(now - timedelta(hours=20), "BTC", Decimal("0.05"))
    return h
