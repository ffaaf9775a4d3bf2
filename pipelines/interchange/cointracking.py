"""CoinTracking's CSV import layout: Buy and Sell amounts already include the fee.

CoinTracking books only Buy and Sell; its Fee column is informational (CoinTracking, "Entering
fees"): a fee in the sold currency is part of Sell Amount, a fee in the bought currency was already
taken off Buy Amount, and a fee in a third currency needs its own "Other Fee" row. We book the fee
separately, so reading adds it back to the side that included it and writing includes it again.
A third-currency fee is booked only together with the "Other Fee" row that follows its row (same
date, amount and currency), as CoinTracking's own exports write it; that pair is one transaction.
Times carry no zone: CoinTracking writes them in the zone its account is set to, so the user names
that zone with --timezone (default UTC, which also makes every exported time unambiguous).
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from pipelines.interchange import labels
from pipelines.interchange.csvfile import Record, decimal_comma, local_time, parse_time, text
from pipelines.labels import FEE, LABELS
from pipelines.manual import layout
from pipelines.manual.amounts import AmountError, parse_amount
from pipelines.manual.validation import Problem
from pipelines.sync.report import amount_text

LABELS_KEY = labels.COINTRACKING
TITLE = "CoinTracking CSV"
TYPE, BUY_AMOUNT, BUY_CURRENCY, SELL_AMOUNT, SELL_CURRENCY = "Type", "Buy Amount", "Buy Currency", "Sell Amount", "Sell Currency"
FEE_AMOUNT, FEE_CURRENCY, EXCHANGE, GROUP, COMMENT, DATE, TX_ID = (
    "Fee", "Fee Currency", "Exchange", "Trade-Group", "Comment", "Date", "Tx-ID")
HEADER = (TYPE, BUY_AMOUNT, BUY_CURRENCY, SELL_AMOUNT, SELL_CURRENCY, FEE_AMOUNT, FEE_CURRENCY, EXCHANGE, GROUP,
          COMMENT, DATE, TX_ID)
REQUIRED = HEADER[:-1]  # Tx-ID is optional
DELIMITERS = (",", ";")
ZONED_BY_USER = True  # no zone in the file: --timezone, default UTC
LABEL_COLUMN = TYPE
COLUMNS = {
    layout.DATE: DATE, layout.OUT_ASSET: SELL_CURRENCY, layout.OUT_AMOUNT: SELL_AMOUNT,
    layout.IN_ASSET: BUY_CURRENCY, layout.IN_AMOUNT: BUY_AMOUNT,
    layout.FEE_ASSET: FEE_CURRENCY, layout.FEE_AMOUNT: FEE_AMOUNT, layout.COMMENT: COMMENT, layout.TRX_ID: TX_ID,
}
TIME_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
WRITE_FORMAT = "%d.%m.%Y %H:%M:%S"
OTHER_FEE = "Other Fee"


def _amount(value):
    """A Decimal when the cell holds a valid amount; otherwise the text, which `validate` then rejects
    with its reason. CoinTracking writes '-' for an empty amount and may use a decimal comma."""
    raw = decimal_comma(text(value))
    if raw in (None, "-"):
        return None
    try:
        return parse_amount(raw)
    except AmountError:
        return raw


def _same(a, b) -> bool:
    return a is not None and b is not None and a.upper() == b.upper()


def _row(row: int, v: dict) -> dict:
    return {
        "row": row, "type": text(v.get(TYPE)) or "", "date": text(v.get(DATE)),
        "buy": (text(v.get(BUY_CURRENCY)), _amount(v.get(BUY_AMOUNT))),
        "sell": (text(v.get(SELL_CURRENCY)), _amount(v.get(SELL_AMOUNT))),
        "fee": (text(v.get(FEE_CURRENCY)), _amount(v.get(FEE_AMOUNT))),
        "comment": text(v.get(COMMENT)), "tx_id": text(v.get(TX_ID)),
    }


def _is_fee_row_of(fee_row: dict, row: dict) -> bool:
    """The 'Other Fee' row CoinTracking writes right after a row whose fee is in a third currency."""
    return (labels.from_foreign(LABELS_KEY, fee_row["type"], FEE) == "Fee" and fee_row["date"] == row["date"]
            and _same(fee_row["sell"][0], row["fee"][0]) and fee_row["sell"][1] == row["fee"][1])


def records(rows, tz: str, problems):
    parsed = [_row(row, v) for row, v in rows]
    skip = False
    for index, r in enumerate(parsed):
        if skip:
            skip = False
            continue
        row, (buy_asset, buy), (sell_asset, sell), (fee_asset, fee) = r["row"], r["buy"], r["sell"], r["fee"]
        legs = labels.shape(sell is not None, buy is not None)
        label = labels.from_foreign(LABELS_KEY, r["type"], legs)
        booked_fee = (None, None)
        if label and LABELS.get(label) == FEE:
            if fee is not None and (fee != sell or not _same(fee_asset, sell_asset)):
                problems.append(Problem(row, FEE_AMOUNT, f"a {r['type']} row holds its amount in {SELL_AMOUNT}; leave {FEE_AMOUNT} empty"))
        elif isinstance(fee, Decimal):
            with localcontext() as ctx:
                ctx.prec = 80  # DECIMAL(38,18) has 38 digits; the default context rounds at 28
                if _same(fee_asset, sell_asset) and isinstance(sell, Decimal):
                    sell, booked_fee = sell - fee, (fee_asset, fee)
                    if sell <= 0:
                        problems.append(Problem(row, SELL_AMOUNT, f"is not larger than the {FEE_AMOUNT} it includes"))
                        continue
                elif _same(fee_asset, buy_asset) and isinstance(buy, Decimal):
                    buy, booked_fee = buy + fee, (fee_asset, fee)
                elif index + 1 < len(parsed) and _is_fee_row_of(parsed[index + 1], r):
                    booked_fee, skip = (fee_asset, fee), True
        elif fee is not None:
            booked_fee = (fee_asset, fee)  # not a valid amount: let validate name the problem
        yield Record(
            row, parse_time(r["date"], TIME_FORMATS, tz, row, DATE, problems), label, r["type"],
            (sell_asset, sell), (buy_asset, buy), booked_fee, r["comment"], r["tx_id"],
        )


def write_rows(tx: dict, tz: str):
    date = local_time(tx["occurred_at"], tz).strftime(WRITE_FORMAT)
    buy, buy_asset = tx["incoming_amount"], tx["incoming_asset"]
    sell, sell_asset = tx["outgoing_amount"], tx["outgoing_asset"]
    fee, fee_asset = tx["fee_amount"], tx["fee_asset"]
    other_fee = None
    if tx["shape"] == FEE:
        sell, sell_asset, fee, fee_asset = fee, fee_asset, None, None
    elif fee is not None:
        with localcontext() as ctx:
            ctx.prec = 80
            if fee_asset == sell_asset:
                sell = sell + fee
            elif fee_asset == buy_asset and buy > fee:
                buy = buy - fee
            else:
                other_fee = [OTHER_FEE, "", "", amount_text(fee), fee_asset, "", "", tx["integration_name"], "", "", date, ""]
                if fee_asset == buy_asset:  # larger than what came in: CoinTracking cannot include it
                    fee, fee_asset = None, None
    yield [tx["type"], amount_text(buy), buy_asset or "", amount_text(sell), sell_asset or "", amount_text(fee),
           fee_asset or "", tx["integration_name"], "", tx["comment"] or "", date, tx["external_id"] or ""]
    if other_fee:
        yield other_fee
