"""An imitation that fails on demand as an API under load does: the next requests with given HTTP
statuses (`fail`), or a seeded random share of all requests with 429, 500 or 503 (`randomly`, the
same sequence for the same seed and request order). Each imitation answers a drawn status in its
own API's shape (Bitpanda's JSON:API errors, Bitvavo's errorCode 105, Bitstamp's plain text, KuCoin's 429000,
OKX's 50011, Bybit's retCode 10006 among its own `faults`)."""

from __future__ import annotations

import random

from pipelines.imitations.local_server import LocalServer


class FailingServer(LocalServer):
    """A LocalServer with `fail`/`randomly`; `injected` counts the random faults answered."""

    #: What `randomly` draws from: HTTP statuses, or an API's own fault names (Bybit's "10006").
    faults: tuple[int | str, ...] = (429, 500, 503)

    def __init__(self, port: int = 0) -> None:
        self._failures: list[int | str] = []
        self._random: tuple[float, random.Random] | None = None
        self.injected = 0
        super().__init__(port)

    def fail(self, status: int | str, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def randomly(self, rate: float | None, seed: int = 0) -> None:
        """Fail a seeded random `rate` of the requests from now on (one of `faults`); None stops it."""
        with self._lock:
            self._random = None if rate is None else (rate, random.Random(seed))

    def _drawn(self) -> int | str | None:
        """The status this request fails with, or None (call under the lock)."""
        if self._failures:
            return self._failures.pop(0)
        if self._random is not None and self._random[1].random() < self._random[0]:
            self.injected += 1
            return self._random[1].choice(self.faults)
        return None
