"""A small Solana JSON-RPC client over plain HTTP (no solders: connectors keep their imports light).

Every call is one POST of `{"jsonrpc": "2.0", "id": n, "method", "params"}`. Public RPCs rate-limit
hard: HTTP 429 (with Retry-After) and 5xx answers, and no answer at all, are waited out with
bounded exponential backoff (`retries`), then `SolanaRpcError` fails the sync and changes nothing.
A JSON-RPC error object is a `SolanaRpcError` too (the node refused the method or its params).
HTTP 401/403 means the node refused the key inside its URL. Errors name the host only: a hosted
URL's path or query holds the key.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from pipelines.connectors.wallet.rpc import redacted
from pipelines.errors import UserError

#: Retries wait BACKOFF_S * 2**attempt seconds, or what Retry-After asks, at most MAX_WAIT_S.
BACKOFF_S, MAX_WAIT_S = 0.25, 10.0


class SolanaRpcError(RuntimeError):
    """The Solana RPC failed or stayed rate-limited (the sync fails and changes nothing)."""


class SolanaRpc:
    def __init__(self, url: str, *, retries: int = 5, timeout: float = 30.0) -> None:
        self.url = url
        self.where = redacted(url)
        self.retries = retries
        self.timeout = timeout
        self.requests = 0

    def call(self, method: str, *params: Any) -> Any:
        """The `result` of one JSON-RPC call."""
        body = json.dumps({"jsonrpc": "2.0", "id": self.requests + 1, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    reply = json.loads(answer.read())
            except urllib.error.HTTPError as exc:
                if exc.code in (401, 403):
                    raise UserError(f"the Solana RPC at {self.where} refused the API key (HTTP {exc.code})") from None
                if (exc.code == 429 or exc.code >= 500) and attempt < self.retries:
                    time.sleep(min(float(exc.headers.get("Retry-After") or BACKOFF_S * 2**attempt), MAX_WAIT_S))
                    continue
                raise SolanaRpcError(f"Solana RPC at {self.where}: HTTP {exc.code} on {method}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as exc:
                if attempt < self.retries:
                    time.sleep(min(BACKOFF_S * 2**attempt, MAX_WAIT_S))
                    continue
                raise SolanaRpcError(f"no answer from the Solana RPC at {self.where} on {method} "
                                     f"({type(exc).__name__})") from None
            if "error" in reply:
                error = reply["error"] or {}
                raise SolanaRpcError(f"Solana RPC at {self.where} answered {method} with error "
                                     f"{error.get('code')}: {str(error.get('message'))[:200]}")
            return reply["result"]
        raise AssertionError("unreachable")
