"""The ccxt client of one exchange integration, and the retrying call every request goes through.

Settings read here (all optional, in the integration's `settings`):

- `api_origin`: scheme, host and port that replace the origin of every API URL of the exchange
  (e.g. `http://127.0.0.1:8123` for the exchange imitation, or a proxy/gateway). Paths stay as ccxt
  builds them, so signatures are computed exactly as for the real host.
- `timeout_ms`: ccxt request timeout (default 30000).
- `rate_limit_ms`: ccxt's pause per unit of request cost (default: ccxt's value for the exchange).
- `max_retries` (default 5) and `retry_backoff_s` (default 1.0): the network family of errors (rate
  limit, DDoS protection, unavailable, timeout, invalid nonce) is retried, waiting
  `retry_backoff_s * 2**attempt` seconds (at most 60) or the server's `Retry-After`, whichever is longer.

Credentials (`apiKey`, `secret`, optional `password`) are passed to ccxt only; no message raised
here contains them or a signed URL.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pipelines import progress
from pipelines.connectors.base import Log
from pipelines.errors import UserError

MAX_WAIT_S = 60.0

#: Options that keep each first-class exchange to the spot endpoints an account history needs.
EXCHANGE_OPTIONS: dict[str, dict[str, Any]] = {
    "binance": {"fetchMarkets": {"types": ["spot"]}, "fetchCurrencies": False, "fetchMargins": False},
}


#: Credential rejections that ccxt's exception tables miss, so they arrive as a plain ExchangeError:
#: the exchange's own error text. (Kraken answers a wrong secret with `EAPI:Invalid signature`.)
REJECTED_CREDENTIALS: dict[str, tuple[str, ...]] = {
    "kraken": ("EAPI:Invalid signature",),
}


def rejects_credentials(provider: str, exc: Exception) -> bool:
    """Whether a ccxt error means the exchange refused the key or secret (not a passing failure)."""
    import ccxt

    if isinstance(exc, (ccxt.AuthenticationError, ccxt.PermissionDenied, ccxt.AccountSuspended)):
        return True
    return isinstance(exc, ccxt.ExchangeError) and any(text in str(exc) for text in REJECTED_CREDENTIALS.get(provider, ()))


def rejected_message(provider: str, subject: str, reason: str) -> str:
    """What every exchange reader says when the exchange refuses the credentials (never the key)."""
    return (f"{provider} rejected the API key of integration {subject} ({reason}): "
            "check the key, the secret and the key's permissions (read access to balances and history)")


def retry_wait(attempt: int, backoff_s: float, retry_after: str | None) -> float:
    """`backoff_s * 2**attempt` (at most 60 s) or the server's Retry-After, whichever is longer."""
    backoff = min(MAX_WAIT_S, backoff_s * 2**attempt)
    try:
        return max(backoff, min(MAX_WAIT_S, float(retry_after))) if retry_after else backoff
    except ValueError:
        return backoff


class ExchangeUnavailable(Exception):
    """The exchange kept failing with retryable errors; the run fails and nothing is written."""


def check_origin(origin: str) -> str:
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise UserError(f"api_origin {origin!r} must look like https://host[:port] (no path)")
    return f"{parts.scheme}://{parts.netloc}"


def rewrite_origin(urls: Any, origin: str) -> Any:
    """Every http(s) URL in ccxt's nested `urls['api']` with its scheme and host replaced."""
    if isinstance(urls, dict):
        return {key: rewrite_origin(value, origin) for key, value in urls.items()}
    if isinstance(urls, str) and urls.startswith(("http://", "https://")):
        parts = urlsplit(urls)
        return origin + urls[len(f"{parts.scheme}://{parts.netloc}"):]
    return urls


def make_client(provider: str, settings: Mapping[str, Any], credentials: Mapping[str, str] | None):
    """A ccxt exchange for `provider`, pointed at `api_origin` when set."""
    import ccxt

    config: dict[str, Any] = {
        "enableRateLimit": True,
        "timeout": int(settings.get("timeout_ms", 30_000)),
        "options": dict(EXCHANGE_OPTIONS.get(provider, {})),
    }
    if "rate_limit_ms" in settings:
        config["rateLimit"] = float(settings["rate_limit_ms"])
    for key in ("apiKey", "secret", "password", "uid"):
        if credentials and credentials.get(key):
            config[key] = credentials[key]
    client = getattr(ccxt, provider)(config)
    if settings.get("api_origin"):
        client.urls["api"] = rewrite_origin(client.urls["api"], check_origin(str(settings["api_origin"])))
    return client


class Caller:
    """Runs ccxt calls with retries; counts calls and retries for the run's metadata.

    `subject` names what the calls are for in messages (an integration id, or "live prices").
    """

    def __init__(self, client, provider: str, subject: str, settings: Mapping[str, Any], log: Log) -> None:
        self.client = client
        self.provider = provider
        self.subject = subject
        self.log = log
        self.max_retries = int(settings.get("max_retries", 5))
        self.backoff_s = float(settings.get("retry_backoff_s", 1.0))
        self.calls: Counter[str] = Counter()
        self.retries = 0

    def __call__(self, method: str, *args, **kwargs):
        import ccxt

        fn: Callable = getattr(self.client, method)
        for attempt in range(self.max_retries + 1):
            self.calls[method] += 1
            progress.report(f"{self.subject}: {self.provider} {method} (request {sum(self.calls.values())})")
            self.client.last_response_headers = None  # a Retry-After must come from this response
            try:
                return fn(*args, **kwargs)
            except ccxt.ExchangeError as exc:
                if not rejects_credentials(self.provider, exc):
                    raise
                raise UserError(rejected_message(self.provider, self.subject, type(exc).__name__)) from None
            except ccxt.NetworkError as exc:
                if attempt == self.max_retries:
                    raise ExchangeUnavailable(
                        f"{self.provider} kept failing on {method} ({type(exc).__name__}) after "
                        f"{attempt + 1} attempts; nothing was written for {self.subject}"
                    ) from None
                wait = self._wait(attempt)
                self.retries += 1
                self.log.warning(
                    f"{self.subject}: {method} failed with {type(exc).__name__}; "
                    f"retry {attempt + 1}/{self.max_retries} in {wait:.2f}s"
                )
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _wait(self, attempt: int) -> float:
        headers = getattr(self.client, "last_response_headers", None) or {}
        retry_after = headers.get("Retry-After") if hasattr(headers, "get") else None
        return retry_wait(attempt, self.backoff_s, retry_after)
