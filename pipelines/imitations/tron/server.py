"""The TronGrid imitation: an HTTP server on 127.0.0.1 serving the generated Tron history.

Paths and answers follow TronGrid's v1 API: `/v1/accounts/:a`, `/v1/accounts/:a/transactions`,
`/v1/accounts/:a/transactions/trc20` and `/v1/transactions/:id/events` (a transaction's Transfer
events) with `only_confirmed`, `limit` (at most 200) and
`fingerprint` paging (`meta.fingerprint` and `meta.links.next` on every page that has more).
With `api_key` set, a request must carry it in the `TRON-PRO-API-KEY` header (else 401, as
TronGrid answers a wrong key); every request's key is remembered (`keys_seen`). Requests are
counted by route; `fail` answers the next ones with an error as TronGrid does under load (503,
or 403 with its "suspended for 30s" penalty) or as other hosts do (429 with Retry-After); `on_request` runs a test's action at the n-th request (a transaction landing mid-sync).
"""

from __future__ import annotations

import base64
import json
import random
import re
from urllib.parse import parse_qs, urlsplit

from pipelines.errors import UserError
from pipelines.imitations.local_server import LocalServer
from pipelines.imitations.tron.ledger import Ledger
from pipelines.imitations.tron.scenario import History, generate

_ROUTES = (
    ("account", re.compile(r"^/v1/accounts/([^/]+)$")),
    ("transactions", re.compile(r"^/v1/accounts/([^/]+)/transactions$")),
    ("trc20", re.compile(r"^/v1/accounts/([^/]+)/transactions/trc20$")),
    ("events", re.compile(r"^/v1/transactions/([0-9a-f]{64})/events$")),
)
MAX_LIMIT, DEFAULT_LIMIT = 200, 20


class TronGridImitation(LocalServer):
    """Use as a context manager; `url` is the base URL to configure."""

    name = "trongrid"

    def __init__(self, *, api_key: str | None = None, port: int = 0) -> None:
        self.ledger = Ledger()
        self.history: History = generate(self.ledger)
        self.api_key = api_key
        self.keys_seen: set[str | None] = set()
        self._failures: list[tuple[int, dict[str, str], int]] = []
        self._random: tuple[float, random.Random] | None = None
        self.injected = 0
        super().__init__(port)

    def fail(self, status: int, times: int = 1, *, retry_after: str | None = None, penalty_s: int = 30) -> None:
        """Answer the next `times` requests with `status`; a 403 announces a penalty of `penalty_s` seconds."""
        with self._lock:
            self._failures.extend([(status, {"Retry-After": retry_after} if retry_after else {}, penalty_s)] * times)

    def randomly(self, rate: float | None, seed: int = 0) -> None:
        """Fail a seeded random `rate` of the requests from now on (TronGrid's 403 penalty and 503,
        a 429), each asking for no wait; None stops it. `injected` counts the faults."""
        with self._lock:
            self._random = None if rate is None else (rate, random.Random(seed))

    def _drawn(self) -> tuple[int, dict[str, str], int] | None:
        if self._failures:
            return self._failures.pop(0)
        if self._random is not None and self._random[1].random() < self._random[0]:
            self.injected += 1
            return self._random[1].choice(((403, {}, 0), (503, {"Retry-After": "0"}, 0), (429, {"Retry-After": "0"}, 0)))
        return None

    def answer(self, path: str, query: dict[str, str], key: str | None) -> tuple[int, dict, dict[str, str]]:
        for route, pattern in _ROUTES:
            match = pattern.match(path)
            if match:
                break
        else:
            return 404, {"success": False, "error": "Not Found"}, {}
        with self._lock:
            action = self._count(route)
            self.keys_seen.add(key)
            failure = self._drawn()
        if self.api_key is not None and key != self.api_key:
            return 401, {"success": False, "error": "ApiKey not exists"}, {}
        if failure is not None:
            status, headers, penalty_s = failure
            error = {403: f"The key exceeds the frequency limit(15), and the query server is suspended for {penalty_s}s",
                     429: "Too Many Requests"}.get(status, "Server Error")
            return status, {"success": False, "error": error, "statusCode": status}, headers
        if action is not None:
            action()
        try:
            return 200, self._route(route, match.group(1), query, path), {}
        except UserError as exc:
            return 400, {"success": False, "error": str(exc)}, {}

    def _route(self, route: str, address: str, query: dict[str, str], path: str) -> dict:
        from pipelines.connectors.tron.address import parse_address

        confirmed = query.get("only_confirmed", "false") == "true"
        if route == "events":  # `address` is the transaction id here
            events = self.ledger.events_json(address, confirmed_only=confirmed)[:min(int(query.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)]
            return {"data": events, "success": True, "meta": {"at": self.ledger.time_ms, "page_size": len(events)}}
        address = parse_address(address).base58
        if route == "account":
            account = self.ledger.account_json(address)
            return {"data": [account] if account else [], "success": True, "meta": {"at": self.ledger.time_ms, "page_size": 1 if account else 0}}
        if route == "transactions":
            entries = [self.ledger.tx_json(tx) for tx in self.ledger.history(address, confirmed_only=confirmed)]
        else:
            entries = self.ledger.trc20_history(address, confirmed_only=confirmed)
        limit = min(int(query.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        start = int(base64.urlsafe_b64decode(query["fingerprint"]).decode().split(":")[1]) if query.get("fingerprint") else 0
        page = entries[start:start + limit]
        meta: dict = {"at": self.ledger.time_ms, "page_size": len(page)}
        if start + limit < len(entries):
            meta["fingerprint"] = base64.urlsafe_b64encode(f"{route}:{start + limit}".encode()).decode()
            meta["links"] = {"next": f"{self.url}{path}?limit={limit}&only_confirmed={str(confirmed).lower()}"
                                     f"&fingerprint={meta['fingerprint']}"}
        return {"data": page, "success": True, "meta": meta}

    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        parts = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        status, body, headers = self.answer(parts.path, query, request.headers.get("TRON-PRO-API-KEY"))
        return status, "application/json", json.dumps(body).encode(), headers
