"""Coinbase's transaction history CSV (Statements > Transaction history), imported into a Coinbase
exchange integration: what the API cannot give any more, or never gave.

Layout (comma separated, times "2025-01-17 16:57:02 UTC", money cells with the currency's sign such
as "€3343.11" or "-€597.49"): the current export, `ID, Timestamp, Transaction Type, Asset, Quantity
Transacted, Price Currency, Price at Transaction, Subtotal, Total (inclusive of fees and/or
spread), Fees and/or Spread, Notes`, and the older one without ID and with `Spot Price Currency` /
`Spot Price at Transaction` (a public sample of each: dickwolff/Export-To-Ghostfolio
samples/coinbase-export.csv, GhostfolioSidekick's CoinbaseRecord). Lines above the header (older
exports start with a title block) must be removed first.

Booking (one row, one transaction; Subtotal/Total/Fees are in Price Currency):
- Buy, Advanced Trade Buy: Trade, out Subtotal (Price Currency), fee Fees, in Quantity (Asset):
  Total = Subtotal + Fees left the fiat/quote wallet.
- Sell, Advanced Trade Sell: Trade, out Quantity, in Subtotal, fee Fees (Total = Subtotal - Fees arrived).
- Convert: Trade, out Quantity (Asset), in the amount and asset of Notes "Converted A X to B Y".
- Send/Receive/Deposit/Withdrawal/Pro and Exchange moves: out when Quantity is negative (newer
  exports sign it), else by the type (Send, Withdrawal, Pro Deposit, Exchange Deposit: out). A send's
  Quantity is taken as the account's change (network fee included), as the v2 API's `amount`.
- Staking Income, Inflation Reward, Rewards Income: Staking; Learning Reward, Coinbase Earn,
  Incentives Rewards Payout: Income.

Dedup against the API: a row whose ID is the id of a v2 transaction the integration already synced
is left out (`unsynced`), so importing an export that covers the synced history adds nothing,
and rows the API no longer serves are added as manual transactions. Whether Coinbase's ID column
equals the v2 transaction id could not be checked against a real account: the public sample's ids
are 24 hex digits, v2 ids are UUIDs. Rows not matched by ID are matched at build time by the
integration's duplicate rule (amount and time, `pipelines integrations duplicates`).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pipelines.interchange import exchange_export
from pipelines.interchange.csvfile import Record, parse_time, text
from pipelines.manual import layout
from pipelines.manual.validation import Problem

TITLE = "Coinbase transaction history CSV"
LABELS_KEY = None  # import only: nothing is written in this layout
ID, TIMESTAMP, TYPE, ASSET, QUANTITY = "ID", "Timestamp", "Transaction Type", "Asset", "Quantity Transacted"
PRICE_CURRENCY, PRICE, SUBTOTAL, TOTAL = "Price Currency", "Price at Transaction", "Subtotal", "Total (inclusive of fees and/or spread)"
FEES, NOTES, SPOT_CURRENCY, SPOT_PRICE = "Fees and/or Spread", "Notes", "Spot Price Currency", "Spot Price at Transaction"
HEADER = (ID, TIMESTAMP, TYPE, ASSET, QUANTITY, PRICE_CURRENCY, PRICE, SUBTOTAL, TOTAL, FEES, NOTES, SPOT_CURRENCY, SPOT_PRICE)
REQUIRED = (TIMESTAMP, TYPE, ASSET, QUANTITY, SUBTOTAL, TOTAL, FEES)
DELIMITERS = (",",)
ZONED_BY_USER = False  # "... UTC" in every row
LABEL_COLUMN = TYPE
COLUMNS = {layout.DATE: TIMESTAMP, layout.OUT_ASSET: ASSET, layout.OUT_AMOUNT: QUANTITY, layout.IN_ASSET: ASSET,
           layout.IN_AMOUNT: QUANTITY, layout.FEE_ASSET: PRICE_CURRENCY, layout.FEE_AMOUNT: FEES,
           layout.COMMENT: NOTES, layout.TRX_ID: ID}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M UTC", "%Y-%m-%dT%H:%M:%SZ")

BUYS = {"buy", "advanced trade buy"}
SELLS = {"sell", "advanced trade sell"}
#: type -> (label, direction when Quantity carries no sign)
MOVES = {"send": ("Withdrawal", "out"), "withdrawal": ("Withdrawal", "out"), "pro deposit": ("Withdrawal", "out"),
         "exchange deposit": ("Withdrawal", "out"), "receive": ("Deposit", "in"), "deposit": ("Deposit", "in"),
         "pro withdrawal": ("Deposit", "in"), "exchange withdrawal": ("Deposit", "in"),
         "staking income": ("Staking", "in"), "inflation reward": ("Staking", "in"), "rewards income": ("Staking", "in"),
         "learning reward": ("Income", "in"), "coinbase earn": ("Income", "in"),
         "incentives rewards payout": ("Income", "in")}
CONVERTED = re.compile(r"Converted\s+([0-9.,]+)\s+(\S+)\s+to\s+([0-9.,]+)\s+(\S+)", re.IGNORECASE)
_MONEY = re.compile(r"^(-?)[^0-9.\-]*(-?)([0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)$")


def money(value, row: int, column: str, problems: list[Problem]) -> Decimal | None:
    """A money cell ("€1,234.5", "-€597.49", "$70.00", "0.0012") as an exact Decimal; blank is None."""
    raw = text(value)
    if raw is None:
        return None
    match = _MONEY.match(raw.replace(" ", ""))
    try:
        if match is None:
            raise InvalidOperation
        return Decimal(("-" if match[1] or match[2] else "") + match[3].replace(",", ""))
    except InvalidOperation:
        problems.append(Problem(row, column, f"{raw!r} is not an amount"))
        return None


def records(rows, tz: str, problems):
    for row, v in rows:
        start = len(problems)
        occurred_at = parse_time(v.get(TIMESTAMP), TIME_FORMATS, tz, row, TIMESTAMP, problems)
        kind = " ".join((text(v.get(TYPE)) or "").split()).lower()
        asset = text(v.get(ASSET))
        fiat = text(v.get(PRICE_CURRENCY)) or text(v.get(SPOT_CURRENCY))
        quantity = money(v.get(QUANTITY), row, QUANTITY, problems)
        size = abs(quantity) if quantity is not None else None
        subtotal = money(v.get(SUBTOTAL), row, SUBTOTAL, problems)
        fees = money(v.get(FEES), row, FEES, problems)
        fee = (fiat, abs(fees)) if fees else (None, None)
        out, into, label = (None, None), (None, None), None
        trade = kind in BUYS or kind in SELLS
        needed = ((QUANTITY, v.get(QUANTITY)), *(((SUBTOTAL, v.get(SUBTOTAL)), (PRICE_CURRENCY, fiat)) if trade else ()))
        problems.extend(Problem(row, column, "missing") for column, value in needed if text(value) is None)
        if kind in BUYS:
            label, out, into = "Trade", (fiat, abs(subtotal) if subtotal is not None else None), (asset, size)
        elif kind in SELLS:
            label, out, into = "Trade", (asset, size), (fiat, abs(subtotal) if subtotal is not None else None)
        elif kind == "convert":
            converted = CONVERTED.search(text(v.get(NOTES)) or "")
            if converted is None:
                problems.append(Problem(row, NOTES, "a Convert row needs Notes 'Converted <amount> <asset> to <amount> <asset>'"))
                continue
            label, out, into, fee = "Trade", (asset, size), (converted[4], converted[3].replace(",", "")), (None, None)
        elif kind in MOVES:
            label, direction = MOVES[kind]
            if quantity is not None and quantity < 0:
                direction = "out"
            if label in ("Deposit", "Withdrawal"):
                label = "Withdrawal" if direction == "out" else "Deposit"
            out, into = ((asset, size), (None, None)) if direction == "out" else ((None, None), (asset, size))
            fee = (None, None)  # a move's Fees column is in Price Currency; its network fee is inside Quantity
        if len(problems) > start:
            continue  # a cell that is no amount or date: reported once, not again by validate
        yield Record(row, occurred_at, label,
                     text(v.get(TYPE)) or "", out, into, fee,
                     text(v.get(NOTES)), text(v.get(ID)))


def unsynced(con, integration, transactions):
    """The rows whose ID is not the id of a v2 transaction this integration has synced."""
    return exchange_export.unsynced(con, integration, transactions, provider="coinbase", title=TITLE,
                                    synced_sql="interchange/coinbase_export_synced", key=lambda tx: (tx.external_id,))
