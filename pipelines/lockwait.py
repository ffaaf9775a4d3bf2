"""Waiting for a DuckDB file another process holds.

DuckDB lets one process hold a file read-write at a time, and another process's open fails at once
instead of waiting. Dagster steps, the CLI, sensors and the data-quality validation all open the
warehouse briefly, so an open that meets a held lock is tried again, with backoff and bounded,
instead of failing the run. Kept free of DuckDB's import: the validation's module loads without it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from pipelines.settings import lock_wait_seconds

T = TypeVar("T")


def retry_while_locked(attempt: Callable[[], T], locked: Callable[[Exception], bool],
                       wait: float | None = None) -> T:
    """`attempt()`, called again (after 0.05 s, doubling up to 1 s) while it fails with an error that
    `locked` says is a held lock, until `wait` seconds (default `PIPELINES_LOCK_WAIT`) have passed;
    any other error at once."""
    deadline = time.monotonic() + (lock_wait_seconds() if wait is None else wait)
    delay = 0.05
    while True:
        try:
            return attempt()
        except Exception as exc:
            if not locked(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
