"""Block windows that adapt to what a provider accepts.

Providers cap `eth_getLogs` and `trace_filter` by block span or by answer size, and say so with an
error instead of a partial answer. Halving on such an error and growing again after successes keeps
the number of calls near the minimum on quiet stretches and still gets through busy ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pipelines.connectors.wallet.rpc import RpcError

T = TypeVar("T")

#: Successful windows in a row before the window doubles again.
GROW_AFTER = 3


class AdaptiveRange:
    """Splits `[start, end]` into windows of at most `max_span` blocks, shrinking on range errors."""

    def __init__(self, max_span: int) -> None:
        self.max_span = max(1, int(max_span))
        self.span = self.max_span
        self.halvings = 0
        self.windows = 0

    def scan(self, start: int, end: int, fetch: Callable[[int, int], T]) -> Iterator[tuple[int, int, T]]:
        """Yield `(first, last, fetch(first, last))` for consecutive windows covering the range."""
        streak = 0
        while start <= end:
            last = min(start + self.span - 1, end)
            try:
                result = fetch(start, last)
            except RpcError as exc:
                if not exc.is_range_error or last == start:
                    raise
                self.span = max(1, (last - start + 1) // 2)
                self.halvings += 1
                streak = 0
                continue
            self.windows += 1
            yield start, last, result
            start = last + 1
            streak += 1
            if streak >= GROW_AFTER and self.span < self.max_span:
                self.span = min(self.span * 2, self.max_span)
                streak = 0

    def stats(self) -> dict[str, Any]:
        return {"windows": self.windows, "halvings": self.halvings, "last_span": self.span}
