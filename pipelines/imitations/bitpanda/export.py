"""The imitation's history as Bitpanda's transaction history export (web app: History, Export, CSV).

The layout is the real export's: a few lines about the account, then `Transaction ID, Timestamp,
Transaction Type, In/Out, ...` with `-` for "none" and timestamps in the account's zone with their
offset (Europe/Vienna here). Rendered from the history's own rows, so a test can check that
importing it gives back exactly what the API serves: one row per trade (its BEST fee reduction as
the row's fee in BEST, so the BEST wallet's payment of it is not a row of its own), one per finished
deposit, withdrawal and transfer (staking rewards as `reward`); the `buy`/`sell` copies of trades in
the wallet lists and rows that never finished are not in the export.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from pipelines.imitations.bitpanda.history import COIN_ID, History

PREAMBLE = ("Disclaimer: All data is without guarantee, errors and changes are reserved.",
            "Imitation Customer, 1990-01-01", "customer@example.invalid", "Account opened at: 1/02/25, 09:00 AM",
            "Venue: Bitpanda", "Reported by Bitpanda GmbH")
HEADER = ("Transaction ID", "Timestamp", "Transaction Type", "In/Out", "Amount Fiat", "Fiat", "Amount Asset", "Asset",
          "Asset market price", "Asset market price currency", "Asset class", "Product ID", "Fee", "Fee asset",
          "Spread", "Spread Currency", "Tax Fiat")
ZONE = ZoneInfo("Europe/Vienna")


def _when(attributes: dict) -> tuple[int, str]:
    unix = int(attributes["time"]["unix"])
    return unix, datetime.fromtimestamp(unix, ZONE).isoformat()


def _trade(row: dict) -> tuple[int, list[str]]:
    a = row["attributes"]
    best = a.get("best_fee_collection")
    fee = best["attributes"]["wallet_transaction"]["attributes"]["amount"] if best else None
    unix, when = _when(a)
    return unix, [row["id"], when, a["type"], "outgoing" if a["type"] == "buy" else "incoming", a["amount_fiat"], "EUR",
                  a["amount_cryptocoin"], a["cryptocoin_symbol"], a["price"], "EUR", "Cryptocurrency", a["cryptocoin_id"],
                  fee or "-", "BEST" if fee else "-", "-", "-", "0.00"]


def _wallet(row: dict) -> tuple[int, list[str]]:
    a = row["attributes"]
    staking = any(t["attributes"]["short_name"] == "staking" for t in a["tags"])
    unix, when = _when(a)
    return unix, [row["id"], when, "reward" if staking else a["type"], a["in_or_out"], a["amount_eur"], "EUR", a["amount"],
                  a["cryptocoin_symbol"], "-", "-", "Cryptocurrency", COIN_ID[a["cryptocoin_symbol"]], a["fee"],
                  a["cryptocoin_symbol"], "-", "-", "0.00"]


def _fiat(row: dict) -> tuple[int, list[str]]:
    a = row["attributes"]
    unix, when = _when(a)
    return unix, [row["id"], when, a["type"], a["in_or_out"], a["amount"], "EUR", "-", "EUR", "-", "-", "Fiat", "-",
                  a["fee"], "EUR", "-", "-", "0.00"]


def render(history: History) -> str:
    """The export's text, oldest first."""
    rows = [_trade(r) for r in history.trades if r["attributes"]["status"] == "finished"]
    rows += [_wallet(r) for r in history.wallet_transactions
             if r["attributes"]["status"] == "finished" and r["attributes"]["type"] not in ("buy", "sell")
             and not r["attributes"]["is_bfc"]]
    rows += [_fiat(r) for r in history.fiat_transactions
             if r["attributes"]["status"] == "finished" and r["attributes"]["type"] not in ("buy", "sell")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([line] for line in PREAMBLE)
    writer.writerow(HEADER)
    writer.writerows(cells for _, cells in sorted(rows, key=lambda r: r[0]))
    return out.getvalue()
