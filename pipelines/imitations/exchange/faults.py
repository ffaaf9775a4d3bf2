"""Faults injected on demand, so tests and the demo see the failures real exchanges produce.

A fault hits the next `times` requests of one exchange whose path contains `path` (None: until
cleared). `Faults.randomly` makes an exchange flaky instead: a seeded random share of its requests
fails with a kind drawn from `RANDOM_KINDS`, the same sequence for the same seed and request
order (a sync's requests are sequential), so a failing seed can be replayed. Each exchange module
renders a fault in its own API's shape (Binance answers a rate limit with HTTP 429 and code -1003,
Kraken with `EAPI:Rate limit exceeded`), so ccxt raises the same exception it would raise against
the real service.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

#: Fault kinds: an HTTP status (429/418 with Retry-After, 5xx), a slow answer, a rejected nonce or
#: timestamp, and a key the exchange no longer accepts.
KINDS = ("status", "slow", "invalid_nonce", "reject_key")
#: What a flaky exchange does to a request it fails: rate limits (with Retry-After), a server
#: error (500, 502, 503 or 504), an answer slower than the client's timeout, a rejected nonce.
RANDOM_KINDS = ("429", "418", "5xx", "timeout", "invalid_nonce")


@dataclass
class Fault:
    exchange: str
    kind: str
    path: str = ""
    times: int | None = 1
    status: int = 0
    retry_after: int | None = None
    delay: float = 0.0


@dataclass
class RandomFaults:
    """Fails a seeded random `rate` of one exchange's requests; `drawn` counts the faults by kind.

    `retry_after` is the Retry-After of the rate limits (0: retry at once, which keeps many seeds
    fast); `delay` is how long a timeout's answer takes (set it above the client's timeout).
    """

    exchange: str
    rate: float
    seed: int
    kinds: tuple[str, ...] = RANDOM_KINDS
    retry_after: int = 1
    delay: float = 2.0
    drawn: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(RANDOM_KINDS)
        if unknown or not 0 <= self.rate <= 1:
            raise ValueError(f"random faults need a rate in [0, 1] and kinds from {RANDOM_KINDS}, not {sorted(unknown)}")
        self._random = random.Random(self.seed)

    def draw(self) -> Fault | None:
        if self._random.random() >= self.rate:
            return None
        kind = self._random.choice(self.kinds)
        self.drawn[kind] += 1
        if kind in ("429", "418"):
            return Fault(self.exchange, "status", status=int(kind), retry_after=self.retry_after)
        if kind == "5xx":
            return Fault(self.exchange, "status", status=self._random.choice((500, 502, 503, 504)))
        if kind == "timeout":
            return Fault(self.exchange, "slow", delay=self.delay)
        return Fault(self.exchange, "invalid_nonce")


class Faults:
    """Thread-safe list of pending faults, the flaky exchanges' random faults, and the markets each
    exchange has delisted. `served` counts every fault answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []
        self._random: dict[str, RandomFaults] = {}
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

    def randomly(self, exchange: str, rate: float, seed: int, **options) -> RandomFaults:
        """From now on (until `clear`) a seeded random `rate` of the exchange's requests fail;
        faults added with `add` still come first. `options`: see `RandomFaults`."""
        plan = RandomFaults(exchange, rate, seed, **options)
        with self._lock:
            self._random[exchange] = plan
        return plan

    def delist(self, exchange: str, market: str) -> None:
        """The market is delisted: no longer traded (Binance keeps it in exchangeInfo with status
        BREAK, Kraken drops it), and its trades are no longer returned."""
        with self._lock:
            self.delisted[exchange].add(market)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self._random.clear()
            for markets in self.delisted.values():
                markets.clear()

    def take(self, exchange: str, path: str) -> Fault | None:
        """The first pending fault for this request, used up by one; else, on a flaky exchange, a
        random one or None."""
        with self._lock:
            for fault in self._pending:
                if fault.exchange == exchange and fault.path in path:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._pending.remove(fault)
                    self.served += 1
                    return fault
            plan = self._random.get(exchange)
            fault = plan.draw() if plan else None
            self.served += fault is not None
            return fault
