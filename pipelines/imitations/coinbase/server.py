"""The Coinbase imitation: the v2 API (`/v2/accounts`, `/v2/accounts/:id/transactions`) on 127.0.0.1.

Every request must be signed with one of the account's three keys (legacy HMAC, CDP ES256, CDP
Ed25519; see `auth.py`), else 401 with Coinbase's error body. Lists page as Coinbase documents:
`limit` (default 25, at most 250 for accounts and 100 for transactions), `order` (`desc`, the
default, or `asc`), cursors `starting_after` / `ending_before` (object ids), and
`pagination.next_uri` while more follow. Rate limit: `rate_limit` requests per hour (Coinbase's is
10,000 per key), then 429 `rate_limit_exceeded`. `fail`/`randomly` answer with 429 or 500/503 as
under load; `keys_seen` remembers every key sent. `history_gone` makes every transaction list empty
(an account whose history the API no longer serves: the export import must fill it). The truth is
`true_balances()`; `add_now` books new events at the current time.
"""

from __future__ import annotations

import base64
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from pipelines.imitations.coinbase.auth import Keys, check
from pipelines.imitations.coinbase.history import History, generate
from pipelines.imitations.failing import FailingServer

LIMITS = {"accounts": 250, "transactions": 100}
DEFAULT_LIMIT = 25


