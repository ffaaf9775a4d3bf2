"""What every exchange reader does: one cut-off, the balance at it, then each stream since its cursor.

A reader is made per run. `run` loads the markets, takes the cut-off time, reads the synced balance
first and then every history stream up to the cut-off, so balance and history describe the same
moment. Each stream keeps its own cursor (the cut-off it has read up to, held back before any record
that is not final yet) and the next sync starts `overlap_s` (default 3600) before it; records that come back are dropped by raw.records' dedupe on
the exchange's own ids. A full re-sync starts at the `start_date` setting (default: the exchange's
launch). Payloads are the exchange's rows exactly as received (re-serialized JSON), except
`GenericReader`'s, which are ccxt's unified structures with amounts kept as strings and the
exchange's row unchanged under `info`.

Stream `currencies` records the map from each exchange asset id seen to the unified code used as
`asset_id` (ccxt's `safe_currency_code`, with staking/earn sub-balances folded into their asset, see
the readers), which `sql/normalize/exchange.sql` joins on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import orjson

from pipelines.connectors.base import Integration, Log, RecordSink, Snapshot, SyncedBalance
from pipelines.connectors.exchange.client import Caller, make_client
from pipelines.timeutil import utc_now

HOUR_MS = 3_600_000


#: What json.dumps(default=str) does too: dict keys that are not strings become strings, and dates,
#: times and dataclasses go through `default` (str) instead of orjson's own formats.
_ORJSON = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(row: Any) -> str:
    """A row as compact JSON text; values JSON has no type for (Decimal, datetime) as their str().

    orjson, because serializing is the connector's largest own cost: 1.2 s instead of 12 s for 10^6
    Binance rows. Its text equals json.dumps(separators=(",", ":"), default=str) except that
    non-ASCII characters stay UTF-8 instead of \\u escapes (the same JSON value) and NaN or infinite
    floats, which are not JSON and no exchange sends, become null. Integers beyond 64 bits, which
    orjson refuses, go through json.dumps.
    """
    try:
        return orjson.dumps(row, default=str, option=_ORJSON).decode()
    except orjson.JSONEncodeError:
        return json.dumps(row, separators=(",", ":"), default=str)


_EPOCH = datetime(1970, 1, 1)


def from_ms(value: int | float | str) -> datetime:
    """Naive UTC time of epoch milliseconds. Integer arithmetic, exact for whole milliseconds (a float
    is rounded to the microsecond), and half the cost of fromtimestamp(value / 1000): called once
    per record, ~1 s per 10^6 records."""
    return _EPOCH + timedelta(milliseconds=value if type(value) is int else float(value))


class ExchangeReader:
    """Reads one integration through ccxt; subclasses implement the streams of one exchange."""

    #: History streams in the order they are read (later ones may use what earlier ones found).
    streams: ClassVar[tuple[str, ...]] = ()
    #: Default `start_date` of a full re-sync: nothing on this exchange happened before it.
    launched: ClassVar[str] = "2010-01-01"
    #: How many days back the exchange's API answers history (None: all of it, e.g. Kraken). A
    #: stream read from its start begins no earlier, and the run records that day in stream
    #: `api_reach`: the history before it exists only in the exchange's own export, and the
    #: reconciliation's tip `history_unreachable` says so instead of guessing what is missing.
    history_days: ClassVar[int | None] = None

    def __init__(self, integration: Integration, log: Log) -> None:
        self.integration = integration
        self.log = log
        self.settings: Mapping[str, Any] = integration.settings
        self.client, self.call = self.connect(integration.decrypted_credentials())
        self.codes: dict[str, str] = {}  # exchange asset id -> unified code, for the currencies stream
        self.fetched: dict[str, int] = {}
        self.cutoff_ms = 0  # set by `run`: history is read up to it, the balance right after it
        self.clipped = False  # a stream wanted history from before `reach_ms`

    def connect(self, credentials: Mapping[str, str]) -> tuple[Any, Any]:
        """(client, call): the ccxt exchange and the retrying `Caller` (whose `calls` and `retries`
        go into the run's stats). A reader of an exchange ccxt lacks returns its own."""
        client = make_client(self.integration.provider, self.settings, credentials)
        return client, Caller(client, self.integration.provider, self.integration.integration_id, self.settings, self.log)

    def prepare(self) -> None:
        """What the exchange needs before the cut-off is taken: ccxt's markets."""
        self.call("load_markets")

    # -- the run ---------------------------------------------------------------------------------
    def run(self, cursors: Mapping[str, str], sink: RecordSink, full: bool) -> Snapshot:
        self.prepare()
        synced_at = utc_now()
        self.cutoff_ms = int(synced_at.replace(tzinfo=UTC).timestamp() * 1000)
        balances = self.balances()
        new_cursors: dict[str, str] = {}
        for stream in self.streams:
            cursor = None if full else cursors.get(stream)
            new_cursors[stream] = self.read(stream, cursor, sink) or cursor or ""
        sink.add("currencies", [(i, None, dumps({"id": i, "code": c})) for i, c in sorted(self.codes.items())])
        if self.clipped:
            day = from_ms(self.reach_ms()).date().isoformat()
            sink.add("api_reach", [(day, None, dumps({"reachable_from": day}))])
        stats = {"api_calls": sum(self.call.calls.values()), "retries": self.call.retries,
                 "calls_by_method": dict(self.call.calls), **{f"fetched_{k}": v for k, v in self.fetched.items()}}
        return Snapshot(balances, {k: v for k, v in new_cursors.items() if v}, synced_at, stats)

    def read(self, stream: str, cursor: str | None, sink: RecordSink) -> str | None:
        """Read one stream from its cursor (None: from `start_date`); returns the new cursor.
        By default the reader's `read_<stream>` method; readers whose streams differ only in their
        endpoint override this instead."""
        return getattr(self, f"read_{stream}")(cursor, sink)

    def add(self, sink: RecordSink, stream: str, records: list[tuple[str, datetime | None, str]]) -> None:
        sink.add(stream, records)
        self.fetched[stream] = self.fetched.get(stream, 0) + len(records)

    # -- helpers for subclasses --------------------------------------------------------------------
    def code(self, asset_id: str) -> str:
        """The unified code of an exchange asset id (remembered for the currencies stream)."""
        code = self.codes.get(asset_id)
        if code is None:
            code = self.codes[asset_id] = self.unified_code(asset_id)
        return code

    def unified_code(self, asset_id: str) -> str:
        return self.client.safe_currency_code(asset_id)

    def start_ms(self, cursor: str | None) -> int:
        """Where a stream starts: its cursor minus the overlap, or the integration's start date (no
        earlier than the API reaches)."""
        if cursor:
            start = max(0, int(cursor) - int(float(self.settings.get("overlap_s", 3600)) * 1000))
        else:
            start = self.configured_start_ms()
        if start < self.reach_ms():
            self.clipped = True
            return self.reach_ms()
        return start

    def configured_start_ms(self) -> int:
        """The `start_date` setting, or the exchange's launch."""
        start = str(self.settings.get("start_date") or self.launched)
        return int(datetime.fromisoformat(start).replace(tzinfo=UTC).timestamp() * 1000)

    def reach_ms(self) -> int:
        """The earliest moment the API answers history for (0: all of it), from the cut-off."""
        return self.cutoff_ms - self.history_days * 86_400_000 if self.history_days else 0

    @staticmethod
    def summed(amounts: Iterable[tuple[str, str, Decimal, str]]) -> list[SyncedBalance]:
        """Synced balances per code from `(code, exchange id, amount, raw text)`; zero totals dropped."""
        totals: dict[str, Decimal] = {}
        raw: dict[str, list[str]] = {}
        for code, asset_id, amount, text in amounts:
            totals[code] = totals.get(code, Decimal(0)) + amount
            raw.setdefault(code, []).append(f"{asset_id}:{text}")
        return [SyncedBalance(code, code, total, " + ".join(raw[code])) for code, total in sorted(totals.items()) if total != 0]

    def balances(self) -> list[SyncedBalance]:
        raise NotImplementedError


class GenericReader(ExchangeReader):
    """Any other ccxt exchange, through ccxt's unified methods with amounts kept as strings.

    Not tested against an exchange (the imitation serves Binance and Kraken, which have their own
    readers); exchanges whose `fetch_my_trades` needs a symbol get trades of the `markets` setting only.
    """

    streams = ("trades", "deposits", "withdrawals", "ledger")
    #: stream -> (capability in `client.has`, unified method)
    methods = {"trades": ("fetchMyTrades", "fetch_my_trades"), "deposits": ("fetchDeposits", "fetch_deposits"),
               "withdrawals": ("fetchWithdrawals", "fetch_withdrawals"), "ledger": ("fetchLedger", "fetch_ledger")}

    def __init__(self, integration: Integration, log: Log) -> None:
        super().__init__(integration, log)
        self.client.number = str  # unified amounts as the exchange's strings, never floats

    def balances(self) -> list[SyncedBalance]:
        total = self.call("fetch_balance").get("total") or {}
        return self.summed((code, code, Decimal(str(v)), str(v)) for code, v in total.items() if v is not None)

    def read(self, stream: str, cursor: str | None, sink: RecordSink) -> str | None:
        """Pages forward by time (`since` = newest seen + 1 ms) until a page brings nothing new.

        Exchanges that answer newest-first with a cap leave gaps this cannot see, so the cursor is
        the newest record received, never the cut-off.
        """
        capability, method = self.methods[stream]
        if not self.client.has.get(capability):
            return cursor
        newest = int(cursor) if cursor else None
        for symbol in list(self.settings.get("markets") or [None]) if stream == "trades" else [None]:
            since = self.start_ms(cursor)
            while True:
                rows = [r for r in self.call(method, symbol, since)
                        if r.get("id") is not None and r.get("timestamp") and since <= int(r["timestamp"]) <= self.cutoff_ms]
                self.add(sink, stream, [(str(r["id"]), from_ms(r["timestamp"]), dumps(r)) for r in rows])
                if not rows:
                    break
                since = max(int(r["timestamp"]) for r in rows) + 1
                newest = max(newest or since - 1, since - 1)
        return str(newest) if newest is not None else None
