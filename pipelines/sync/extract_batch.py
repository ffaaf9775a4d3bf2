"""Extracting a batch of integrations at once: each source read in its own thread, writes one at a time.

A Sync All run extracts many integrations, and almost all of an extraction is waiting for a source to
answer (an exchange's throttle, a node, an explorer). Read one after another, a batch costs the sum
of its sources' times, and one source that is down (about 30 s of retries) delays all the others.
Here every integration is read in a thread of its own, so a batch costs about its slowest source:

- **Each source keeps its limits.** An integration's connector throttles itself (ccxt's rate limit,
  the RPC and Esplora retry back-off); integrations that reach the same host (same provider and API
  origin: one exchange's IP limit, one public node) are read at most `PIPELINES_EXTRACT_PER_SOURCE`
  (default 4) at a time, and no more than `PIPELINES_EXTRACT_THREADS` (default 32) in all.
- **Writes stay serialized.** `extract` lands each integration's records in one transaction under a
  process-wide lock (`pipelines.sync.extract`), so threads never write the warehouse together.
- **Logs reach Dagster from the step's own thread.** Dagster's log manager writes events through
  the instance (a SQLite connection kept per thread of origin); workers queue their lines and the
  calling thread passes them on while it waits, so warnings (a retry, a delisted market) still show
  while the batch runs.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from pipelines.connectors.base import Log
from pipelines.settings import extract_per_source, extract_threads

#: How often the waiting thread passes queued log lines on (seconds).
_LOG_POLL = 0.2


def source_keys(con, integration_ids: list[str]) -> dict[str, tuple]:
    """Which host each integration's reads go to: integrations with the same key share its limits.
    (An id the registry lacks gets a key of its own; its extraction then fails with the registry's error.)"""
    from pipelines.registry.integrations import list_integrations

    known = {i.integration_id: i for i in list_integrations(con, include_archived=True)}
    keys = {}
    for integration_id in integration_ids:
        integration = known.get(integration_id)
        settings = (integration.settings or {}) if integration else {}
        keys[integration_id] = (
            (integration.kind, integration.provider, settings.get("api_origin") or settings.get("esplora_url"))
            if integration else ("unknown", integration_id)
        )
    return keys


class _QueuedLog:
    """A connector's log for a worker thread: lines wait in a queue for the calling thread."""

    def __init__(self, lines: queue.Queue) -> None:
        self._lines = lines

    def info(self, msg: str) -> None:
        self._lines.put(("info", msg))

    def warning(self, msg: str) -> None:
        self._lines.put(("warning", msg))


def extract_batch(
    sources: dict[str, tuple], read: Callable[[str, Log], object], log: Log,
) -> Iterator[tuple[str, object | None, Exception | None]]:
    """Run `read(integration_id, log)` for every integration of `sources` (id -> `source_keys`) in
    parallel threads and yield `(integration_id, result, error)` as each finishes; `log` is only
    called from this thread."""
    threads = extract_threads()
    per_source = extract_per_source()
    gates = {key: threading.BoundedSemaphore(per_source) for key in set(sources.values())}
    lines: queue.Queue = queue.Queue()
    worker_log = _QueuedLog(lines)

    def run(integration_id: str):
        with gates[sources[integration_id]]:
            return read(integration_id, worker_log)

    def drain() -> None:
        while True:
            try:
                level, msg = lines.get_nowait()
            except queue.Empty:
                return
            getattr(log, level)(msg)

    if not sources:
        return
    pool = ThreadPoolExecutor(max_workers=min(threads, len(sources)), thread_name_prefix="extract")
    try:
        pending: dict[Future, str] = {pool.submit(run, i): i for i in sources}
        while pending:
            done, _ = wait(pending, timeout=_LOG_POLL, return_when=FIRST_COMPLETED)
            drain()
            for future in done:
                integration_id = pending.pop(future)
                error = future.exception()
                yield integration_id, None if error else future.result(), error
    finally:  # interrupted (Ctrl-C, SIGTERM): reads not yet started never start
        pool.shutdown(wait=True, cancel_futures=True)
    drain()
