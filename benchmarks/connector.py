"""A connector that reads a `BinanceHistory` instead of the network, for the production sync path.

`sync` runs the real `pipelines.sync.extract.extract` (registry read, Parquet staging, raw.records
load, balance snapshot, cursors) and the real build steps; only the connector is swapped for
`SyntheticBinance`, which feeds the sink page by page exactly as `BinanceReader` does. It also
times its own two parts of the work separately: serializing rows to JSON (the connector's job) and
`sink.add` (the staging's job), so the benchmarks can tell them apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from benchmarks.history import PAGE, BinanceHistory, sink_record
from pipelines.connectors.base import Connector, Integration, Log, RecordSink, Snapshot, SyncedBalance
from pipelines.timeutil import utc_now


class QuietLog:
    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        pass


@dataclass
class SyntheticBinance(Connector):
    """Delivers the next `count` rows of `history` (and its markets and currencies) to the sink."""

    history: BinanceHistory
    count: int
    source_s: float = 0.0  # generating and serializing rows: the network's and connector's share
    serialize_s: float = 0.0  # of which `dumps` and the record tuples (the connector's own work)
    sink_s: float = 0.0
    fetched: dict[str, int] = field(default_factory=dict)
    kind = "exchange"

    def validate(self, provider: str | None, settings: Mapping[str, Any], credentials: Mapping[str, str]) -> str | None:
        return provider

    def _add(self, sink: RecordSink, stream: str, records: list) -> None:
        started = time.perf_counter()
        sink.add(stream, records)
        self.sink_s += time.perf_counter() - started
        self.fetched[stream] = self.fetched.get(stream, 0) + len(records)

    def extract(self, integration: Integration, cursors: Mapping[str, str], sink: RecordSink, *, full: bool,
                log: Log) -> Snapshot:
        started = time.perf_counter()
        sink_before = self.sink_s
        snapshot = self._deliver(sink)
        self.source_s += time.perf_counter() - started - (self.sink_s - sink_before)
        return snapshot

    def _deliver(self, sink: RecordSink) -> Snapshot:
        pages: dict[str, list] = {}
        for stream, row in self.history.rows(self.count):
            started = time.perf_counter()
            record = sink_record(stream, row)
            self.serialize_s += time.perf_counter() - started
            page = pages.setdefault(stream, [])
            page.append(record)
            if len(page) == PAGE:
                self._add(sink, stream, page)
                pages[stream] = []
        for stream, page in pages.items():
            if page:
                self._add(sink, stream, page)
        reference: dict[str, list] = {}
        for stream, source_id, occurred_at, payload in self.history.reference_rows():
            reference.setdefault(stream, []).append((source_id, occurred_at, payload))
        for stream, records in reference.items():
            self._add(sink, stream, records)
        balances = [SyncedBalance(a, a, v, str(v)) for a, v in self.history.balances().items()]
        cursors = {s: str(self.history.clock) for s in ("deposits", "withdrawals", "trades")}
        return Snapshot(balances, cursors, utc_now(), {"fetched": dict(self.fetched)})


@contextmanager
def reading(make: Callable[[], Connector]):
    """Make `extract` read every integration through `make()` while the block runs."""
    with mock.patch("pipelines.sync.extract.connector_for", lambda kind, provider=None: make()):
        yield


def register(con, integration_ids: list[str], account_id: str = "bench") -> None:
    """Binance integrations for the benchmarks, inserted set-based (adding thousands one by one
    through `add_integration` would validate each against ccxt, which is not what is measured)."""
    con.execute("INSERT INTO app.accounts (account_id, timezone, base_currency, created_at) "
                "VALUES (?, 'UTC', 'EUR', now()::TIMESTAMP) "
                "ON CONFLICT DO NOTHING", [account_id])
    con.execute(
        """INSERT INTO app.integrations (integration_id, account_id, name, kind, provider, settings, created_at)
           SELECT id, $account, id, 'exchange', 'binance', '{}', now()::TIMESTAMP FROM unnest($ids) t(id)""",
        {"ids": integration_ids, "account": account_id},
    )


def sync(warehouse: str, integration_id: str, connector: SyntheticBinance, *, full: bool,
         steps: tuple[str, ...] | None = None) -> dict[str, float]:
    """Extract through `connector`, then build `steps` (default: every layer) in one transaction, as
    one Dagster partition run does; returns seconds per phase."""
    from pipelines.sqlfiles import run_script
    from pipelines.sync.build import STEPS, build_step
    from pipelines.sync.extract import extract
    from pipelines.warehouse import connect, transaction

    timings: dict[str, float] = {}
    started = time.perf_counter()
    with reading(lambda: connector):
        extract(integration_id, full=full, log=QuietLog(), warehouse=warehouse)
    timings["extract"] = time.perf_counter() - started
    with connect(warehouse) as con, transaction(con):
        run_script(con, "build/begin", {"integration_ids": [integration_id]})  # what `build` does, step by step
        for step in steps or STEPS:
            step_started = time.perf_counter()
            build_step(con, step, [integration_id])
            timings[step] = time.perf_counter() - step_started
    timings["total"] = time.perf_counter() - started
    return timings
