"""Blockpit's CSV export layout: semicolon separated, times as DD.MM.YYYY HH:MM:SS in UTC.

Column list as Blockpit's CSV transaction export writes it (BittyTax and rotki parse the same
header): `Blockpit ID; Timestamp; Source Type; Source Name; Integration; Transaction Type;
Outgoing Asset; Outgoing Amount; Incoming Asset; Incoming Amount; Fee Asset; Fee Amount;
Transaction ID; Note; Merge ID`. Blockpit books the fee separately, as we do, and writes a Fee
transaction's amount as its outgoing side. Our labels are Blockpit's (the template's list), so types
map one to one; the older type names of its export (Bounties, Lending, Margin_trading_*) are read too.
Blockpit ID, Source Type, Source Name, Integration and Merge ID describe the Blockpit account the
file came from and are not imported (the file goes into the integration named on the command line).
"""

from __future__ import annotations

from pipelines.interchange import labels
from pipelines.interchange.csvfile import Record, blank, decimal_comma, parse_time, text
from pipelines.labels import FEE
from pipelines.manual import layout
from pipelines.sync.report import amount_text

LABELS_KEY = labels.BLOCKPIT
TITLE = "Blockpit CSV export"
BLOCKPIT_ID, TIMESTAMP, SOURCE_TYPE, SOURCE_NAME, INTEGRATION, TYPE = (
    "Blockpit ID", "Timestamp", "Source Type", "Source Name", "Integration", "Transaction Type")
OUT_ASSET, OUT_AMOUNT, IN_ASSET, IN_AMOUNT, FEE_ASSET, FEE_AMOUNT = (
    "Outgoing Asset", "Outgoing Amount", "Incoming Asset", "Incoming Amount", "Fee Asset", "Fee Amount")
TX_ID, NOTE, MERGE_ID = "Transaction ID", "Note", "Merge ID"
HEADER = (BLOCKPIT_ID, TIMESTAMP, SOURCE_TYPE, SOURCE_NAME, INTEGRATION, TYPE, OUT_ASSET, OUT_AMOUNT, IN_ASSET,
          IN_AMOUNT, FEE_ASSET, FEE_AMOUNT, TX_ID, NOTE, MERGE_ID)
REQUIRED = (TIMESTAMP, TYPE, OUT_ASSET, OUT_AMOUNT, IN_ASSET, IN_AMOUNT, FEE_ASSET, FEE_AMOUNT)
DELIMITERS = (";", ",")
ZONED_BY_USER = False
LABEL_COLUMN = TYPE
COLUMNS = {
    layout.DATE: TIMESTAMP, layout.OUT_ASSET: OUT_ASSET, layout.OUT_AMOUNT: OUT_AMOUNT,
    layout.IN_ASSET: IN_ASSET, layout.IN_AMOUNT: IN_AMOUNT, layout.FEE_ASSET: FEE_ASSET,
    layout.FEE_AMOUNT: FEE_AMOUNT, layout.COMMENT: NOTE, layout.TRX_ID: TX_ID,
}
TIME_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
WRITE_FORMAT = "%d.%m.%Y %H:%M:%S"


def records(rows, tz: str, problems):
    for row, v in rows:
        outgoing = (v.get(OUT_ASSET), decimal_comma(text(v.get(OUT_AMOUNT))))
        incoming = (v.get(IN_ASSET), decimal_comma(text(v.get(IN_AMOUNT))))
        legs = labels.shape(not all(map(blank, outgoing)), not all(map(blank, incoming)))
        yield Record(
            row, parse_time(v.get(TIMESTAMP), TIME_FORMATS, tz, row, TIMESTAMP, problems),
            labels.from_foreign(LABELS_KEY, v.get(TYPE), legs), text(v.get(TYPE)) or "", outgoing, incoming,
            (v.get(FEE_ASSET), decimal_comma(text(v.get(FEE_AMOUNT)))), text(v.get(NOTE)), text(v.get(TX_ID)),
        )


def write_rows(tx: dict, tz: str):
    out = (tx["outgoing_asset"], tx["outgoing_amount"])
    fee = (tx["fee_asset"], tx["fee_amount"])
    if tx["shape"] == FEE:
        out, fee = fee, (None, None)
    yield [
        tx["tx_id"], tx["occurred_at"].strftime(WRITE_FORMAT), tx["kind"], tx["provider"] or tx["integration_name"],
        tx["integration_name"], tx["type"], out[0] or "", amount_text(out[1]), tx["incoming_asset"] or "",
        amount_text(tx["incoming_amount"]), fee[0] or "", amount_text(fee[1]), tx["external_id"] or "",
        tx["comment"] or "", "",
    ]
