"""Coinbase (the app, formerly "Coinbase.com"): the v2 account API through ccxt's raw methods.

Why v2 transactions only: Coinbase keeps the history per account (one per currency, fiat wallets
and vaults too), and `GET /v2/accounts/:id/transactions` lists every change of that account's
balance, each by exactly `amount.amount`: buys and sells (simple trades, which Advanced Trade fills
never show, ccxt issue 18394), conversions (`trade`), Advanced Trade fills
(`advanced_trade_fill`), sends and receives, staking rewards, fiat deposits and withdrawals, moves
to and from Coinbase Pro. Summing them per currency gives the balance exactly, so nothing else is
read; a trade appears once per account it touched (the crypto and the fiat wallet), linked by
`buy.id` / `sell.id` / `trade.id` / `advanced_trade_fill.order_id`, and normalization
(`sql/normalize/exchange/coinbase.sql`) books each link once. Advanced Trade's own fills endpoint
would only add price and fee detail that the fill transactions already carry
(`advanced_trade_fill.fill_price`, `.commission`), so it is not read.

- Balances: `GET /v2/accounts?limit=250`, paged with `pagination.next_starting_after` (accounts
  pass 250 for many users, ccxt issue 24283); `balance.amount` per account, accounts of one
  currency summed (wallet and vault), fiat wallets included.
- Transactions: per account, oldest first (`order=asc`, `limit=100`), paged with `starting_after`;
  the stream's cursor is JSON {account id: newest final transaction id read}, so an incremental
  sync asks each account only for what follows (one request per account when nothing is new).
  Coinbase lists a wallet for every currency it supports; one never used has `created_at` null
  (and its currency code as id, as in ccxt's recorded answer) and no history, so it is not asked.
  Rows after the cut-off are left for the next sync; a row not final yet (`pending`,
  `waiting_for_clearing` ...) is not stored and holds its account's cursor before it, so it is
  read again until it is final. Only `completed` rows move money (normalization's rule).
- Credentials: ccxt signs; a key name containing `organizations/` or a PEM secret is a CDP key
  (ES256 JWT), a base64 secret of 88 characters a CDP Ed25519 key (EdDSA JWT), anything else a
  legacy HMAC key (see the README). A CDP secret that cannot be a key of its kind is refused before
  any request with the "rejected the API key" message (ccxt would fail with a bare ValueError), and a
  PEM pasted with literal `\\n` (as it stands in Coinbase's downloaded JSON) gets its line breaks back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pipelines.connectors.base import RecordSink, SyncedBalance
from pipelines.connectors.exchange.base import ExchangeReader, dumps, from_ms
from pipelines.connectors.exchange.client import rejected_message
from pipelines.errors import UserError

ACCOUNTS_PAGE, TRANSACTIONS_PAGE = 250, 100
#: Statuses that never change again; any other is read again on the next sync.
FINAL = {"completed", "canceled", "cancelled", "failed", "expired", "declined"}


def created_at(row: dict[str, Any]) -> datetime:
    """Naive UTC time of a v2 object's `created_at` ("2025-01-02T09:00:00Z")."""
    return datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def signable(credentials: Mapping[str, str]) -> tuple[dict[str, str], str | None]:
    """The credentials as ccxt needs them, and why they cannot sign (None: they can, as far as can
    be told without asking Coinbase). Mirrors ccxt's choice in `coinbase.sign`."""
    import base64
    import binascii

    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    fixed = dict(credentials)
    key, secret = fixed.get("apiKey", ""), fixed.get("secret", "")
    if secret.startswith("-----BEGIN") and "\\n" in secret:
        secret = fixed["secret"] = secret.replace("\\n", "\n")
    if "organizations/" in key or secret.startswith("-----BEGIN"):
        try:
            load_pem_private_key(secret.encode(), password=None)
        except (ValueError, TypeError):
            return fixed, "the secret of a CDP key is not a PEM private key"
    elif len(secret) == 88 or secret.endswith("="):
        try:
            if len(base64.b64decode(secret, validate=True)) < 32:
                raise ValueError
        except (ValueError, binascii.Error):
            return fixed, "the secret of an Ed25519 CDP key is not base64 of its private key"
    return fixed, None


class CoinbaseReader(ExchangeReader):
    streams = ("transactions",)
    launched = "2012-06-01"

    def connect(self, credentials: Mapping[str, str]) -> tuple[Any, Any]:
        fixed, unusable = signable(credentials)
        if unusable:
            raise UserError(rejected_message("coinbase", self.integration.integration_id, unusable))
        return super().connect(fixed)

    def prepare(self) -> None:
        """Nothing to load: accounts name their currencies, and markets are not needed."""
        self.accounts: list[dict[str, Any]] = []

    def balances(self) -> list[SyncedBalance]:
        self.accounts = list(self._pages("v2PrivateGetAccounts", {"limit": ACCOUNTS_PAGE}))
        return self.summed(
            (self.code(a["balance"]["currency"]), a["id"], Decimal(a["balance"]["amount"]), a["balance"]["amount"])
            for a in self.accounts
        )

    def _pages(self, method: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every row of a v2 list, following `pagination.next_starting_after` (next_uri's cursor)."""
        while True:
            response = self.call(method, params)
            yield from response.get("data") or []
            after = (response.get("pagination") or {}).get("next_starting_after")
            if not after or not response.get("data"):
                return
            params = {**params, "starting_after": after}

    def read_transactions(self, cursor: str | None, sink: RecordSink) -> str:
        newest: dict[str, str] = json.loads(cursor) if cursor else {}
        start = self.start_ms(None) if cursor is None else 0
        cutoff, first = from_ms(self.cutoff_ms), from_ms(start)
        for account in self.accounts:
            if account.get("created_at") is None:
                continue  # listed for its currency only, never used: no history (ccxt's recorded sample)
            params: dict[str, Any] = {"account_id": account["id"], "limit": TRANSACTIONS_PAGE, "order": "asc"}
            if newest.get(account["id"]):
                params["starting_after"] = newest[account["id"]]
            held = False
            keep = []
            for row in self._pages("v2PrivateGetAccountsAccountIdTransactions", params):
                at = created_at(row)
                if at > cutoff:
                    break
                if row.get("status") not in FINAL:
                    held = True
                    continue
                if not held:
                    newest[account["id"]] = row["id"]
                if at >= first:
                    keep.append((row["id"], at, dumps(row)))
                    self.code(row["amount"]["currency"])
            self.add(sink, "transactions", keep)
        return json.dumps(newest, sort_keys=True, separators=(",", ":"))
