"""The Bybit imitation's seeded account: a unified trading account (UTA) and a funding account (FUND)
whose rows are shaped as Bybit's v5 API returns them, and whose balances are the truth tests compare to.

What it holds, because each is a way to get a Bybit history wrong:
- deposits (on-chain, into FUND) and withdrawals from FUND with `withdrawFee` (leaves the balance on
  top of `amount`), one of them internal (off-chain: `withdrawType` 1, which the list omits unless asked);
- transfers FUND <-> UNIFIED: one inter-transfer row, and a TRANSFER_IN/TRANSFER_OUT row in the UTA
  transaction log (the same move seen from the two accounts: together they net to zero);
- spot trades in the UTA, each two log rows (one per currency, sharing `tradeId`; the fee is in the
  received currency and already inside its `change`), some weeks busy enough to need several pages;
- a convert in the funding account (`eb_convert_funding`, convert history only);
- Flexible Savings yields paid into FUND (earn yield history);
- with `ancient=True`, events older than the two years the API answers (the reader cannot see them).

Amounts are Decimal throughout and written as Bybit does, plain decimal strings.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

FEE_RATE = Decimal("0.001")
PRICES = {"BTC": Decimal("61234.5"), "ETH": Decimal("3012.25")}
Q8 = Decimal("0.00000001")


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def text(amount: Decimal) -> str:
    return f"{amount.quantize(Q8).normalize():f}"


@dataclass
class History:
    now: datetime
    log: list[dict] = field(default_factory=list)  # UTA transaction log
    deposits: list[dict] = field(default_factory=list)
    withdrawals: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)  # inter-transfers between the own accounts
    converts: list[dict] = field(default_factory=list)
    yields: list[dict] = field(default_factory=list)  # Flexible Savings
    unified: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    fund: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    _ids: int = 1_000_000

    def _id(self) -> str:
        self._ids += 1
        return str(self._ids)

    def balances(self) -> dict[str, Decimal]:
        """The truth: per coin, UNIFIED + FUND wallet balance (zero totals left out)."""
        total: dict[str, Decimal] = defaultdict(Decimal)
        for account in (self.unified, self.fund):
            for coin, amount in account.items():
                total[coin] += amount
        return {coin: amount for coin, amount in total.items() if amount != 0}

    # -- the UTA transaction log --------------------------------------------------------------------
    def _log_row(self, at: datetime, kind: str, coin: str, cash_flow: Decimal, fee: Decimal = Decimal(0), **extra) -> dict:
        change = cash_flow - fee
        self.unified[coin] += change
        row = {"id": self._id(), "symbol": "", "category": "", "side": "None", "transactionTime": str(ms(at)),
               "type": kind, "transSubType": "", "qty": text(cash_flow), "size": "", "currency": coin,
               "tradePrice": "", "funding": "", "fee": text(fee), "cashFlow": text(cash_flow),
               "change": text(change), "cashBalance": text(self.unified[coin]), "feeRate": "",
               "bonusChange": "", "tradeId": "", "orderId": "", "orderLinkId": "", "extraFees": ""}
        row.update(extra)
        self.log.append(row)
        return row

    def trade(self, at: datetime, side: str, base: str, qty: Decimal, price: Decimal) -> bool:
        """A spot fill on <base>USDT in the UTA; False (nothing booked) if the account lacks the coins."""
        quote = "USDT"
        cost = (qty * price).quantize(Q8)
        paid, got, out_amount, in_amount = (quote, base, cost, qty) if side == "Buy" else (base, quote, qty, cost)
        if self.unified[paid] < out_amount:
            return False
        fee = (in_amount * FEE_RATE).quantize(Q8)
        common = {"symbol": f"{base}{quote}", "category": "spot", "side": side, "tradePrice": str(price),
                  "tradeId": f"t-{self._id()}", "orderId": f"o-{self._id()}", "feeRate": str(FEE_RATE)}
        self._log_row(at, "TRADE", paid, -out_amount, **common)
        self._log_row(at, "TRADE", got, in_amount, fee, **common)
        return True

    def transfer(self, at: datetime, coin: str, amount: Decimal, to_unified: bool) -> bool:
        """A move between FUND and UNIFIED: an inter-transfer row and the UTA log's side of it;
        False (nothing booked) if the account moved from lacks the coins."""
        if (self.fund if to_unified else self.unified)[coin] < amount:
            return False
        source, target = ("FUND", "UNIFIED") if to_unified else ("UNIFIED", "FUND")
        transfer_id = f"{self._id()}-a1b2-4c3d-8e9f-{self._id()}"
        self.transfers.append({"transferId": transfer_id, "coin": coin, "amount": text(amount),
                               "fromAccountType": source, "toAccountType": target,
                               "timestamp": str(ms(at)), "status": "SUCCESS"})
        self.fund[coin] += -amount if to_unified else amount
        self._log_row(at, "TRANSFER_IN" if to_unified else "TRANSFER_OUT", coin, amount if to_unified else -amount)
        return True

    # -- the funding account ------------------------------------------------------------------------
    def deposit(self, at: datetime, coin: str, amount: Decimal, chain: str, status: int = 3) -> dict:
        row = {"id": f"{self._id()}_{coin}", "coin": coin, "chain": chain, "amount": text(amount),
               "txID": f"0x{random.Random(self._ids).getrandbits(256):064x}", "status": status,
               "toAddress": "0x5f2c3d0c8e8a1f4e0b8d9a7c6b5a4f3e2d1c0b9a", "tag": "", "depositFee": "",
               "successAt": str(ms(at)), "confirmations": "64", "txIndex": "3", "blockHash": "",
               "batchReleaseLimit": "-1", "depositType": "0", "fromAddress": "", "taxDepositRecordsId": "0",
               "taxStatus": 0}
        self.deposits.append(row)
        if status == 3:
            self.fund[coin] += amount
        return row

    def withdraw(self, at: datetime, coin: str, amount: Decimal, fee: Decimal, chain: str, status: str = "success",
                 internal: bool = False) -> dict:
        """On-chain, or `internal` (off-chain to another Bybit user: no txID, the UID as address)."""
        row = {"withdrawId": self._id(), "txID": "" if internal else f"0x{random.Random(self._ids).getrandbits(256):064x}",
               "withdrawType": 1 if internal else 0, "coin": coin, "chain": chain, "amount": text(amount), "withdrawFee": text(fee),
               "status": status, "toAddress": "100377" if internal else "0x9a8b7c6d5e4f30211203f4e5d6c7b8a9f0e1d2c3", "tag": "",
               "createTime": str(ms(at)), "updateTime": str(ms(at + timedelta(minutes=7)))}
        self.withdrawals.append(row)
        if status == "success":
            self.fund[coin] -= amount + fee
        return row

    def convert(self, at: datetime, from_coin: str, from_amount: Decimal, to_coin: str, to_amount: Decimal) -> dict:
        row = {"accountType": "eb_convert_funding", "exchangeTxId": f"10{self._id()}4125", "userId": "100268",
               "fromCoin": from_coin, "fromCoinType": "crypto", "toCoin": to_coin, "toCoinType": "crypto",
               "fromAmount": text(from_amount), "toAmount": text(to_amount), "exchangeStatus": "success",
               "extInfo": {"paramType": "", "paramValue": ""}, "convertRate": text(to_amount / from_amount),
               "createdAt": str(ms(at))}
        self.converts.append(row)
        self.fund[from_coin] -= from_amount
        self.fund[to_coin] += to_amount
        return row

    def earn_yield(self, at: datetime, coin: str, amount: Decimal) -> dict:
        row = {"productId": "428", "coin": coin, "id": self._id(), "amount": text(amount), "yieldType": "Normal",
               "distributionMode": "Auto", "effectiveStakingAmount": "1000", "orderId": "", "status": "Success",
               "createdAt": str(ms(at))}
        self.yields.append(row)
        self.fund[coin] += amount
        return row


def generate(seed: int = 5, now: datetime | None = None, *, ancient: bool = False) -> History:
    """A seeded history ending `now`, booked in time order (so every row's `cashBalance` is the
    running balance and nothing is spent before it arrived)."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    h = History(now)
    events: list[tuple[float, Callable[[datetime], object]]] = []

    def at(days: float, action: Callable[[datetime], object]) -> None:
        events.append((days, action))

    if ancient:  # beyond the API's two years: in the balances, never in an answer
        at(800, lambda t: h.deposit(t, "BTC", Decimal("0.25"), "BTC"))
        at(799, lambda t: h.transfer(t, "BTC", Decimal("0.05"), to_unified=True))
        at(790, lambda t: h.deposit(t, "USDT", Decimal("1500"), "ETH"))
        at(789, lambda t: h.transfer(t, "USDT", Decimal("1500"), to_unified=True))
        at(760, lambda t: h.trade(t, "Buy", "ETH", Decimal("0.2"), PRICES["ETH"]))
    at(700, lambda t: h.deposit(t, "USDT", Decimal("25000"), "TRX"))
    at(699, lambda t: h.transfer(t, "USDT", Decimal("20000"), to_unified=True))
    at(650, lambda t: h.deposit(t, "BTC", Decimal("0.5"), "BTC"))
    at(649, lambda t: h.transfer(t, "BTC", Decimal("0.3"), to_unified=True))
    # Trades spread over two years, and one busy week (several pages of the log in one window).
    for day in [rng.uniform(2, 640) for _ in range(40)] + [rng.uniform(100, 106) for _ in range(60)]:
        base = rng.choice(("BTC", "ETH"))
        price = (PRICES[base] * Decimal(rng.uniform(0.7, 1.3))).quantize(Decimal("0.01"))
        qty = Decimal(rng.randint(1, 40)) / (1000 if base == "BTC" else 100)
        side = rng.choice(("Buy", "Buy", "Sell"))
        at(day, lambda t, side=side, base=base, qty=qty, price=price: h.trade(t, side, base, qty, price))
    at(300, lambda t: h.transfer(t, "BTC", Decimal("0.12345678"), to_unified=False))
    at(250, lambda t: h.withdraw(t, "BTC", Decimal("0.1"), Decimal("0.0002"), "BTC"))
    at(200.1, lambda t: h.transfer(t, "USDT", Decimal("1000"), to_unified=False))
    at(150, lambda t: h.withdraw(t, "USDT", Decimal("500"), Decimal("1"), "TRX"))
    at(140, lambda t: h.withdraw(t, "USDT", Decimal("120.5"), Decimal("0"), "", internal=True))  # Bybit's default list hides it
    at(120, lambda t: h.convert(t, "USDT", Decimal("1000"), "ETH", Decimal("0.33241212")))
    at(90, lambda t: h.deposit(t, "ETH", Decimal("1.5"), "ETH"))
    for day in range(80, 0, -4):
        at(day, lambda t, day=day: h.earn_yield(t, "USDT", Decimal("0.0608") + Decimal(day) / 10_000))
    for days, action in sorted(events, key=lambda e: -e[0]):
        action(now - timedelta(days=days))
    return h
