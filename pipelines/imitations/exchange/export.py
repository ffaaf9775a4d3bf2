"""The imitation's histories as the exchanges' own exports, rendered from what it knows.

`kraken_ledgers` is Kraken's ledgers export (History, Export, Ledgers): the `Ledgers` entries the API
serves, with the same txid and refid, every field quoted, times in UTC. `binance_statement` is
Binance's "Transaction History" statement: one row per balance change (a trade's `Transaction
Buy`/`Spend`/`Fee` or `Sold`/`Revenue`/`Fee` rows under its second, a withdrawal's change with its
fee, a Simple Earn subscription as a Spot and an Earn row), times in UTC to the second, no ids.
Tests import them and check the round trip against what the API brought.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from pipelines.imitations.exchange.api import Account
from pipelines.imitations.exchange.kraken import KrakenApi

KRAKEN_HEADER = ("txid", "refid", "time", "type", "subtype", "aclass", "asset", "wallet", "amount", "fee", "balance")
BINANCE_HEADER = ("User_ID", "UTC_Time", "Account", "Operation", "Coin", "Change", "Remark")


def _csv(rows, quoting=csv.QUOTE_MINIMAL) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=quoting).writerows(rows)
    return out.getvalue()


def _utc(ms: int | float, fraction: bool = False) -> str:
    at = datetime.fromtimestamp(ms / 1000, UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-2] if fraction and at.microsecond else at.strftime("%Y-%m-%d %H:%M:%S")


def kraken_ledgers(api: KrakenApi) -> str:
    rows = [KRAKEN_HEADER]
    for time_s, lid, r in api.ledger_rows():
        rows.append((lid, r["refid"], _utc(round(time_s * 1000), fraction=True), r["type"], r["subtype"], r["aclass"],
                     r["asset"], "spot / main", r["amount"], r["fee"], r["balance"]))
    return _csv(rows, csv.QUOTE_ALL)


def _s(value: Decimal) -> str:
    return f"{value.normalize():f}"


def binance_statement(account: Account, user_id: str = "123456789") -> str:
    h = account.history
    rows: list[tuple[int, tuple]] = []

    def add(ms: int, operation: str, coin: str, change: Decimal, wallet: str = "Spot") -> None:
        if change != 0:
            rows.append((ms, (user_id, _utc(ms), wallet, operation, coin, _s(change), "")))

    for t in h.trades:
        bought = t.side == "buy"
        add(t.time_ms, "Transaction Buy" if bought else "Transaction Sold", t.base, t.qty if bought else -t.qty)
        add(t.time_ms, "Transaction Spend" if bought else "Transaction Revenue", t.quote, -t.cost if bought else t.cost)
        add(t.time_ms, "Transaction Fee", t.fee_asset, -t.fee)
    for t in h.transfers:
        if t.kind == "deposit":
            add(t.time_ms, "Deposit", t.asset, t.amount)
        else:
            add(t.time_ms, "Withdraw", t.asset, -(t.amount + t.fee))
    for e in h.earn:
        if e.kind == "stake":
            add(e.time_ms, "Simple Earn Flexible Subscription", e.asset, -e.amount)
            add(e.time_ms, "Simple Earn Flexible Subscription", e.asset, e.amount, wallet="Earn")
        else:
            add(e.time_ms, "Simple Earn Flexible Interest", e.asset, e.amount, wallet="Earn")
    return _csv([BINANCE_HEADER, *(r for _, r in sorted(rows, key=lambda r: r[0]))])
