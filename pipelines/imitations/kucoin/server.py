"""The KuCoin imitation: the spot account endpoints an account history needs, on 127.0.0.1.

Routes (GET, as KuCoin documents them and ccxt 4.5 signs them): `/api/v1/accounts` (balance per
account: main, trade), `/api/v1/accounts/ledgers`, `/api/v1/deposits`, `/api/v1/withdrawals`. Every
answer is KuCoin's envelope `{"code": "200000", "data": ...}`; lists are newest first in pages
(`currentPage`, `pageSize` 10..500, `totalNum`, `totalPage`, `items`) of one `startAt`..`endAt`
window (ms, both inclusive) that may span at most 24 hours for the ledger and 7 days for deposits and
withdrawals; a window starting before the ledger start (2019-02-18) is refused.

Signing is verified as KuCoin does for API key version 2: headers KC-API-KEY, KC-API-SIGN,
KC-API-TIMESTAMP, KC-API-PASSPHRASE (missing: 400001), a timestamp within 5 s (400002), a known key
(400003), the signature base64(HMAC-SHA256(timestamp + method + path with query + body, secret))
(400005: a wrong secret) and the passphrase as base64(HMAC-SHA256(passphrase, secret)) (400004: a
wrong passphrase), each with HTTP 401 and `{code, msg}`. `rate_limit(n, per_s)` answers 429000 (HTTP 429) past n requests a window;
`fail`/`randomly` answer 429000, 500000 (HTTP 500) or a gateway's HTML 503 page as under load. `add_now` books new events at the current
time (what an incremental sync must pick up); `truth()` is the true balance per currency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from pipelines.imitations.kucoin.history import LEDGER_START, History, generate
from pipelines.imitations.failing import FailingServer

DAY_MS = 86_400_000
#: List route -> (history attribute, widest window in ms).
LISTS = {"/api/v1/accounts/ledgers": ("ledger", DAY_MS), "/api/v1/deposits": ("deposits", 7 * DAY_MS),
         "/api/v1/withdrawals": ("withdrawals", 7 * DAY_MS)}
TIMESTAMP_WINDOW_MS = 5_000
AUTH_ERRORS = {
    "400001": "Please check the header of your request for KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE",
    "400002": "KC-API-TIMESTAMP Invalid -- Time differs from server time by more than 5 seconds",
    "400003": "KC-API-KEY not exists",
    "400004": "Invalid KC-API-PASSPHRASE",
    "400005": "Signature error - Please check your signature",
}


def _sign(secret: str, text: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


class KucoinImitation(FailingServer):
    name = "kucoin"

    def __init__(self, *, days: int = 20, seed: int = 3, port: int = 0, api_key: str = "kc-key-5f0c1d2e3a4b",
                 secret: str = "kc-secret-9b8a7c6d-5e4f-3a2b-1c0d", passphrase: str = "kc-pass-Tr0ub4dor") -> None:
        self.api_key, self.secret, self.passphrase = api_key, secret, passphrase
        self.history: History = generate(datetime.now(UTC), days, seed)
        self.windows: list[tuple[str, int, int]] = []  # (route, startAt, endAt) of every list request answered
        self.keys_seen: set[str | None] = set()
        self._limit: tuple[int, float] | None = None
        self._recent: list[float] = []
        self.limited = 0
        super().__init__(port)

    @property
    def credentials(self) -> dict[str, str]:
        return {"apiKey": self.api_key, "secret": self.secret, "password": self.passphrase}

    def true_balances(self) -> dict[str, Decimal]:
        with self._lock:
            return self.history.truth()

    def add_now(self) -> None:
        """A trade, a transfer to the main account and a withdrawal booked a second ago: before the
        next sync's cut-off (taken in whole seconds), inside its overlap with the last one."""
        with self._lock:
            now = datetime.now(UTC) - timedelta(seconds=1)
            self.history.trade(now, "BTC-USDT", "buy", Decimal("0.0123"))
            self.history.transfer(now, "BTC", Decimal("0.0123"), "trade", "main")
            self.history.withdraw(now, "BTC", Decimal("0.01"))

    # -- faults (`fail`, `randomly`: FailingServer) -----------------------------------------------

    def rate_limit(self, requests: int | None, per_s: float = 1.0) -> None:
        """Answer 429000 to a request beyond `requests` in the last `per_s` seconds (None: no limit)."""
        with self._lock:
            self._limit = None if requests is None else (requests, per_s)
            self._recent.clear()

    def _drawn(self) -> int | None:
        """A fault `fail`/`randomly` asked for, else 429 beyond the `rate_limit` budget (under the lock)."""
        drawn = super()._drawn()
        if drawn is not None or self._limit is None:
            return drawn
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < self._limit[1]]
        if len(self._recent) >= self._limit[0]:
            self.limited += 1
            return 429
        self._recent.append(now)
        return None

    # -- requests ----------------------------------------------------------------------------------
    def _rejection(self, headers, method: str, path: str, body: str) -> str | None:
        """KuCoin's code for credentials or a signature it refuses, else None."""
        key, sign, stamp, phrase = (headers.get(h) for h in ("KC-API-KEY", "KC-API-SIGN", "KC-API-TIMESTAMP",
                                                              "KC-API-PASSPHRASE"))
        self.keys_seen.add(key)
        if not (key and sign and stamp and phrase):
            return "400001"
        if not stamp.isdigit() or abs(int(stamp) - int(time.time() * 1000)) > TIMESTAMP_WINDOW_MS:
            return "400002"
        if key != self.api_key:
            return "400003"
        if not hmac.compare_digest(sign, _sign(self.secret, stamp + method + path + body)):
            return "400005"
        if headers.get("KC-API-KEY-VERSION") != "2" or not hmac.compare_digest(phrase, _sign(self.secret, self.passphrase)):
            return "400004"
        return None

    def answer(self, headers, path_and_query: str) -> tuple[int, dict, dict[str, str]]:
        parts = urlsplit(path_and_query)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            action = self._count(parts.path)
            rejected = self._rejection(headers, "GET", path_and_query, "")
            if rejected:
                return 401, {"code": rejected, "msg": AUTH_ERRORS[rejected]}, {}
            failure = self._drawn()
            if failure == 429:
                return 429, {"code": "429000", "msg": "Too many requests. System-level rate limit exceeded."}, \
                    {"gw-ratelimit-reset": "0"}
            if failure == 500:
                return 500, {"code": "500000", "msg": "Internal Server Error"}, {}
            if failure is not None:  # the gateway's own page, not KuCoin's envelope
                return failure, {"html": f"<html><body><h1>{failure} Service Temporarily Unavailable</h1></body></html>"}, {}
        if action is not None:
            action()
        with self._lock:
            if parts.path == "/api/v1/accounts":
                return 200, {"code": "200000", "data": self._accounts()}, {}
            if parts.path in LISTS:
                return self._page(parts.path, query)
        return 404, {"code": "404000", "msg": "Not Found"}, {}

    def _accounts(self) -> list[dict]:
        return [{"id": hashlib.sha1(f"{c}:{t}".encode()).hexdigest()[:24], "currency": c, "type": t,
                 "balance": f"{b.normalize():f}", "available": f"{b.normalize():f}", "holds": "0"}
                for (c, t), b in sorted(self.history.accounts.items())]

    def _page(self, path: str, query: dict[str, str]) -> tuple[int, dict, dict[str, str]]:
        attribute, widest = LISTS[path]
        try:
            start, end = int(query["startAt"]), int(query["endAt"])
            page, size = int(query.get("currentPage", 1)), int(query.get("pageSize", 50))
        except (KeyError, ValueError):
            return 400, {"code": "400100", "msg": "startAt and endAt (ms) are required"}, {}
        if not 10 <= size <= 500 or page < 1:
            return 400, {"code": "400100", "msg": "pageSize must be 10..500 and currentPage at least 1"}, {}
        if end < start or end - start > widest:
            return 400, {"code": "400100", "msg": f"The time range cannot exceed {widest // DAY_MS * 24} hours"}, {}
        if start < int(LEDGER_START.timestamp() * 1000):
            return 400, {"code": "400100", "msg": "startAt must not be earlier than 2019-02-18"}, {}
        self.windows.append((path, start, end))
        rows = sorted((r for r in getattr(self.history, attribute) if start <= r["createdAt"] <= end),
                      key=lambda r: r["createdAt"], reverse=True)
        total_pages = (len(rows) + size - 1) // size
        items = rows[(page - 1) * size:page * size]
        return 200, {"code": "200000", "data": {"currentPage": page, "pageSize": size, "totalNum": len(rows),
                                                "totalPage": total_pages, "items": items}}, {}


    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        status, body, headers = self.answer(request.headers, request.path)
        if "html" in body:
            return status, "text/html", body["html"].encode(), headers
        return status, "application/json", json.dumps(body).encode(), headers
