"""A small client for the TronGrid v1 REST API: an account's balances and its history pages.

TronGrid lists an account's transactions (`/v1/accounts/:a/transactions`) and TRC-20 transfers
(`/v1/accounts/:a/transactions/trc20`) newest first, `limit` (at most 200) per page; a page that
has more after it carries `meta.fingerprint`, which the next request passes back. Paging stops
early at the newest entry the caller already knows, so an incremental sync reads only new pages.
An API key travels in the `TRON-PRO-API-KEY` header. Errors name the host only: a hosted URL's
path or query may hold a key, and the key is never part of a message.

TronGrid says "too fast" with 503 (with a key) or 403 and a 30 s penalty ("... the query server is
suspended for 30s", without a key or over the key's limit): both are waited out and asked again,
as are 429 and other 5xx answers; a refused key (401) or request (400) is the user's to fix.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from pipelines.connectors.wallet.rpc import redacted
from pipelines.errors import UserError

PAGE_SIZE = 200
KEY_HEADER = "TRON-PRO-API-KEY"
#: Retries of a 429/5xx or no answer wait BACKOFF_S * 2**attempt seconds (or Retry-After), at most MAX_WAIT_S;
#: a penalty TronGrid announces ("suspended for 30s") is waited out in full, up to MAX_PENALTY_S.
BACKOFF_S, MAX_WAIT_S, MAX_PENALTY_S = 0.25, 8.0, 60.0
_PENALTY = re.compile(r"suspended for (\d+)\s*s")


def _route(path: str) -> str:
    """What a request asked for, to name in an error: `account`, `transactions`, `transactions/trc20` or `events`."""
    return "/".join(path.split("/")[4:]) or "account"


class TronGridError(RuntimeError):
    """TronGrid failed or answered something unusable (the sync fails and changes nothing)."""


class TronGrid:
    def __init__(self, base_url: str, api_key: str | None = None, *, retries: int = 5, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.where = redacted(base_url)
        self._headers = {"Accept": "application/json", **({KEY_HEADER: api_key} if api_key else {})}
        self.retries = retries
        self.timeout = timeout
        self.requests = 0

    def _get(self, path: str, query: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(query)}"
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=self._headers), timeout=self.timeout) as answer:
                    body = json.loads(answer.read())
                if not body.get("success", False):
                    raise TronGridError(f"TronGrid at {self.where} answered {path.split('/')[-1]}: {body.get('error')!r:.200}")
                return body
            except urllib.error.HTTPError as exc:
                text = exc.read().decode(errors="replace")[:200]
                if exc.code == 401:
                    raise UserError(f"TronGrid at {self.where} refused the API key (HTTP 401)") from None
                if exc.code == 400:
                    raise UserError(f"TronGrid at {self.where} rejected the request: {text}") from None
                if (exc.code in (403, 429) or exc.code >= 500) and attempt < self.retries:
                    penalty = _PENALTY.search(text)
                    time.sleep(min(float(penalty.group(1)), MAX_PENALTY_S) if penalty else
                               min(float(exc.headers.get("Retry-After") or BACKOFF_S * 2**attempt), MAX_WAIT_S))
                    continue
                raise TronGridError(f"TronGrid at {self.where}: HTTP {exc.code} on {_route(path)}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as exc:
                if attempt < self.retries:
                    time.sleep(min(BACKOFF_S * 2**attempt, MAX_WAIT_S))
                    continue
                raise TronGridError(f"no answer from TronGrid at {self.where} on {_route(path)} ({type(exc).__name__})") from None
        raise AssertionError("unreachable")

    def account(self, address: str) -> dict[str, Any] | None:
        """The confirmed account (`balance` in sun, `trc20`: [{contract: units}]), None if never activated."""
        data = self._get(f"/v1/accounts/{address}", {"only_confirmed": "true"})["data"]
        return data[0] if data else None

    def events(self, txid: str) -> list[dict[str, Any]]:
        """The confirmed events a transaction emitted (its first page: enough to count an airdrop's
        recipients past the spam threshold; a larger airdrop counts as 200)."""
        return self._get(f"/v1/transactions/{txid}/events", {"only_confirmed": "true", "limit": PAGE_SIZE})["data"]

    def history(self, address: str, kind: str, known: str | None) -> list[dict[str, Any]]:
        """Confirmed entries newer than the one whose transaction id is `known`, newest first;
        `kind` is "" (transactions) or "/trc20" (TRC-20 transfers)."""
        found: list[dict[str, Any]] = []
        query: dict[str, Any] = {"only_confirmed": "true", "limit": PAGE_SIZE}
        while True:
            page = self._get(f"/v1/accounts/{address}/transactions{kind}", query)
            for entry in page["data"]:
                if entry.get("txID", entry.get("transaction_id")) == known:
                    return found
                found.append(entry)
            fingerprint = (page.get("meta") or {}).get("fingerprint")
            if not fingerprint:
                return found
            query = {**query, "fingerprint": fingerprint}
