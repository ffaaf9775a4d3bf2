"""Bitpanda's transaction history export (web app: History, Export, CSV), imported into the
integration the classic API syncs.

The file opens with a few lines about the account (disclaimer, name, e-mail, "Account opened at",
venue, "Reported by Bitpanda GmbH"), then the header `Transaction ID, Timestamp, Transaction Type,
In/Out, Amount Fiat, Fiat, Amount Asset, Asset, Asset market price, Asset market price currency,
Asset class, Product ID, Fee, Fee asset, Spread, Spread Currency` (newer files add `Tax Fiat`,
some `Fee percent`); `-` means "none". Timestamps are ISO 8601 with the account's UTC offset
(`2020-06-13T12:16:15+01:00`), stored in UTC.

One row is one transaction: a buy or sell is one row (fiat against the asset, whatever In/Out
says: Bitpanda's sample files write `buy,outgoing`), deposits and withdrawals move `Amount Asset`
of the asset (`Amount Fiat` of the fiat for a fiat row), `Fee` in `Fee asset` on top, as the API
books them. The Transaction ID is the id of the API's trade or wallet transaction, so rows the
API already brought are left out (`exchange_export.unsynced`).
"""

from __future__ import annotations

from pipelines.interchange import exchange_export
from pipelines.interchange.csvfile import Record, parse_time, text
from pipelines.manual import layout

TITLE = "Bitpanda transaction export"
TX_ID, TIMESTAMP, TYPE, IN_OUT = "Transaction ID", "Timestamp", "Transaction Type", "In/Out"
AMOUNT_FIAT, FIAT, AMOUNT_ASSET, ASSET = "Amount Fiat", "Fiat", "Amount Asset", "Asset"
ASSET_CLASS, FEE, FEE_ASSET = "Asset class", "Fee", "Fee asset"
HEADER = (TX_ID, TIMESTAMP, TYPE, IN_OUT, AMOUNT_FIAT, FIAT, AMOUNT_ASSET, ASSET, "Asset market price",
          "Asset market price currency", ASSET_CLASS, "Product ID", FEE, FEE_ASSET, "Spread", "Spread Currency",
          "Tax Fiat")
REQUIRED = (TX_ID, TIMESTAMP, TYPE, IN_OUT, AMOUNT_FIAT, FIAT, AMOUNT_ASSET, ASSET, FEE, FEE_ASSET)
DELIMITERS = (",",)
ZONED_BY_USER = False  # every timestamp carries its offset
LABEL_COLUMN = TYPE
COLUMNS = {layout.DATE: TIMESTAMP, layout.FEE_ASSET: FEE_ASSET, layout.FEE_AMOUNT: FEE, layout.TRX_ID: TX_ID}
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%z",)
#: Transaction Type -> our label for the rows that are not trades (direction from In/Out for transfers).
LABELS = {"deposit": "Deposit", "withdrawal": "Withdrawal", "reward": "Staking", "rewards": "Staking",
          "staking": "Staking", "transfer(stake)": "Non-Taxable Out", "transfer(unstake)": "Non-Taxable In"}


def _cell(v: dict, column: str) -> str | None:
    value = text(v.get(column))
    return None if value in exchange_export.EMPTY else value


def records(rows, tz: str, problems):
    for row, v in rows:
        if not exchange_export.amounts_ok(v, (AMOUNT_FIAT, AMOUNT_ASSET, FEE), row, problems):
            continue
        kind, direction = (_cell(v, TYPE) or "").lower(), (_cell(v, IN_OUT) or "").lower()
        fiat_row = (_cell(v, ASSET_CLASS) or "").lower() == "fiat" or _cell(v, AMOUNT_ASSET) is None
        asset = (_cell(v, FIAT) if fiat_row else _cell(v, ASSET)) or _cell(v, ASSET)
        moved = (asset, _cell(v, AMOUNT_FIAT) if fiat_row else _cell(v, AMOUNT_ASSET))
        fiat, coin = (_cell(v, FIAT), _cell(v, AMOUNT_FIAT)), (_cell(v, ASSET), _cell(v, AMOUNT_ASSET))
        outgoing = incoming = (None, None)
        if kind in ("buy", "sell"):
            label = "Trade"
            outgoing, incoming = (fiat, coin) if kind == "buy" else (coin, fiat)
        elif kind == "transfer":
            label = {"incoming": "Deposit", "outgoing": "Withdrawal"}.get(direction)
        else:
            label = LABELS.get(kind)
        if label in ("Deposit", "Staking", "Non-Taxable In"):
            incoming = moved
        elif label in ("Withdrawal", "Non-Taxable Out"):
            outgoing = moved
        fee = (_cell(v, FEE_ASSET), _cell(v, FEE))
        if exchange_export.zero(fee[1]):
            fee = (None, None)  # Bitpanda writes a zero fee on rows without one
        yield Record(row, parse_time(v.get(TIMESTAMP), TIME_FORMATS, tz, row, TIMESTAMP, problems), label,
                     _cell(v, TYPE) or "", outgoing, incoming, fee, f"bitpanda export {kind}", _cell(v, TX_ID))


def unsynced(con, integration, transactions):
    """Rows whose Transaction ID is not a trade or wallet transaction the API brought."""
    return exchange_export.unsynced(con, integration, transactions, provider="bitpanda", title=TITLE,
                                    synced_sql="interchange/bitpanda_export_synced",
                                    key=lambda tx: (tx.external_id,))
