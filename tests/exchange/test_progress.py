"""While a sync waits for an exchange (ccxt's throttle: ~5 s per Kraken request by default), every
request is reported to whoever listens (the CLI's progress bar, pipelines/progress.py)."""

from __future__ import annotations

import threading

from pipelines.progress import listening
from tests.exchange.conftest import Log, sync


def test_each_request_of_a_sync_is_reported_as_it_starts(warehouse, exchange, imitation):
    integration_id = exchange("kraken")
    seen: list[tuple[str, str]] = []
    with listening(lambda message: seen.append((message, threading.current_thread().name))):
        sync(warehouse, integration_id, log=Log())
    requests = imitation.count("kraken")
    assert requests > 3
    # One report per call as it starts (ccxt's load_markets is one call reading two endpoints).
    assert requests - 1 <= len(seen) <= requests
    assert [m.rsplit("(request ", 1)[1] for m, _ in seen] == [f"{n})" for n in range(1, len(seen) + 1)]
    assert all(m.startswith(f"{integration_id}: kraken ") for m, _ in seen)
    assert any("Ledgers" in m for m, _ in seen)
    reported = len(seen)
    sync(warehouse, integration_id, log=Log())
    assert len(seen) == reported  # nobody listens any more