def make_keys(seed: int) -> tuple[dict[str, dict[str, str]], Keys]:
    """Seeded credentials a user would paste (legacy HMAC; CDP ECDSA, a PEM; CDP Ed25519, base64 of
    seed and public key) and the public parts the imitation verifies with."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    rnd = random.Random(f"coinbase-keys-{seed}")
    ec_key = ec.derive_private_key(rnd.getrandbits(250) + 1, ec.SECP256R1())
    ed_key = Ed25519PrivateKey.from_private_bytes(rnd.getrandbits(256).to_bytes(32, "big"))
    raw = serialization.Encoding.Raw
    ed_secret = ed_key.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()) + \
        ed_key.public_key().public_bytes(raw, serialization.PublicFormat.Raw)

    def uid() -> str:
        return str(uuid.UUID(int=rnd.getrandbits(128), version=4))

    credentials = {
        "hmac": {"apiKey": f"{rnd.getrandbits(64):016x}", "secret": f"{rnd.getrandbits(128):032x}"},
        "ecdsa": {"apiKey": f"organizations/{uid()}/apiKeys/{uid()}", "secret": ec_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption()).decode()},
        "ed25519": {"apiKey": uid(), "secret": base64.b64encode(ed_secret).decode()},
    }
    keys = Keys(credentials["hmac"]["apiKey"], credentials["hmac"]["secret"], credentials["ecdsa"]["apiKey"],
                ec_key.public_key(), credentials["ed25519"]["apiKey"], ed_key.public_key())
    return credentials, keys


class CoinbaseImitation(FailingServer):
    name = "coinbase"

    def __init__(self, *, seed: int = 7, port: int = 0, rate_limit: int = 10_000) -> None:
        self.history: History = generate(seed)
        self.credentials, self.keys = make_keys(seed)
        self.rate_limit = rate_limit
        self.history_gone = False
        self.keys_seen: set[str | None] = set()
        self._served: dict[int, int] = {}  # clock hour -> requests answered (the rate limit's window)
        super().__init__(port)

    def true_balances(self) -> dict[str, Decimal]:
        with self._lock:
            return self.history.true_balances()

    def add_now(self) -> None:
        """A buy of BTC from the EUR wallet and a SOL staking reward, booked now (after any earlier cut-off)."""
        with self._lock:
            now = datetime.now(UTC) - timedelta(seconds=1)
            self.history.buy(now, "BTC", Decimal("100.00"), Decimal("0.00151234"))
            self.history.staking_reward(now, "SOL", Decimal("0.000012345"))

    def buy_paying_later(self) -> dict:
        """A buy booked now whose EUR wallet row is still `pending`: returns that row (for `complete`)."""
        with self._lock:
            return self.history.buy(datetime.now(UTC) - timedelta(seconds=1), "ETH", Decimal("250.00"),
                                    Decimal("0.08461234"), pending="EUR")[1]

    def export_csv(self, path) -> Path:
        """Write the account's transaction history CSV, as Coinbase's Statements page exports it."""
        from pipelines.imitations.coinbase.export import write

        with self._lock:
            return write(self.history, Path(path))

    def send_pending(self, coin: str, arrives: Decimal, fee: Decimal) -> dict:
        """A send booked now, still `pending` (it moves nothing until `complete`)."""
        with self._lock:
            return self.history.send(datetime.now(UTC) - timedelta(seconds=1), coin, arrives, fee, status="pending")

    def complete(self, row: dict) -> None:
        with self._lock:
            self.history.complete(row)

    # -- answering ---------------------------------------------------------------------------------
    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        parts = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        segments = parts.path.strip("/").split("/")
        route = ("/v2/accounts" if segments == ["v2", "accounts"] else
                 "/v2/accounts/:id/transactions" if len(segments) == 4 and segments[:2] == ["v2", "accounts"]
                 and segments[3] == "transactions" else parts.path)
        with self._lock:
            action = self._count(route)
            self.keys_seen.add(request.headers.get("CB-ACCESS-KEY") or _jwt_kid(request.headers.get("Authorization")))
            failure = self._drawn()
        host = request.headers.get("Host", "")
        rejected = check(self.keys, "GET", request.path, host, request.headers)
        if rejected is not None:
            return _json(*rejected)
        if failure == 429:
            return _json(429, {"errors": [{"id": "rate_limit_exceeded", "message": "Too many requests"}]}, {"Retry-After": "0"})
        if failure is not None:  # as a load balancer answers: not JSON
            return failure, "text/plain", b"Service Unavailable" if failure == 503 else b"Internal Server Error", {}
        with self._lock:
            hour = int(time.time() // 3600)
            self._served[hour] = self._served.get(hour, 0) + 1
            if self._served[hour] > self.rate_limit:
                return _json(429, {"errors": [{"id": "rate_limit_exceeded", "message": "Too many requests"}]})
        if action is not None:
            action()
        with self._lock:
            if route == "/v2/accounts":
                rows = [a.payload(self.history.balance.get(a.id, Decimal(0))) for a in self.history.accounts]
                return self._page(parts.path, rows, query, LIMITS["accounts"], ordered=False)
            if route == "/v2/accounts/:id/transactions":
                account = next((a for a in self.history.accounts if a.id == segments[2]), None)
                if account is None:
                    return _json(404, {"errors": [{"id": "not_found", "message": "Not found"}]})
                rows = [] if self.history_gone else [json.loads(json.dumps(r)) for r in account.transactions]
                return self._page(parts.path, rows, query, LIMITS["transactions"])
        return _json(404, {"errors": [{"id": "not_found", "message": "Not found"}]})

    def _page(self, path: str, rows: list[dict], query: dict[str, str], maximum: int, ordered: bool = True):
        """Coinbase's cursor paging over `rows` (oldest first): newest first unless `order=asc`."""
        try:
            limit = int(query.get("limit", DEFAULT_LIMIT))
        except ValueError:
            limit = 0
        if not 1 <= limit <= maximum:
            return _json(400, {"errors": [{"id": "invalid_request", "message": f"limit must be 1..{maximum}"}]})
        order = query.get("order", "desc")
        if ordered and order == "desc":
            rows = rows[::-1]
        ids = [r["id"] for r in rows]
        start, end = 0, len(rows)
        for name in ("starting_after", "ending_before"):
            if query.get(name):
                if query[name] not in ids:
                    return _json(400, {"errors": [{"id": "invalid_request", "message": f"invalid {name}"}]})
                if name == "starting_after":
                    start = ids.index(query[name]) + 1
                else:
                    end = ids.index(query[name])
        if query.get("ending_before") and not query.get("starting_after"):
            start = max(start, end - limit)
        page = rows[start:min(end, start + limit)]
        more = start + limit < end
        base = {"limit": str(limit), "order": order}
        pagination = {
            "ending_before": query.get("ending_before"), "starting_after": query.get("starting_after"),
            "previous_ending_before": page[0]["id"] if page else None,
            "next_starting_after": page[-1]["id"] if page and more else None,
            "limit": limit, "order": order,
            "previous_uri": f"{path}?{urlencode({**base, 'ending_before': page[0]['id']})}" if page else None,
            "next_uri": f"{path}?{urlencode({**base, 'starting_after': page[-1]['id']})}" if page and more else None,
        }
        return _json(200, {"pagination": pagination, "data": page})


def _json(status: int, body: dict, headers: dict[str, str] | None = None) -> tuple[int, str, bytes, dict[str, str]]:
    return status, "application/json", json.dumps(body).encode(), headers or {}


def _jwt_kid(authorization: str | None) -> str | None:
    """The key name a JWT names in its header (for `keys_seen`), never verified here."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    try:
        head = authorization[7:].split(".")[0]
        return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))).get("kid")
    except ValueError:
        return None
