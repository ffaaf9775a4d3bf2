"""Binance's "Transaction History" statement (Wallet, Transaction History, Export Transaction
Records, CSV), imported into the integration the API syncs.

Columns `User_ID, UTC_Time, Account, Operation, Coin, Change, Remark`: one row per balance change,
times in UTC (`2024-03-31 14:30:00`), `Change` signed. A trade is several rows of one second
(`Transaction Buy`/`Spend`/`Fee`, `Sold`/`Revenue`, older files `Buy`/`Sell`/`Fee`/`Transaction
Related`): the rows of one second are one Trade (the coin that left, the coin that came in, the
fee rows as its fee); a second whose rows move more than one coin each way is reported, since the
statement cannot tell two markets' trades apart. A `Withdraw` row's change is what left the
account, fee included. Moves between Binance's own wallets (Simple Earn subscriptions, funding
transfers) that net to zero in a second are left out, as the API sync folds `LD<coin>` into the coin.

The statement has no ids, so a transaction the API already brought is recognised by its second,
its kind and its net change per coin (sql/interchange/binance_export_synced.sql): importing a
statement after a complete API sync adds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pipelines.interchange import exchange_export
from pipelines.interchange.csvfile import Record, parse_time, text
from pipelines.manual import layout
from pipelines.manual.validation import Problem

TITLE = "Binance transaction history statement"
USER, TIME, ACCOUNT, OPERATION, COIN, CHANGE, REMARK = "User_ID", "UTC_Time", "Account", "Operation", "Coin", "Change", "Remark"
HEADER = (USER, TIME, ACCOUNT, OPERATION, COIN, CHANGE, REMARK)
REQUIRED = (TIME, OPERATION, COIN, CHANGE)
DELIMITERS = (",",)
ZONED_BY_USER = False  # the column says it: UTC_Time
LABEL_COLUMN = OPERATION
COLUMNS = {layout.DATE: TIME, layout.OUT_ASSET: COIN, layout.OUT_AMOUNT: CHANGE, layout.IN_ASSET: COIN,
           layout.IN_AMOUNT: CHANGE, layout.FEE_ASSET: COIN, layout.FEE_AMOUNT: CHANGE}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%y-%m-%d %H:%M:%S")
TRADE = {"buy", "sell", "fee", "transaction related", "transaction buy", "transaction spend", "transaction fee",
         "transaction sold", "transaction revenue", "binance convert", "large otc trading",
         "small assets exchange bnb"}
FEES = {"fee", "transaction fee"}
MOVES = {"simple earn flexible subscription", "simple earn flexible redemption", "simple earn locked subscription",
         "simple earn locked redemption", "transfer between main and funding wallet", "transfer_in", "transfer_out",
         "staking purchase", "staking redemption", "pos savings purchase", "pos savings redemption",
         "savings purchase", "savings principal redemption"}
#: One-row operations -> label (the sign of the change must fit it).
SINGLE = {"deposit": "Deposit", "fiat deposit": "Deposit", "withdraw": "Withdrawal", "fiat withdraw": "Withdrawal",
          "fiat withdrawal": "Withdrawal", "send": "Withdrawal", "staking rewards": "Staking",
          "pos savings interest": "Staking", "eth 2.0 staking rewards": "Staking", "simple earn locked rewards": "Staking",
          "simple earn flexible interest": "Interest", "savings interest": "Interest", "launchpool interest": "Interest",
          "airdrop assets": "Airdrop", "distribution": "Airdrop", "commission history": "Income",
          "referral kickback": "Income", "referral commission": "Income", "commission rebate": "Income",
          "binance card cashback": "Cashback"}


def records(rows, tz: str, problems):
    seconds: dict[tuple, list] = defaultdict(list)  # (time, kind) -> [(row, operation, coin, change)]
    for row, v in rows:
        when = parse_time(v.get(TIME), TIME_FORMATS, tz, row, TIME, problems)
        change = exchange_export.signed(v.get(CHANGE), row, CHANGE, problems)
        coin, operation = text(v.get(COIN)), (text(v.get(OPERATION)) or "")
        if coin is None:
            problems.append(Problem(row, COIN, "missing coin"))
        if when is None or change is None or coin is None or change == 0:
            continue
        kind = operation.lower()
        if kind in TRADE or kind in MOVES:
            seconds[(when, "Trade" if kind in TRADE else "Move")].append((row, kind, coin, change))
        elif kind in SINGLE:
            label = SINGLE[kind]
            leg = (coin, abs(change))
            outgoing, incoming = (leg, (None, None)) if change < 0 else ((None, None), leg)
            if label != "Withdrawal" and change < 0 or label == "Withdrawal" and change > 0:
                problems.append(Problem(row, CHANGE, f"a {operation} row cannot change the balance by {change}"))
                continue
            yield Record(row, when, label, operation, outgoing, incoming, (None, None), f"binance statement {operation}", None)
        else:
            yield Record(row, when, None, operation, (None, None), (None, None), (None, None), None, None)
    for (when, kind), entries in seconds.items():
        yield from _group(when, kind, entries, problems)


def _net(entries) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for _, _, coin, change in entries:
        out[coin] += change
    return {c: v for c, v in out.items() if v != 0}


def _group(when, kind: str, entries: list, problems):
    """The rows of one second: one Trade, or (moves between Binance's wallets) nothing when they net to zero."""
    row = entries[0][0]
    moved = _net([e for e in entries if e[1] not in FEES])
    fees = _net([e for e in entries if e[1] in FEES])
    out = [(c, -v) for c, v in moved.items() if v < 0]
    inc = [(c, v) for c, v in moved.items() if v > 0]
    operations = ",".join(sorted({e[1] for e in entries}))
    if kind == "Move":
        for coin, change in moved.items():
            label = "Non-Taxable In" if change > 0 else "Non-Taxable Out"
            leg = (coin, abs(change))
            yield Record(row, when, label, operations, leg if change < 0 else (None, None),
                         leg if change > 0 else (None, None), (None, None), f"binance statement {operations}", None)
        return
    if len(out) != 1 or len(inc) != 1 or len(fees) > 1 or any(v > 0 for v in fees.values()):
        problems.append(Problem(row, OPERATION, f"the trade rows of {when:%Y-%m-%d %H:%M:%S} do not make one trade "
                                                f"(one coin out, one in, one fee coin): import them by hand"))
        return
    fee = next(((c, -v) for c, v in fees.items()), (None, None))
    yield Record(row, when, "Trade", operations, out[0], inc[0], fee, f"binance statement {operations}", None)


def _key(tx) -> tuple:
    """(second, label, net change per coin) of a transaction, as the synced side is keyed."""
    changes: dict[str, Decimal] = defaultdict(Decimal)
    for asset, amount, sign in ((tx.outgoing_asset, tx.outgoing_amount, -1), (tx.incoming_asset, tx.incoming_amount, 1),
                                (tx.fee_asset, tx.fee_amount, -1)):
        if amount is not None:
            changes[asset] += sign * amount
    return tx.occurred_at, tx.label, tuple(sorted((c, v) for c, v in changes.items() if v != 0))


def _synced_keys(rows: list[tuple]) -> set[tuple]:
    grouped: dict[tuple, list] = defaultdict(list)
    for at, label, group, coin, change in rows:
        grouped[(at, label, group)].append((coin, change))
    return {(at, label, tuple(sorted(changes))) for (at, label, _), changes in grouped.items()}


def unsynced(con, integration, transactions):
    """Transactions whose second, kind and net changes match no transaction the API brought."""
    return exchange_export.unsynced(con, integration, transactions, provider="binance", title=TITLE,
                                    synced_sql="interchange/binance_export_synced", key=_key, keys=_synced_keys)
