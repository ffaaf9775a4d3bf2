"""Raw JSON-RPC to an EVM node through web3's HTTP provider.

Results come back exactly as the node sent them (hex quantities stay strings), because raw records
keep the source's own values; batching keeps the number of round trips small on long histories.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

#: Requests per JSON-RPC batch: public providers accept 100-1000; small enough for any of them.
BATCH_SIZE = 100

#: How providers say "ask for fewer blocks": Infura, Alchemy, QuickNode, Ankr, geth, Erigon, Reth.
_RANGE_ERROR = re.compile(
    r"more than \d+ results|too many|limit exceeded|response size|block range|range (is )?too (large|wide|big)"
    r"|exceed(s|ed)? (the )?(max|limit)|query timeout|timed? ?out",
    re.IGNORECASE,
)


def redacted(url: str) -> str:
    """scheme://host:port of a node URL, safe to show: no user, path or query (where keys live)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


class NodeUnreachable(Exception):
    """The node did not answer (refused, timed out, HTTP error): the sync fails and changes nothing."""


class RpcError(Exception):
    """An error answer from the node (not a transport failure)."""

    def __init__(self, method: str, error: Any) -> None:
        self.method = method
        self.code = error.get("code") if isinstance(error, dict) else None
        self.message = str(error.get("message") if isinstance(error, dict) else error)
        super().__init__(f"{method}: {self.message} (code {self.code})")

    @property
    def is_range_error(self) -> bool:
        """The provider refused the size of a block range or of its answer: retry with a smaller one."""
        return self.code == -32005 or bool(_RANGE_ERROR.search(self.message))

    @property
    def is_unsupported(self) -> bool:
        """The node does not offer the method (e.g. `trace_filter` on most public endpoints)."""
        return self.code in (-32601, -32004) or bool(
            re.search(r"not (found|supported|available|exist)|unsupported|does not exist", self.message, re.IGNORECASE)
        )


class Node:
    """One node endpoint. Never logs the URL's path (API keys often live there)."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        from web3 import HTTPProvider

        self._provider = HTTPProvider(url, request_kwargs={"timeout": timeout})
        self.where = redacted(url)
        self.calls = 0

    def _send(self, method: str, send: Callable[[], Any]) -> Any:
        """Transport failures name the host only: the URL's path or query often holds an API key."""
        try:
            return send()
        except OSError as exc:  # requests' errors (refused, timeout, HTTP status) are OSErrors
            raise NodeUnreachable(f"{method}: no answer from the node at {self.where} ({type(exc).__name__})") from None

    def call(self, method: str, *params: Any) -> Any:
        self.calls += 1
        response = self._send(method, lambda: self._provider.make_request(method, list(params)))
        if "error" in response:
            raise RpcError(method, response["error"])
        return response.get("result")

    def batch(self, calls: list[tuple[str, list]], *, allow_errors: bool = False) -> list[Any]:
        """Results in the order of `calls`; an error answer raises, or stays in the list as an
        `RpcError` when `allow_errors` (eth_call on a token that lacks the function)."""
        results: list[Any] = []
        for i in range(0, len(calls), BATCH_SIZE):
            chunk = calls[i : i + BATCH_SIZE]
            self.calls += 1
            responses = self._send(chunk[0][0], lambda: self._provider.make_batch_request(chunk))
            if isinstance(responses, dict):  # the whole batch was refused
                raise RpcError(chunk[0][0], responses.get("error", responses))
            for (method, _), response in zip(chunk, sorted(responses, key=lambda r: r["id"])):
                if "error" in response:
                    error = RpcError(method, response["error"])
                    if not allow_errors:
                        raise error
                    results.append(error)
                else:
                    results.append(response.get("result"))
        return results
