"""A seeded Bitpanda account history in the classic API's JSON:API shapes, and its true balances.

Events (2025, UTC): EUR deposits and a withdrawal with a fee; buys and sells against EUR (one
buy of BEST first); a monthly BTC savings plan (`is_savings`); trades whose fee is partly paid in
BEST (`bfc_used`, with the BEST wallet transaction under `best_fee_collection`, which the crypto
wallet transactions list too); crypto deposits and a withdrawal with a network fee; staking
rewards (daily, incoming `transfer` tagged `staking`); a cancelled withdrawal that moves nothing.

As on Bitpanda, each trade is also listed as a `buy`/`sell` wallet transaction and fiat wallet
transaction; the truth counts it once. `truth()` is computed from the events, never from payloads.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

FIAT_ID = {"EUR": "1"}
COIN_ID = {"BTC": "1", "ETH": "5", "BEST": "33", "DOT": "66"}
REWARD_DAYS = 250
PRICE = {"BTC": Decimal("61234.5"), "ETH": Decimal("2890.12"), "BEST": Decimal("0.42"), "DOT": Decimal("6.87")}


def _time(at: datetime) -> dict:
    return {"date_iso8601": at.isoformat(), "unix": str(int(at.timestamp()))}


@dataclass
class History:
    """Rows of the three history lists, newest last (the server answers newest first)."""

    random: random.Random
    wallet_transactions: list[dict] = field(default_factory=list)
    fiat_transactions: list[dict] = field(default_factory=list)
    trades: list[dict] = field(default_factory=list)
    balances: dict[str, Decimal] = field(default_factory=dict)

    def _id(self) -> str:
        return str(uuid.UUID(int=self.random.getrandbits(128)))

    def _move(self, asset: str, amount: Decimal) -> None:
        self.balances[asset] = self.balances.get(asset, Decimal(0)) + amount

    def wallet_tx(self, at: datetime, coin: str, kind: str, direction: str, amount: Decimal, fee: Decimal = Decimal(0),
                  *, status: str = "finished", tag: str | None = None, book: bool = True) -> dict:
        row = {"type": "wallet_transaction", "id": self._id(), "attributes": {
            "amount": f"{amount:f}", "fee": f"{fee:f}", "in_or_out": direction, "type": kind, "status": status,
            "cryptocoin_id": COIN_ID[coin], "cryptocoin_symbol": coin, "wallet_id": f"wallet-{coin}",
            "time": _time(at), "amount_eur": f"{(amount * PRICE[coin]).quantize(Decimal('0.01')):f}",
            "is_savings": False, "is_bfc": False,
            "tags": [{"type": "tag", "attributes": {"short_name": tag, "name": tag.title()}}] if tag else []}}
        self.wallet_transactions.append(row)
        if book and status == "finished":
            self._move(coin, (amount if direction == "incoming" else -amount - fee))
        return row

    def fiat_tx(self, at: datetime, kind: str, direction: str, amount: Decimal, fee: Decimal = Decimal(0),
                *, book: bool = True) -> None:
        self.fiat_transactions.append({"type": "fiat_wallet_transaction", "id": self._id(), "attributes": {
            "fiat_wallet_id": "fiatwallet-EUR", "fiat_id": FIAT_ID["EUR"], "amount": f"{amount:f}", "fee": f"{fee:f}",
            "to_eur_rate": "1.00000000", "time": _time(at), "in_or_out": direction, "type": kind,
            "status": "finished"}})
        if book:
            self._move("EUR", amount - fee if direction == "incoming" else -amount - fee)

    def trade(self, at: datetime, side: str, coin: str, eur: Decimal, *, savings: bool = False, best_fee: Decimal | None = None) -> None:
        crypto = (eur / PRICE[coin]).quantize(Decimal("0.00000001"))
        attributes = {"status": "finished", "type": side, "cryptocoin_id": COIN_ID[coin], "cryptocoin_symbol": coin,
                      "fiat_id": FIAT_ID["EUR"], "amount_fiat": f"{eur:f}", "amount_cryptocoin": f"{crypto:f}",
                      "fiat_to_eur_rate": "1.00000000", "wallet_id": f"wallet-{coin}", "fiat_wallet_id": "fiatwallet-EUR",
                      "time": _time(at), "price": f"{PRICE[coin]:f}", "is_swap": False, "is_savings": savings,
                      "bfc_used": best_fee is not None}
        if best_fee is not None:
            fee_row = self.wallet_tx(at, "BEST", "transfer", "outgoing", best_fee, tag="best_fee_collection")
            fee_row["attributes"]["is_bfc"] = True
            attributes["best_fee_collection"] = {"type": "best_fee_collection", "attributes": {
                "best_current_price_eur": f"{PRICE['BEST']:f}", "best_used_price_eur": f"{PRICE['BEST']:f}",
                "bfc_deduction": 0.2, "bfc_market_value_eur": f"{best_fee * PRICE['BEST']:f}", "wallet_transaction": fee_row}}
        self.trades.append({"type": "trade", "id": self._id(), "attributes": attributes})
        direction = "incoming" if side == "buy" else "outgoing"
        self.wallet_tx(at, coin, side, direction, crypto)
        self.fiat_tx(at, side, "outgoing" if side == "buy" else "incoming", eur)


def generate(seed: int = 7) -> History:
    """The seeded 2025 history (about 350 records over the three lists: several pages of wallet
    transactions)."""
    h = History(random.Random(seed))
    start = datetime(2025, 1, 3, 9, tzinfo=UTC)
    h.fiat_tx(start, "deposit", "incoming", Decimal("5000.00"))
    h.trade(start + timedelta(hours=1), "buy", "BEST", Decimal("50.00"))
    h.trade(start + timedelta(hours=2), "buy", "ETH", Decimal("800.00"))
    h.trade(start + timedelta(hours=3), "buy", "DOT", Decimal("300.00"), best_fee=Decimal("1.25"))
    h.wallet_tx(start + timedelta(days=2), "BTC", "deposit", "incoming", Decimal("0.04210000"))
    for month in range(12):  # the savings plan: BTC for 100 EUR on the 5th
        at = datetime(2025, month + 1, 5, 8, 30, tzinfo=UTC)
        h.trade(at, "buy", "BTC", Decimal("100.00"), savings=True, best_fee=Decimal("0.31") if month % 3 == 0 else None)
    for day in range(REWARD_DAYS):  # daily staking rewards of DOT and ETH
        at = start + timedelta(days=day + 1, hours=2)
        coin = "DOT" if day % 2 else "ETH"
        amount = Decimal(h.random.randint(1000, 99999)) / Decimal(10 ** (8 if coin == "ETH" else 6))
        h.wallet_tx(at, coin, "transfer", "incoming", amount, tag="staking")
    h.trade(datetime(2025, 6, 1, 12, tzinfo=UTC), "sell", "ETH", Decimal("210.55"), best_fee=Decimal("0.50"))
    h.wallet_tx(datetime(2025, 7, 2, 16, tzinfo=UTC), "BTC", "withdrawal", "outgoing", Decimal("0.01500000"), Decimal("0.00002000"))
    h.wallet_tx(datetime(2025, 7, 3, 16, tzinfo=UTC), "BTC", "withdrawal", "outgoing", Decimal("0.5"), status="canceled")
    h.fiat_tx(datetime(2025, 8, 9, 10, tzinfo=UTC), "withdrawal", "outgoing", Decimal("400.00"), Decimal("1.50"))
    h.fiat_tx(datetime(2025, 9, 1, 10, tzinfo=UTC), "deposit", "incoming", Decimal("250.00"))
    return h
