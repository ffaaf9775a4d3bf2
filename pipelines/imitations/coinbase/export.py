"""The imitation's transaction history CSV, as Coinbase's Statements page exports it (the current
layout with ID first; see pipelines/interchange/coinbase_export.py), written from the same history
the API serves, so importing it must give the same balances.

One row per event seen from the asset's side: a buy or sell is its crypto account's transaction (ID
= that transaction's id; Total = what the EUR wallet paid or got, Fees a part of it as spread), a
conversion its giving account's (the received amount in Notes), an Advanced Trade fill its base
account's (Price Currency the quote, Fees the commission); sends, receives, rewards, fiat and Pro
moves one row each with a signed Quantity. Failed transactions and moves between one's own wallet
and vault are not listed.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from pipelines.imitations.coinbase.history import PRICE, History

HEADER = ("ID", "Timestamp", "Transaction Type", "Asset", "Quantity Transacted", "Price Currency", "Price at Transaction",
          "Subtotal", "Total (inclusive of fees and/or spread)", "Fees and/or Spread", "Notes")
TYPES = {"send": "Send", "receive": "Receive", "staking_reward": "Staking Income", "fiat_deposit": "Deposit",
         "fiat_withdrawal": "Withdrawal", "pro_deposit": "Pro Deposit", "pro_withdrawal": "Pro Withdrawal"}
SPREAD = Decimal("0.0149")


def _eur(amount: Decimal) -> str:
    return f"{'-' if amount < 0 else ''}€{abs(amount):f}"


def _time(row: dict) -> str:
    return row["created_at"].replace("T", " ").replace("Z", " UTC")


def rows(history: History) -> list[list[str]]:
    completed = [r for a in history.accounts for r in a.transactions if r["status"] == "completed"]
    by_link: dict[str, list[dict]] = {}
    for r in completed:
        if r["type"] in ("buy", "sell", "trade", "transfer"):
            by_link.setdefault(r[r["type"]]["id"], []).append(r)
    out = []
    for r in completed:
        amount, asset = Decimal(r["amount"]["amount"]), r["amount"]["currency"]
        price = PRICE.get(asset, Decimal(1))
        kind = r["type"]
        if kind in ("buy", "sell") and asset != "EUR":
            eur = abs(next(Decimal(x["amount"]["amount"]) for x in by_link[r[kind]["id"]] if x is not r))
            fees = (eur * SPREAD).quantize(Decimal("0.01"))
            subtotal = eur - fees if kind == "buy" else eur + fees
            word = "Bought" if kind == "buy" else "Sold"
            out.append([r["id"], _time(r), kind.title(), asset, f"{amount:f}", "EUR", _eur(price), _eur(subtotal),
                        _eur(eur), _eur(fees), f"{word} {abs(amount):f} {asset} for {eur:f} EUR"])
        elif kind == "trade" and amount < 0:
            got = next(x for x in by_link[r["trade"]["id"]] if x is not r)
            value = (abs(amount) * price).quantize(Decimal("0.01"))
            out.append([r["id"], _time(r), "Convert", asset, f"{abs(amount):f}", "EUR", _eur(price), _eur(value),
                        _eur(value), "", f"Converted {abs(amount):f} {asset} to {got['amount']['amount']} {got['amount']['currency']}"])
        elif kind == "advanced_trade_fill" and r["advanced_trade_fill"]["product_id"].startswith(asset + "-"):
            fill = r["advanced_trade_fill"]
            quote = fill["product_id"].split("-")[1]
            subtotal = abs(amount) * Decimal(fill["fill_price"])
            commission = Decimal(fill["commission"])
            total = subtotal + commission if fill["order_side"] == "buy" else subtotal - commission
            side = "Buy" if fill["order_side"] == "buy" else "Sell"
            out.append([r["id"], _time(r), f"Advanced Trade {side}", asset, f"{amount:f}", quote, fill["fill_price"],
                        f"{subtotal:f}", f"{total:f}", f"{commission:f}",
                        f"{side.replace('Buy', 'Bought').replace('Sell', 'Sold')} {abs(amount):f} {asset} on {fill['product_id']}"])
        elif kind in TYPES:
            value = (amount * price).quantize(Decimal("0.00001"))
            name = "Receive" if kind == "send" and amount > 0 else TYPES[kind]
            out.append([r["id"], _time(r), name, asset, f"{amount:f}", "EUR", _eur(price), _eur(value), _eur(value),
                        "€0.00", ""])
    out.sort(key=lambda row: row[1], reverse=True)  # newest first, as Coinbase writes it
    return out


def write(history: History, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows(history))
    return path
