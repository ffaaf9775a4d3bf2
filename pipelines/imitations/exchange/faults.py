"""Faults injected on demand, so tests and the demo see the failures real exchanges produce.

A fault hits the next `times` requests of one exchange whose path contains `path` (None: until
cleared). Each exchange module renders it in its own API's shape (Binance answers a rate limit
with HTTP 429 and code -1003, Kraken with `EAPI:Rate limit exceeded`), so ccxt raises the same
exception it would raise against the real service.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

#: Fault kinds: an HTTP status (429/418 with Retry-After, 5xx), a slow answer, a rejected nonce or
#: timestamp, and a key the exchange no longer accepts.
KINDS = ("status", "slow", "invalid_nonce", "reject_key")


@dataclass
class Fault:
    exchange: str
    kind: str
    path: str = ""
    times: int | None = 1
    status: int = 0
    retry_after: int | None = None
    delay: float = 0.0


class Faults:
    """Thread-safe list of pending faults plus the markets each exchange has delisted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []
        self.delisted: dict[str, set[str]] = {"binance": set(), "kraken": set()}
        self.served = 0

    def add(self, exchange: str, kind: str, *, path: str = "", times: int | None = 1, status: int = 0,
            retry_after: int | None = None, delay: float = 0.0) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}: one of {KINDS}")
        fault = Fault(exchange, kind, path, times, status, retry_after, delay)
        with self._lock:
            self._pending.append(fault)
        return fault

    def rate_limit(self, exchange: str, *, path: str = "", status: int = 429, retry_after: int = 1, times: int = 1) -> Fault:
        return self.add(exchange, "status", path=path, status=status, retry_after=retry_after, times=times)

    def server_error(self, exchange: str, *, path: str = "", status: int = 503, times: int = 1) -> Fault:
        return self.add(exchange, "status", path=path, status=status, times=times)

    def slow(self, exchange: str, delay: float, *, path: str = "", times: int = 1) -> Fault:
        return self.add(exchange, "slow", path=path, delay=delay, times=times)

    def invalid_nonce(self, exchange: str, *, path: str = "", times: int = 1) -> Fault:
        return self.add(exchange, "invalid_nonce", path=path, times=times)

    def reject_key(self, exchange: str) -> Fault:
        """From now on the exchange rejects the account's key (revoked or IP-restricted)."""
        return self.add(exchange, "reject_key", times=None)

    def delist(self, exchange: str, market: str) -> None:
        """The market disappears: no longer listed, and its trades are no longer returned."""
        with self._lock:
            self.delisted[exchange].add(market)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            for markets in self.delisted.values():
                markets.clear()

    def take(self, exchange: str, path: str) -> Fault | None:
        """The first pending fault for this request, used up by one."""
        with self._lock:
            for fault in self._pending:
                if fault.exchange == exchange and fault.path in path:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._pending.remove(fault)
                    self.served += 1
                    return fault
        return None
