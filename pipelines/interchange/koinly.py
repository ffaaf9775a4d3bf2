"""Koinly's universal CSV: one row per transaction, comma separated, dot decimals, times in UTC.

Koinly books the fee on top of the sent amount, as we do, so legs map one to one. Deposits,
withdrawals and trades carry no tag: the filled columns say which it is. A fee-only row (our
label Fee) is written with only the fee columns. Net Worth columns are left empty on export and
ignored on import (prices are not part of a transaction here).
"""

from __future__ import annotations

from pipelines.interchange import labels
from pipelines.interchange.csvfile import Record, blank, parse_time, text
from pipelines.manual import layout
from pipelines.sync.report import amount_text

LABELS_KEY = labels.KOINLY
TITLE = "Koinly universal CSV"
DATE, SENT_AMOUNT, SENT_CURRENCY = "Date", "Sent Amount", "Sent Currency"
RECEIVED_AMOUNT, RECEIVED_CURRENCY = "Received Amount", "Received Currency"
FEE_AMOUNT, FEE_CURRENCY = "Fee Amount", "Fee Currency"
NET_WORTH_AMOUNT, NET_WORTH_CURRENCY = "Net Worth Amount", "Net Worth Currency"
LABEL, DESCRIPTION, TXHASH = "Label", "Description", "TxHash"
HEADER = (DATE, SENT_AMOUNT, SENT_CURRENCY, RECEIVED_AMOUNT, RECEIVED_CURRENCY, FEE_AMOUNT, FEE_CURRENCY,
          NET_WORTH_AMOUNT, NET_WORTH_CURRENCY, LABEL, DESCRIPTION, TXHASH)
REQUIRED = (DATE, SENT_AMOUNT, SENT_CURRENCY, RECEIVED_AMOUNT, RECEIVED_CURRENCY)
DELIMITERS = (",",)
ZONED_BY_USER = False  # Koinly: "these must be in UTC even if you live in another timezone"
LABEL_COLUMN = LABEL
COLUMNS = {
    layout.DATE: DATE, layout.OUT_ASSET: SENT_CURRENCY, layout.OUT_AMOUNT: SENT_AMOUNT,
    layout.IN_ASSET: RECEIVED_CURRENCY, layout.IN_AMOUNT: RECEIVED_AMOUNT,
    layout.FEE_ASSET: FEE_CURRENCY, layout.FEE_AMOUNT: FEE_AMOUNT, layout.COMMENT: DESCRIPTION, layout.TRX_ID: TXHASH,
}
#: Koinly's own form is "YYYY-MM-DD HH:MM UTC"; seconds and ISO 8601 (with Z or an offset) are accepted too.
TIME_FORMATS = ("%Y-%m-%d %H:%M UTC", "%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
WRITE_FORMAT = "%Y-%m-%d %H:%M:%S UTC"


def records(rows, tz: str, problems):
    for row, v in rows:
        outgoing = (v.get(SENT_CURRENCY), text(v.get(SENT_AMOUNT)))
        incoming = (v.get(RECEIVED_CURRENCY), text(v.get(RECEIVED_AMOUNT)))
        legs = labels.shape(not all(map(blank, outgoing)), not all(map(blank, incoming)))
        yield Record(
            row, parse_time(v.get(DATE), TIME_FORMATS, tz, row, DATE, problems),
            labels.from_foreign(LABELS_KEY, v.get(LABEL), legs), text(v.get(LABEL)) or "",
            outgoing, incoming, (v.get(FEE_CURRENCY), text(v.get(FEE_AMOUNT))),
            text(v.get(DESCRIPTION)), text(v.get(TXHASH)),
        )


def write_rows(tx: dict, tz: str):
    sent = (tx["outgoing_amount"], tx["outgoing_asset"])
    fee = (tx["fee_amount"], tx["fee_asset"])
    if tx["shape"] == labels.FEE and tx["type"]:
        sent, fee = fee, (None, None)  # a tagged fee (margin fee) is a withdrawal in Koinly
    yield [
        tx["occurred_at"].strftime(WRITE_FORMAT), amount_text(sent[0]), sent[1] or "",
        amount_text(tx["incoming_amount"]), tx["incoming_asset"] or "", amount_text(fee[0]), fee[1] or "",
        "", "", tx["type"], tx["comment"] or "", tx["external_id"] or "",
    ]
