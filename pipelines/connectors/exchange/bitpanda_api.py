"""A small typed client of Bitpanda's classic API (`https://api.bitpanda.com/v1`), which ccxt lacks.

The key goes in the `X-Api-Key` header only (never into a URL, a message or a log line). 401 and 403
are a rejected key (`client.rejected_message`, as for every exchange); 429 and 5xx and connection
failures are retried like ccxt calls in `client.Caller` (`max_retries`, `retry_backoff_s`,
Retry-After), then the run fails with `ExchangeUnavailable` and nothing is written. List endpoints
answer newest first, a page at a time: `meta.next_cursor` is passed back as `cursor`.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from pipelines import progress
from pipelines.connectors.base import Log
from pipelines.connectors.exchange.client import ExchangeUnavailable, check_origin, rejected_message, retry_wait
from pipelines.errors import UserError

ORIGIN = "https://api.bitpanda.com"
RETRYABLE = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Page:
    rows: list[dict]
    next_cursor: str | None


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: str | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class BitpandaApi:
    """GETs of one integration; `calls` and `retries` count them for the run's metadata."""

    def __init__(self, api_key: str, subject: str, settings: Mapping[str, Any], log: Log) -> None:
        self._key = api_key
        self.subject = subject
        self.log = log
        self.origin = check_origin(str(settings["api_origin"])) if settings.get("api_origin") else ORIGIN
        self.timeout_s = int(settings.get("timeout_ms", 30_000)) / 1000
        self.max_retries = int(settings.get("max_retries", 5))
        self.backoff_s = float(settings.get("retry_backoff_s", 1.0))
        self.calls: Counter[str] = Counter()
        self.retries = 0

    def __repr__(self) -> str:  # never the key
        return f"BitpandaApi({self.origin}, {self.subject})"

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict:
        url = f"{self.origin}/v1/{path}" + (f"?{urlencode(params)}" if params else "")
        for attempt in range(self.max_retries + 1):
            self.calls[path] += 1
            progress.report(f"{self.subject}: bitpanda {path} (request {sum(self.calls.values())})")
            try:
                return self._once(url)
            except _Retry as exc:
                if attempt == self.max_retries:
                    raise ExchangeUnavailable(f"bitpanda kept failing on {path} ({exc}) after {attempt + 1} attempts; "
                                              f"nothing was written for {self.subject}") from None
                wait = retry_wait(attempt, self.backoff_s, exc.retry_after)
                self.retries += 1
                self.log.warning(f"{self.subject}: {path} failed with {exc}; retry {attempt + 1}/{self.max_retries} in {wait:.2f}s")
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _once(self, url: str) -> dict:
        request = Request(url, headers={"X-Api-Key": self._key, "Accept": "application/json"})
        try:
            with urlopen(request, timeout=self.timeout_s) as response:
                return json.loads(response.read())
        except HTTPError as exc:
            if exc.code in (401, 403):
                raise UserError(rejected_message("bitpanda", self.subject, f"HTTP {exc.code}")) from None
            if exc.code in RETRYABLE:
                raise _Retry(f"HTTP {exc.code}", exc.headers.get("Retry-After")) from None
            raise UserError(f"bitpanda answered HTTP {exc.code} on {url.split('?')[0]} for {self.subject}") from None
        except (URLError, TimeoutError, ConnectionError) as exc:
            raise _Retry(type(exc).__name__) from None
        except json.JSONDecodeError:
            raise _Retry("a response that is not JSON") from None

    def pages(self, path: str, page_size: int) -> Iterator[Page]:
        """The list at `path`, newest first, one page per request until the caller stops or it ends."""
        cursor = None
        while True:
            body = self.get(path, {"page_size": page_size, **({"cursor": cursor} if cursor else {})})
            cursor = (body.get("meta") or {}).get("next_cursor")
            yield Page(body.get("data") or [], cursor)
            if not cursor:
                return
