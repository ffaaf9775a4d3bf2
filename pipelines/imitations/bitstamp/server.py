"""The Bitstamp imitation: the private v2 API (`POST /api/v2/...`) on 127.0.0.1, serving a seeded history.

Routes: `account_balances/` (`currency`, `total`, `available`, `reserved` per currency) and
`user_transactions/` (form parameters `limit` 1..1000, default 100; `offset` at most 200000,
beyond which Bitstamp's docs send you to `since_id`; `sort` asc/desc,
default desc; `since_id`, from that id on, the row itself included). Each request is checked as
Bitstamp's v2 authentication documents it: `X-Auth` must be `BITSTAMP <key>`, `X-Auth-Version`
v2, `X-Auth-Timestamp` within 150 s of the server's clock, `X-Auth-Nonce` not seen in the last
150 s, and `X-Auth-Signature` the hex HMAC-SHA256 with the secret of
`X-Auth + method + url-without-"https://" + content type + nonce + timestamp + version + body`.
(This server speaks plain HTTP, so the URL a client signs for it, like ccxt's, starts with
`http://`: it is rebuilt from the Host header exactly so.) Errors are Bitstamp's bodies
`{"status": "error", "reason": ..., "code": "API00xx"}` with HTTP 403; `Invalid nonce` API0004
and `Invalid signature` API0005 are as ccxt's comments and user reports quote them, the others'
codes are this imitation's guess (ccxt matches on the reason text only).

Load: `budget` requests per `budget_window_s` (Bitstamp documents 8000 per 10 minutes), beyond
which it answers 429 with Retry-After; `fail`/`randomly` answer with 429 or 500/503 as under load
(plain-text bodies, so ccxt raises by the HTTP status). `keys_seen` remembers every X-Auth sent.
The truth is `history.balances`; `add_now` books new events at the current time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import deque
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from pipelines.imitations.bitstamp.history import History, generate
from pipelines.imitations.failing import FailingServer

PREFIX = "/api/v2/"
MAX_LIMIT, DEFAULT_LIMIT = 1000, 100
MAX_OFFSET = 200_000  # beyond it Bitstamp's docs point to since_id
WINDOW_S = 150


def _error(reason: str, code: str) -> dict:
    return {"status": "error", "reason": reason, "code": code}


class BitstampImitation(FailingServer):
    name = "bitstamp"

    def __init__(self, *, api_key: str = "bs-key-0123456789abcdef0123", secret: str = "bs-secret-fedcba9876543210",
                 seed: int = 3, port: int = 0, budget: int = 8000, budget_window_s: float = 600.0) -> None:
        self.api_key = api_key
        self.secret = secret
        self.history: History = generate(seed)
        self.keys_seen: set[str | None] = set()
        self.budget, self.budget_window_s = budget, budget_window_s
        self._recent: deque[float] = deque()
        self._nonces: dict[str, float] = {}
        super().__init__(port)

    def true_balances(self) -> dict[str, Decimal]:
        """The main account's balances by unified code (what account_balances shows)."""
        return {c.upper(): a for c, a in self.history.balances.items() if a != 0}

    def add_now(self) -> None:
        """A trade and a staking reward booked now (after any earlier sync's cut-off)."""
        with self._lock:
            now = datetime.now(UTC).replace(microsecond=0)  # no later than a cut-off taken in this second
            self.history.trade(now, "buy", "btc_eur", Decimal("0.00123400"))
            self.history.book(now, 27, {"eth": Decimal("0.00004321")})


    def _over_budget(self, now: float) -> bool:
        while self._recent and self._recent[0] <= now - self.budget_window_s:
            self._recent.popleft()
        self._recent.append(now)
        return len(self._recent) > self.budget

    def _rejection(self, headers, method: str, url: str, body: str, now: float) -> dict | None:
        """Bitstamp's error body for a request its v2 authentication refuses, else None."""
        x_auth = headers.get("X-Auth")
        if headers.get("X-Auth-Version") != "v2":
            return _error("Invalid version", "API0010")
        if x_auth != f"BITSTAMP {self.api_key}":
            return _error("API key not found", "API0011")
        stamp, nonce = headers.get("X-Auth-Timestamp", ""), headers.get("X-Auth-Nonce", "")
        if not stamp.isdigit() or abs(now * 1000 - int(stamp)) > WINDOW_S * 1000:
            return _error("Timestamp too old", "API0017")
        content_type = headers.get("Content-Type", "") if body else ""
        message = f"{x_auth}{method}{url}{content_type}{nonce}{stamp}v2{body}"
        expected = hmac.new(self.secret.encode(), message.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, (headers.get("X-Auth-Signature") or "").lower()):
            return _error("Invalid signature", "API0005")
        for seen, at in list(self._nonces.items()):
            if at < now - WINDOW_S:
                del self._nonces[seen]
        if not nonce or nonce in self._nonces:
            return _error("Invalid nonce", "API0004")
        self._nonces[nonce] = now
        return None

    def answer(self, method: str, path: str, url: str, headers, body: str) -> tuple[int, object, dict[str, str]]:
        now = time.time()
        with self._lock:
            action = self._count(path)
            self.keys_seen.add(headers.get("X-Auth"))
            if self._over_budget(now):
                return 429, "Too Many Requests", {"Retry-After": "1"}
            failure = self._drawn()
            if failure is not None:
                return failure, "Too Many Requests" if failure == 429 else "Server Error", (
                    {"Retry-After": "0"} if failure == 429 else {})
            rejection = self._rejection(headers, method, url, body, now)
            if rejection is not None:
                return 403, rejection, {}
        if action is not None:
            action()
        form = {k: v[-1] for k, v in parse_qs(body).items()}
        with self._lock:
            if method == "POST" and path == PREFIX + "account_balances/":
                return 200, self._balances(), {}
            if method == "POST" and path == PREFIX + "user_transactions/":
                return self._transactions(form)
        return 404, {"status": "error", "reason": "Not found", "code": "API0000"}, {}

    def _balances(self) -> list[dict]:
        def text(amount: Decimal) -> str:
            return f"{amount.quantize(Decimal('0.00000001')):f}"
        return [{"currency": c, "total": text(a), "available": text(a), "reserved": "0.00000000"}
                for c, a in sorted(self.history.balances.items())]

    def _transactions(self, form: dict[str, str]) -> tuple[int, object, dict[str, str]]:
        try:
            limit = int(form.get("limit", DEFAULT_LIMIT))
            offset = int(form.get("offset", 0))
            since_id = int(form["since_id"]) if "since_id" in form else None
        except ValueError:
            return 400, {"status": "error", "reason": {"__all__": ["Invalid limit, offset or since_id."]},
                         "response_code": "400.001"}, {}
        if not 1 <= limit <= MAX_LIMIT:
            return 400, {"status": "error", "reason": {"limit": [f"Ensure this value is less than or equal to {MAX_LIMIT}."]},
                         "response_code": "400.011"}, {}
        if not 0 <= offset <= MAX_OFFSET:
            return 400, {"status": "error", "reason": "Invalid offset.", "response_code": "400.010"}, {}
        rows = [r for r in self.history.rows if since_id is None or r["id"] >= since_id]
        rows.sort(key=lambda r: r["id"], reverse=form.get("sort", "desc") == "desc")
        return 200, rows[offset:offset + limit], {}

    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        url = f"http://{request.headers.get('Host', '')}{request.path}"  # what the client signed (see above)
        status, answer, headers = self.answer(request.command, parts.path, url, request.headers, body)
        if isinstance(answer, str):
            return status, "text/plain", answer.encode(), headers
        return status, "application/json", json.dumps(answer).encode(), headers
