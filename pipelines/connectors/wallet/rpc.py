"""Raw JSON-RPC to an EVM node through web3's HTTP provider.

Results come back exactly as the node sent them (hex quantities stay strings), because raw records
keep the source's own values; batching keeps the number of round trips small on long histories.
Hosted nodes fail some calls under load (no answer, HTTP 5xx or 429, a rate-limit or internal-error
object): such a call, or the whole batch it is in, is retried a few times and then fails the sync.
An error answer is taken as the call's own result only where it describes the call (a revert).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

#: Requests per JSON-RPC batch: public providers accept 100-1000; small enough for any of them.
BATCH_SIZE = 100

#: Retries of a transient failure wait BACKOFF_S * 2**attempt seconds, at most MAX_WAIT_S.
BACKOFF_S, MAX_WAIT_S = 0.25, 8.0

#: How providers say "ask for fewer blocks": Infura, Alchemy, QuickNode, Ankr, geth, Erigon, Reth.
_RANGE_ERROR = re.compile(
    r"more than \d+ results|too many|limit exceeded|response size|block range|range (is )?too (large|wide|big)"
    r"|exceed(s|ed)? (the )?(max|limit)|query timeout|timed? ?out",
    re.IGNORECASE,
)
#: How nodes say the EVM itself failed the call (geth, Erigon, Nethermind, anvil).
_CALL_FAILURE = re.compile(r"revert|EVM error|invalid opcode|out of gas|VM execution|stack (underflow|overflow)|invalid jump",
                           re.IGNORECASE)
#: How providers say "busy, or broken inside: ask again later".
_TRANSIENT = re.compile(r"rate.?limit|request rate|too many requests|capacity|try again|temporar|busy|internal error",
                        re.IGNORECASE)


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
    def is_call_failure(self) -> bool:
        """The EVM failed the call (a revert, an invalid opcode): an answer about the contract, the same
        every time, e.g. a token without `decimals()`."""
        return self.code == 3 or bool(_CALL_FAILURE.search(self.message))

    @property
    def is_transient(self) -> bool:
        """The provider was busy or failed inside (a rate limit, an internal error): the answer says
        nothing about the call, and asking again may succeed."""
        return not self.is_call_failure and (self.code in (429, -32603) or bool(_TRANSIENT.search(self.message)))

    @property
    def is_range_error(self) -> bool:
        """The provider refused the size of a block range or of its answer: retry with a smaller one."""
        return not self.is_transient and (self.code == -32005 or bool(_RANGE_ERROR.search(self.message)))

    @property
    def is_unsupported(self) -> bool:
        """The node does not offer the method (e.g. `trace_filter` on most public endpoints); a busy
        provider's "temporarily not available" is not that (it would switch history methods)."""
        return self.code in (-32601, -32004) or (not self.is_transient and bool(
            re.search(r"not (found|supported|available|exist)|unsupported|does not exist", self.message, re.IGNORECASE)
        ))


class Node:
    """One node endpoint. Never logs the URL's path (API keys often live there). A transient
    failure is retried up to `retries` times; `retried` counts the retries."""

    def __init__(self, url: str, timeout: float = 60.0, retries: int = 5) -> None:
        from web3 import HTTPProvider

        self._provider = HTTPProvider(url, request_kwargs={"timeout": timeout})
        self.where = redacted(url)
        self.retries = retries
        self.calls = 0
        self.retried = 0

    def _send(self, method: str, send: Callable[[], Any]) -> Any:
        """Transport failures name the host only: the URL's path or query often holds an API key."""
        try:
            return send()
        except OSError as exc:  # requests' errors (refused, timeout, HTTP status) are OSErrors
            raise NodeUnreachable(f"{method}: no answer from the node at {self.where} ({type(exc).__name__})") from None

    def _retrying(self, attempt: Callable[[], Any]) -> Any:
        """`attempt()`, again after a transient failure (no answer, or an error object that says
        nothing about the call) until the retries are used up."""
        for n in range(self.retries + 1):
            try:
                return attempt()
            except (NodeUnreachable, RpcError) as exc:
                if n == self.retries or (isinstance(exc, RpcError) and not exc.is_transient):
                    raise
                self.retried += 1
                time.sleep(min(MAX_WAIT_S, BACKOFF_S * 2**n))
        raise AssertionError("unreachable")

    def call(self, method: str, *params: Any) -> Any:
        return self._retrying(lambda: self._call_once(method, list(params)))

    def _call_once(self, method: str, params: list) -> Any:
        self.calls += 1
        response = self._send(method, lambda: self._provider.make_request(method, params))
        if "error" in response:
            raise RpcError(method, response["error"])
        return response.get("result")

    def batch(self, calls: list[tuple[str, list]], *, allow_errors: bool = False) -> list[Any]:
        """Results in the order of `calls`; an error answer raises, or, when `allow_errors` and it is
        the call's own failure (eth_call on a token that lacks the function), stays in the list as
        an `RpcError`. A busy provider's error never does: it is retried, then raised."""
        results: list[Any] = []
        for i in range(0, len(calls), BATCH_SIZE):
            chunk = calls[i : i + BATCH_SIZE]
            results += self._retrying(lambda chunk=chunk: self._batch_once(chunk, allow_errors))
        return results

    def _batch_once(self, chunk: list[tuple[str, list]], allow_errors: bool) -> list[Any]:
        self.calls += 1
        responses = self._send(chunk[0][0], lambda: self._provider.make_batch_request(chunk))
        if isinstance(responses, dict):  # the whole batch was refused
            raise RpcError(chunk[0][0], responses.get("error", responses))
        results: list[Any] = []
        for (method, _), response in zip(chunk, sorted(responses, key=lambda r: r["id"])):
            if "error" in response:
                error = RpcError(method, response["error"])
                if not (allow_errors and error.is_call_failure):
                    raise error
                results.append(error)
            else:
                results.append(response.get("result"))
        return results
