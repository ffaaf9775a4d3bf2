"""What a sync is waiting for right now, for a person watching it.

A first Kraken sync under ccxt's default throttle waits about 5 s before each request (261 ledger
entries: 82 s for 17 requests), and until the run ends the CLI's bar showed nothing. Connectors
report each request here; the CLI listens while it runs syncs in-process and shows the latest
report on its progress bar. With nobody listening (a daemon's run) a report costs a list lookup.
Listeners may be called from extraction threads (`sync/extract_batch.py`): they must be thread-safe
(rich's progress bar is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

_listeners: list[Callable[[str], None]] = []


def report(message: str) -> None:
    for listener in list(_listeners):
        listener(message)


@contextmanager
def listening(listener: Callable[[str], None]) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
