"""The Bitpanda imitation: the classic API (`/v1`) on 127.0.0.1, serving a seeded history.

Routes as Bitpanda documents them: `/v1/wallets`, `/v1/fiatwallets` (balances),
`/v1/wallets/transactions`, `/v1/fiatwallets/transactions` and `/v1/trades` (newest first,
`page_size` at most 100, an opaque `cursor`; `meta.next_cursor` and `links.next` while more
follow). Every request must carry the account's key in `X-Api-Key`, else 401 with Bitpanda's
JSON:API error. `fail`/`randomly` answer requests with 429 (Retry-After) or 500/503 as under load;
`keys_seen` remembers every key sent. `forget_before` makes the lists answer nothing older (an
account whose early history only the web app's export still holds: `export.render`). The truth is
`history.balances`; `add_now` books new events at the current time (what an incremental sync must
pick up).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from pipelines.imitations.bitpanda.history import COIN_ID, FIAT_ID, History, generate
from pipelines.imitations.failing import FailingServer

LISTS = {"/v1/wallets/transactions": "wallet_transactions", "/v1/fiatwallets/transactions": "fiat_transactions",
         "/v1/trades": "trades"}
MAX_PAGE, DEFAULT_PAGE = 100, 25


#: The key the imitation accepts unless told another (the demo's).
API_KEY = "bp-key-0123456789abcdef"


class BitpandaImitation(FailingServer):
    name = "bitpanda"

    def __init__(self, *, api_key: str = API_KEY, seed: int = 7, port: int = 0,
                 forget_before: datetime | None = None) -> None:
        self.api_key = api_key
        self.forget_before = forget_before
        self.history: History = generate(seed)
        self.keys_seen: set[str | None] = set()
        super().__init__(port)

    def true_balances(self) -> dict[str, Decimal]:
        return {asset: amount for asset, amount in self.history.balances.items() if amount != 0}

    def add_now(self) -> None:
        """A savings-plan buy and a staking reward booked now (after any earlier sync's cut-off)."""
        with self._lock:
            now = datetime.now(UTC)
            self.history.trade(now, "buy", "BTC", Decimal("100.00"), savings=True)
            self.history.wallet_tx(now, "DOT", "transfer", "incoming", Decimal("0.012345"), tag="staking")

    def withdraw_pending(self, coin: str, amount: Decimal, fee: Decimal) -> dict:
        """A crypto withdrawal booked now, still `pending` (it moves nothing until `finish`)."""
        with self._lock:
            return self.history.wallet_tx(datetime.now(UTC), coin, "withdrawal", "outgoing", amount, fee, status="pending")

    def finish(self, row: dict) -> None:
        """A pending withdrawal completes: its status changes and the coins leave the wallet."""
        with self._lock:
            attributes = row["attributes"]
            attributes["status"] = "finished"
            coin = attributes["cryptocoin_symbol"]
            self.history.balances[coin] -= Decimal(attributes["amount"]) + Decimal(attributes["fee"])

    def stake(self, coin: str, amount: Decimal) -> None:
        """Move coins into Bitpanda staking: they leave the wallet, and the classic API shows no
        transaction and no staking balance for it (as users report)."""
        with self._lock:
            self.history.balances[coin] -= amount


    def answer(self, path: str, query: dict[str, str], key: str | None) -> tuple[int, dict, dict[str, str]]:
        with self._lock:
            action = self._count(path)
            self.keys_seen.add(key)
            failure = self._drawn()
            if key != self.api_key:
                return 401, {"errors": [{"status": 401, "code": "unauthenticated", "title": "Unauthenticated"}]}, {}
            if failure is not None:
                headers = {"Retry-After": "0"} if failure == 429 else {}
                return failure, {"errors": [{"status": failure, "title": "Too Many Requests" if failure == 429 else "Server Error"}]}, headers
        if action is not None:
            action()
        with self._lock:
            if path == "/v1/wallets":
                return 200, {"data": self._wallets()}, {}
            if path == "/v1/fiatwallets":
                return 200, {"data": self._fiat_wallets()}, {}
            if path in LISTS:
                return self._page(path, getattr(self.history, LISTS[path]), query)
        return 404, {"errors": [{"status": 404, "title": "Not Found"}]}, {}

    def _wallets(self) -> list[dict]:
        return [{"type": "wallet", "id": f"wallet-{coin}", "attributes": {
            "cryptocoin_id": coin_id, "cryptocoin_symbol": coin, "balance": f"{self.history.balances.get(coin, Decimal(0)):f}",
            "is_default": True, "name": f"{coin} Wallet", "pending_transactions_count": 0, "deleted": False}}
            for coin, coin_id in COIN_ID.items()]

    def _fiat_wallets(self) -> list[dict]:
        return [{"type": "fiat_wallet", "id": f"fiatwallet-{fiat}", "attributes": {
            "fiat_id": fiat_id, "fiat_symbol": fiat, "balance": f"{self.history.balances.get(fiat, Decimal(0)):f}",
            "name": f"{fiat} Wallet", "pending_transactions_count": 0}} for fiat, fiat_id in FIAT_ID.items()]

    def _page(self, path: str, rows: list[dict], query: dict[str, str]) -> tuple[int, dict, dict[str, str]]:
        """Newest first; the cursor names the last row served, so rows booked meanwhile shift nothing."""
        try:
            size = int(query.get("page_size", DEFAULT_PAGE))
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE:
            return 422, {"errors": [{"status": 422, "title": f"page_size must be 1..{MAX_PAGE}"}]}, {}
        oldest = int(self.forget_before.timestamp()) if self.forget_before else 0
        ordered = sorted((r for r in rows if int(r["attributes"]["time"]["unix"]) >= oldest),
                         key=lambda r: int(r["attributes"]["time"]["unix"]), reverse=True)
        start = 0
        if query.get("cursor"):
            last = base64.urlsafe_b64decode(query["cursor"]).decode()
            start = next((i + 1 for i, r in enumerate(ordered) if r["id"] == last), None)
            if start is None:
                return 400, {"errors": [{"status": 400, "title": "invalid cursor"}]}, {}
        page = ordered[start:start + size]
        meta: dict = {"page_size": size}
        links = {"self": f"?page_size={size}"}
        if start + size < len(ordered):
            meta["next_cursor"] = base64.urlsafe_b64encode(page[-1]["id"].encode()).decode()
            links["next"] = f"?cursor={meta['next_cursor']}&page_size={size}"
        return 200, {"data": page, "meta": meta, "links": links}, {}

    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        parts = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        status, body, headers = self.answer(parts.path, query, request.headers.get("X-Api-Key"))
        return status, "application/json", json.dumps(body).encode(), headers
