"""The Bitvavo imitation: the private REST API (`GET /v2/...`) on 127.0.0.1, serving a seeded history.

Routes: `balance` (`symbol`, `available`, `inOrder` per currency) and `account/history` (query
`fromDate`/`toDate` in ms, inclusive; `page` from 1; `maxItems` 1..100, default 100; newest first;
`{"items", "currentPage", "totalPages", "maxItems"}`). Each request is checked as Bitvavo documents
it: `Bitvavo-Access-Key` an active key, `Bitvavo-Access-Window` 100..60000 ms (default 10000),
`Bitvavo-Access-Timestamp` within that window of the server's clock, and
`Bitvavo-Access-Signature` the hex HMAC-SHA256 with the secret of
`timestamp + method + "/v2/<path>?<query>" + body`. Errors are Bitvavo's `{"errorCode", "error"}`
with the codes and texts ccxt's bitvavo exception table quotes: 305 no active API key, 303 window,
304 timestamp outside the window, 308 signature length, 309 invalid signature (HTTP 403), 205 an
invalid parameter (400), 110 an unknown endpoint (404).

Rate limit: Bitvavo's weights (`balance` 5, `account/history` 1) against `budget` points per
minute (1000, as documented); every answer carries `bitvavo-ratelimit-remaining`,
`bitvavo-ratelimit-resetat` and `bitvavo-ratelimit-limit`, and a request beyond the budget gets 429
with errorCode 105. `fail`/`randomly` answer with 429 (errorCode 105) or 500/503 as under load.
The truth is `history.balances`; `add_now` books new events at the current time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from pipelines.imitations.bitvavo.history import History, generate
from pipelines.imitations.failing import FailingServer

WEIGHTS = {"/v2/balance": 5, "/v2/account/history": 1}
MAX_ITEMS = 100
BANNED = "Your IP or API key has been banned for not respecting the rate limit. The ban expires at {}."


def _error(code: int, text: str) -> dict:
    return {"errorCode": code, "error": text}


def _ms(item: dict) -> int:
    return int(datetime.fromisoformat(item["executedAt"].replace("Z", "+00:00")).timestamp() * 1000)


class BitvavoImitation(FailingServer):
    name = "bitvavo"

    def __init__(self, *, api_key: str = "bv-key-" + "0" * 57, secret: str = "bv-secret-" + "f" * 118, seed: int = 5,
                 port: int = 0, budget: int = 1000) -> None:
        self.api_key = api_key
        self.secret = secret
        self.history: History = generate(seed)
        self.keys_seen: set[str | None] = set()
        self.budget = budget
        self._spent: tuple[int, int] = (0, 0)  # (minute, weight used in it)
        super().__init__(port)

    def true_balances(self) -> dict[str, Decimal]:
        return {c: a for c, a in self.history.balances.items() if a != 0}

    def add_now(self) -> None:
        """A buy and a staking reward booked now (after any earlier sync's cut-off)."""
        with self._lock:
            now = datetime.now(UTC).replace(microsecond=0)  # no later than a cut-off taken in this second
            self.history.trade(now, "buy", "BTC", Decimal("0.00100000"))
            self.history.book(now, "staking", received=("DOT", Decimal("0.01234")))


    def _limit_headers(self, now_ms: int, weight: int) -> tuple[bool, dict[str, str]]:
        """Spend `weight` points of this minute's budget: (over budget, rate-limit headers)."""
        minute, used = self._spent
        if now_ms // 60_000 != minute:
            minute, used = now_ms // 60_000, 0
        used += weight
        self._spent = (minute, used)
        reset = (minute + 1) * 60_000
        return used > self.budget, {"bitvavo-ratelimit-remaining": str(max(0, self.budget - used)),
                                    "bitvavo-ratelimit-resetat": str(reset), "bitvavo-ratelimit-limit": str(self.budget)}

    def _rejection(self, headers, method: str, target: str, body: str, now_ms: int) -> dict | None:
        """Bitvavo's error for a request its authentication refuses, else None."""
        if headers.get("Bitvavo-Access-Key") != self.api_key:
            return _error(305, "No active API key found.")
        window = headers.get("Bitvavo-Access-Window") or "10000"
        if not window.isdigit() or not 100 <= int(window) <= 60_000:
            return _error(303, "Window must be between 100 and 60000 ms.")
        stamp = headers.get("Bitvavo-Access-Timestamp") or ""
        if not stamp.isdigit() or abs(now_ms - int(stamp)) > int(window):
            return _error(304, "Request was not received within acceptable window (default 30s, or custom with "
                               "Bitvavo-Access-Window header) of Bitvavo-Access-Timestamp header.")
        signature = (headers.get("Bitvavo-Access-Signature") or "").lower()
        if len(signature) != 64:
            return _error(308, "The signature length is invalid (HMAC-SHA256 should return a 64 length hexadecimal string).")
        expected = hmac.new(self.secret.encode(), f"{stamp}{method}{target}{body}".encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return _error(309, "The signature is invalid.")
        return None

    def answer(self, method: str, path: str, target: str, headers, body: str) -> tuple[int, object, dict[str, str]]:
        now_ms = int(time.time() * 1000)
        with self._lock:
            action = self._count(path)
            self.keys_seen.add(headers.get("Bitvavo-Access-Key"))
            over, limits = self._limit_headers(now_ms, WEIGHTS.get(path, 1))
            if over:
                return 429, _error(105, BANNED.format(limits["bitvavo-ratelimit-resetat"])), limits
            failure = self._drawn()
            if failure == 429:
                return 429, _error(105, BANNED.format(now_ms)), {**limits, "Retry-After": "0"}
            if failure is not None:
                return failure, "Server Error", limits
            rejection = self._rejection(headers, method, target, body, now_ms)
            if rejection is not None:
                return 403, rejection, limits
        if action is not None:
            action()
        query = {k: v[-1] for k, v in parse_qs(urlsplit(target).query).items()}
        with self._lock:
            if method == "GET" and path == "/v2/balance":
                return 200, self._balances(), limits
            if method == "GET" and path == "/v2/account/history":
                status, answer = self._history(query)
                return status, answer, limits
        return 404, _error(110, "Invalid endpoint. Please check url and HTTP method."), limits

    def _balances(self) -> list[dict]:
        return [{"symbol": c, "available": f"{a:f}", "inOrder": "0"} for c, a in sorted(self.history.balances.items()) if a]

    def _history(self, query: dict[str, str]) -> tuple[int, dict]:
        try:
            page = int(query.get("page", 1))
            size = int(query.get("maxItems", MAX_ITEMS))
            since = int(query.get("fromDate", 0))
            until = int(query.get("toDate", 8_640_000_000_000_000))
        except ValueError:
            return 400, _error(205, "page, maxItems, fromDate or toDate parameter is invalid.")
        if not 1 <= size <= MAX_ITEMS:
            return 400, _error(205, "maxItems parameter is invalid.")
        if page < 1:
            return 400, _error(205, "page parameter is invalid.")
        rows = sorted((i for i in self.history.items if since <= _ms(i) <= until), key=_ms, reverse=True)
        pages = (len(rows) + size - 1) // size
        return 200, {"items": rows[(page - 1) * size:page * size], "currentPage": page, "totalPages": pages, "maxItems": size}

    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        status, answer, headers = self.answer(request.command, urlsplit(request.path).path, request.path,
                                              request.headers, body)
        if isinstance(answer, str):
            return status, "text/plain", answer.encode(), headers
        return status, "application/json", json.dumps(answer).encode(), headers
