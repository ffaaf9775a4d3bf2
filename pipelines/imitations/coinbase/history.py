"""A seeded Coinbase account history in the v2 API's shapes (`/v2/accounts`, `/v2/accounts/:id/transactions`),
and its true balances.

Coinbase keeps one account (wallet) per currency and more: every listed currency has one, most of
them empty (so the account list pages past 250, ccxt issue 24283), fiat wallets are accounts of
type `fiat`, and a vault is a second account of a currency. Each v2 transaction changes exactly one
account's balance by `amount.amount`; the truth is the sum of every `completed` transaction per
currency, kept separately as each event is booked (never recomputed from the payloads).

Events (2025, UTC): EUR deposits and a withdrawal; buys and sells paid from / into the EUR wallet
(two transactions, one per account, linked by `buy.id` / `sell.id`); a conversion (`trade`, linked
by `trade.id`); Advanced Trade fills (`advanced_trade_fill`, one transaction per fill and account,
linked by `advanced_trade_fill.order_id`); crypto received (`send` with a positive amount) and sent
(`send`, negative `amount` = what left the account, the network fee under
`network.transaction_fee`, what arrived under `network.transaction_amount`); USDC moved to and from
Coinbase Pro (`pro_deposit`, `pro_withdrawal`); a BTC move into a vault (`transfer`, two accounts);
hundreds of tiny daily staking rewards (`staking_reward`); a failed send that moves nothing.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

#: The accounts that see activity: (name, currency, type, primary).
ACTIVE = (("EUR Wallet", "EUR", "fiat", False), ("BTC Wallet", "BTC", "wallet", True),
          ("ETH Wallet", "ETH", "wallet", False), ("SOL Wallet", "SOL", "wallet", False),
          ("USDC Wallet", "USDC", "wallet", False), ("BTC Vault", "BTC", "vault", False))
#: Wallets of other listed currencies that were never used, so that the account list spans two pages
#: of 250. As in ccxt's recorded `/v2/accounts` answer, such a wallet's id is its currency code and
#: its `created_at` is null: it has no transactions.
EMPTY_ACCOUNTS = 260
REWARD_DAYS = 300
START = datetime(2025, 1, 2, 9, 0, tzinfo=UTC)
PRICE = {"BTC": Decimal("61234.50"), "ETH": Decimal("2890.12"), "SOL": Decimal("142.37"), "USDC": Decimal("0.93")}


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Account:
    id: str
    name: str
    currency: str
    type: str
    primary: bool
    created_at: datetime | None  # None: never used (listed for the currency only)
    transactions: list[dict] = field(default_factory=list)  # oldest first

    def payload(self, balance: Decimal) -> dict:
        """The v2 account object (the shape of Coinbase's docs and ccxt's fetchBalance samples)."""
        return {
            "id": self.id, "name": self.name, "primary": self.primary, "type": self.type,
            "currency": {"code": self.currency, "name": self.currency, "type": "fiat" if self.type == "fiat" else "crypto",
                         "exponent": 2 if self.type == "fiat" else 8},
            "balance": {"amount": f"{balance:f}", "currency": self.currency},
            "created_at": self.created_at and _iso(self.created_at), "updated_at": self.created_at and _iso(self.created_at),
            "resource": "account", "resource_path": f"/v2/accounts/{self.id}",
            "allow_deposits": True, "allow_withdrawals": True,
        }


@dataclass
class History:
    random: random.Random
    accounts: list[Account] = field(default_factory=list)
    #: account id -> balance: what `/v2/accounts` shows (the completed transactions' sum, booked as they happen)
    balance: dict[str, Decimal] = field(default_factory=dict)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.random.getrandbits(128), version=4))

    def account(self, currency: str, type_: str = "wallet") -> Account:
        return next(a for a in self.accounts if a.currency == currency and a.type == type_)

    def true_balances(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for account in self.accounts:
            totals[account.currency] = totals.get(account.currency, Decimal(0)) + self.balance.get(account.id, Decimal(0))
        return {c: v for c, v in totals.items() if v != 0}

    def tx(self, at: datetime, account: Account, type_: str, amount: Decimal, *, status: str = "completed",
           link: dict | None = None, native: Decimal | None = None, **extra) -> dict:
        """Book one v2 transaction on one account (its balance moves by `amount` once completed)."""
        tx_id = self.uid()
        row = {
            "id": tx_id, "type": type_, "status": status,
            "amount": {"amount": f"{amount:f}", "currency": account.currency},
            "native_amount": {"amount": f"{(native if native is not None else amount * PRICE.get(account.currency, 1)).quantize(Decimal('0.01')):f}",
                              "currency": "EUR"},
            "description": None, "created_at": _iso(at), "updated_at": _iso(at),
            "resource": "transaction", "resource_path": f"/v2/accounts/{account.id}/transactions/{tx_id}",
            "instant_exchange": False, **(link or {}), **extra,
        }
        account.transactions.append(row)
        if status == "completed":
            self.balance[account.id] = self.balance.get(account.id, Decimal(0)) + amount
        return row

    def complete(self, row: dict) -> None:
        """A pending transaction completes: its status changes and its amount moves the balance."""
        row["status"] = "completed"
        account_id = row["resource_path"].split("/")[3]
        self.balance[account_id] = self.balance.get(account_id, Decimal(0)) + Decimal(row["amount"]["amount"])

    # -- linked events -----------------------------------------------------------------------------
    def _linked(self, at: datetime, kind: str, legs: list[tuple[str, str, Decimal]], details: dict | None = None,
                pending: str | None = None) -> list[dict]:
        """One event seen in several accounts: one transaction per (currency, account type, amount),
        each carrying `{kind: {id, resource, resource_path}}`; the row in currency `pending` not final yet."""
        link_id = self.uid()
        rows = []
        for currency, type_, amount in legs:
            account = self.account(currency, type_)
            link = {kind: {"id": link_id, "resource": kind, "resource_path": f"/v2/accounts/{account.id}/{kind}s/{link_id}"}}
            rows.append(self.tx(at, account, kind, amount, link=link, details=details or {"title": kind.title()},
                                status="pending" if currency == pending else "completed"))
        return rows

    def buy(self, at: datetime, coin: str, eur: Decimal, coin_amount: Decimal, pending: str | None = None) -> list[dict]:
        return self._linked(at, "buy", [(coin, "wallet", coin_amount), ("EUR", "fiat", -eur)],
                            {"title": f"Bought {coin}", "subtitle": "Using EUR Wallet", "payment_method_name": "EUR Wallet"},
                            pending)

    def sell(self, at: datetime, coin: str, coin_amount: Decimal, eur: Decimal) -> list[dict]:
        return self._linked(at, "sell", [(coin, "wallet", -coin_amount), ("EUR", "fiat", eur)],
                            {"title": f"Sold {coin}", "subtitle": "Using EUR Wallet", "payment_method_name": "EUR Wallet"})

    def convert(self, at: datetime, give: str, give_amount: Decimal, get: str, get_amount: Decimal) -> list[dict]:
        return self._linked(at, "trade", [(give, "wallet", -give_amount), (get, "wallet", get_amount)],
                            {"title": f"Converted {give} to {get}"})

    def fills(self, at: datetime, side: str, base: str, quote: str, sizes: list[Decimal], price: Decimal,
              commission_rate: Decimal = Decimal("0.006")) -> str:
        """An Advanced Trade order filled in parts: per fill one transaction in the base and one in the
        quote account; the commission (quote) is inside the quote amount."""
        order_id = self.uid()
        for n, size in enumerate(sizes):
            value = size * price
            commission = (value * commission_rate).quantize(Decimal("0.000001"))
            fill = {"fill_price": f"{price:f}", "product_id": f"{base}-{quote}", "order_id": order_id,
                    "commission": f"{commission:f}", "order_side": side}
            base_amount, quote_amount = (size, -(value + commission)) if side == "buy" else (-size, value - commission)
            when = at + timedelta(seconds=n)
            details = {"title": f"Advanced Trade {side.title()}", "subtitle": f"{base}-{quote}"}
            self.tx(when, self.account(base), "advanced_trade_fill", base_amount, advanced_trade_fill=fill, details=details)
            self.tx(when, self.account(quote), "advanced_trade_fill", quote_amount, advanced_trade_fill=fill, details=details)
        return order_id

    def receive(self, at: datetime, coin: str, amount: Decimal, type_: str = "send") -> dict:
        return self.tx(at, self.account(coin), type_, amount,
                       network={"status": "confirmed", "hash": self.uid().replace("-", "")},
                       **{"from": {"resource": f"{coin.lower()}_network", "currency": coin}},
                       details={"title": f"Received {coin}", "subtitle": f"From {coin} address"})

    def send(self, at: datetime, coin: str, arrives: Decimal, fee: Decimal, status: str = "completed") -> dict:
        """A send to an address: `amount` is what leaves the account (arrives + network fee)."""
        tx_hash = self.uid().replace("-", "")
        network = {"status": "confirmed" if status == "completed" else "pending", "hash": tx_hash,
                   "transaction_url": f"https://explorer.example/{coin.lower()}/tx/{tx_hash}",
                   "transaction_fee": {"amount": f"{fee:f}", "currency": coin},
                   "transaction_amount": {"amount": f"{arrives:f}", "currency": coin}, "confirmations": 12}
        return self.tx(at, self.account(coin), "send", -(arrives + fee), status=status, network=network,
                       to={"resource": "address", "address": "bc1q" + self.uid().replace("-", "")[:30], "currency": coin},
                       details={"title": f"Sent {coin}", "subtitle": f"To {coin} address"})

    def staking_reward(self, at: datetime, coin: str, amount: Decimal) -> dict:
        return self.tx(at, self.account(coin), "staking_reward", amount,
                       details={"title": f"{coin} staking reward", "subtitle": "From Coinbase"})


def generate(seed: int = 7) -> History:
    rnd = random.Random(seed)
    h = History(rnd)
    created = START - timedelta(days=30)
    for name, currency, type_, primary in ACTIVE:
        h.accounts.append(Account(h.uid(), name, currency, type_, primary, created))
    for n in range(EMPTY_ACCOUNTS):
        code = "".join(rnd.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3)) + str(n)
        h.accounts.append(Account(code, f"{code} Wallet", code, "wallet", False, None))
    rnd.shuffle(h.accounts)  # active accounts on both pages of the account list

    day = START
    for n in range(4):
        eur = Decimal(rnd.randint(2000, 9000)) + Decimal(rnd.randint(0, 99)) / 100
        h.tx(day + timedelta(days=30 * n), h.account("EUR", "fiat"), "fiat_deposit", eur,
             link={"fiat_deposit": {"id": h.uid(), "resource": "fiat_deposit"}},
             details={"title": "Deposited funds", "subtitle": "From SEPA Transfer"})
    for n, coin in enumerate(("BTC", "ETH", "SOL", "BTC", "ETH")):
        eur = Decimal(rnd.randint(300, 1500))
        h.buy(day + timedelta(days=3 + 20 * n, hours=2), coin, eur, (eur * Decimal("0.985") / PRICE[coin]).quantize(Decimal("0.00000001")))
    h.sell(day + timedelta(days=95), "ETH", Decimal("0.12345678"), Decimal("351.27"))
    h.convert(day + timedelta(days=101), "ETH", Decimal("0.05"), "SOL", Decimal("0.98765432"))
    h.receive(day + timedelta(days=10), "USDC", Decimal("2500.000000"))
    h.receive(day + timedelta(days=12), "ETH", Decimal("0.75"), type_="receive")
    h.fills(day + timedelta(days=40), "buy", "BTC", "USDC", [Decimal("0.0031"), Decimal("0.0042"), Decimal("0.0007")], Decimal("65420.11"))
    h.fills(day + timedelta(days=70), "sell", "BTC", "USDC", [Decimal("0.002"), Decimal("0.0015")], Decimal("70011.5"))
    h.send(day + timedelta(days=110), "BTC", Decimal("0.004"), Decimal("0.00002345"))
    h.send(day + timedelta(days=111), "ETH", Decimal("0.1"), Decimal("0.00123"), status="failed")
    h._linked(day + timedelta(days=112), "transfer", [("BTC", "wallet", Decimal("-0.001")), ("BTC", "vault", Decimal("0.001"))])
    h.tx(day + timedelta(days=115), h.account("USDC"), "pro_deposit", Decimal("-500.000000"),
         details={"title": "Transferred USDC", "subtitle": "To Coinbase Pro"})
    h.tx(day + timedelta(days=118), h.account("USDC"), "pro_withdrawal", Decimal("125.500000"),
         details={"title": "Transferred USDC", "subtitle": "From Coinbase Pro"})
    h.tx(day + timedelta(days=120), h.account("EUR", "fiat"), "fiat_withdrawal", Decimal("-250.00"),
         link={"fiat_withdrawal": {"id": h.uid(), "resource": "fiat_withdrawal"}},
         details={"title": "Withdrew funds", "subtitle": "To bank"})
    for n in range(REWARD_DAYS):
        h.staking_reward(day + timedelta(days=20 + n, hours=3), "SOL", Decimal(rnd.randint(1, 99999)) / Decimal(10**9))
    for n in range(60):
        h.staking_reward(day + timedelta(days=30 + n, hours=4), "ETH", Decimal(rnd.randint(1, 9999)) / Decimal(10**8))
    for account in h.accounts:
        account.transactions.sort(key=lambda r: r["created_at"])
    return h
