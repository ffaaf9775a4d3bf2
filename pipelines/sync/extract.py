"""Extract: run an integration's connector, then land its records, balances and cursors at once.

The connector talks to the network with the warehouse closed (other runs keep writing); the
results are written afterwards in one transaction, so a failed or killed run changes nothing and
the cursors never move past records that were not stored.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pipelines.connectors import connector_for, source_errors
from pipelines.connectors.base import Log, Snapshot
from pipelines.demo import ACCOUNT as DEMO_ACCOUNT
from pipelines.demo import demo_source_not_running
from pipelines.registry.integrations import get_integration
from pipelines.settings import warehouse_path
from pipelines.sqlfiles import sql
from pipelines.sync.staging import ParquetSink
from pipelines.timeutil import utc_now
from pipelines.warehouse import connect, transaction

#: app.sync_state stream holding the time of the balance snapshot that is current.
BALANCES_STREAM = "balances"
#: One store at a time per process: a batch extracts in parallel threads (`extract_batch`), but its
#: writes stay serialized, as they are between processes.
_STORE_LOCK = threading.Lock()


@dataclass
class ExtractResult:
    integration_id: str
    kind: str
    fetched: dict[str, int]
    inserted: int
    balances: int
    snapshot: Snapshot


def read_cursors(con, integration_id: str) -> dict[str, str]:
    rows = con.execute("SELECT stream, cursor FROM app.sync_state WHERE integration_id = ?", [integration_id]).fetchall()
    return {stream: cursor for stream, cursor in rows if cursor is not None}


def extract(integration_id: str, *, full: bool, log: Log, warehouse: str | None = None) -> ExtractResult:
    """Fetch what is new for one integration (everything when `full`) and store it atomically."""
    with connect(warehouse) as con:
        integration = get_integration(con, integration_id)
        cursors = {} if full else read_cursors(con, integration_id)
    # No cursor at all: a first sync, or a changed history setting dropped them (change_settings),
    # so records read under the old settings are replaced, not kept beside the new ones.
    full = full or not cursors
    connector = connector_for(integration.kind, integration.provider)
    sink = ParquetSink(Path(warehouse or warehouse_path()).parent)
    try:
        try:
            snapshot = connector.extract(integration, cursors, sink, full=full, log=log)
        except source_errors() as exc:
            if integration.account_id == DEMO_ACCOUNT:
                raise demo_source_not_running() from exc
            raise
        staged = sink.close()
        with _STORE_LOCK, connect(warehouse) as con, transaction(con):
            inserted = _store(con, integration_id, staged, snapshot, full)
    finally:
        sink.cleanup()
    return ExtractResult(integration_id, integration.kind, dict(sink.by_stream), inserted, len(snapshot.balances), snapshot)


def _fetched_at(con, integration_id: str) -> datetime:
    """Now to the microsecond, and always after the integration's previous fetch.

    A build re-normalizes the records fetched after its watermark, the newest fetched_at it read;
    records stored at or before it that the build did not read make it rebuild the integration in
    full (exact, but 4x slower at 10^5 records). With whole seconds, a second sync within the
    second of the previous fetch did that; a clock set back would too."""
    [(last,)] = con.execute("SELECT max(updated_at) FROM app.sync_state WHERE integration_id = ?",
                            [integration_id]).fetchall()
    now = utc_now(whole_seconds=False)
    return now if last is None or now > last else last + timedelta(microseconds=1)


def _store(con, integration_id: str, staged, snapshot: Snapshot, full: bool) -> int:
    fetched_at = _fetched_at(con, integration_id)  # (app.sync_state.updated_at: this store's fetched_at)
    if full:
        con.execute("DELETE FROM raw.records WHERE integration_id = ?", [integration_id])
        con.execute("DELETE FROM app.sync_state WHERE integration_id = ?", [integration_id])
    inserted = 0
    if staged is not None:  # an INSERT returns its row count: no count of the integration's history
        [(inserted,)] = con.execute(
            sql("build/load_raw"),
            {"integration_id": integration_id, "staged": str(staged), "fetched_at": fetched_at},
        ).fetchall()
    # Snapshot times have whole seconds: a second sync within the same second replaces the first's.
    con.execute("DELETE FROM raw.balance_snapshots WHERE integration_id = ? AND synced_at = ?",
                [integration_id, snapshot.synced_at])
    if snapshot.balances:  # one statement over column lists: executemany costs ~2 ms a row
        con.execute(
            """INSERT INTO raw.balance_snapshots
               SELECT $integration_id, unnest($asset_ids), unnest($assets), unnest($amounts)::DECIMAL(38,18),
                      unnest($raw_amounts), $synced_at, unnest($blocks)""",
            {"integration_id": integration_id, "synced_at": snapshot.synced_at,
             "asset_ids": [b.asset_id for b in snapshot.balances], "assets": [b.asset for b in snapshot.balances],
             "amounts": [f"{b.amount:f}" for b in snapshot.balances],
             "raw_amounts": [None if b.raw_amount is None else str(b.raw_amount) for b in snapshot.balances],
             "blocks": [b.block_number for b in snapshot.balances]},
        )
    # The snapshot's time is itself a cursor: an account that now holds nothing has an empty
    # latest snapshot, which must not fall back to an older, non-empty one.
    # One statement for every stream (a statement costs ~2 ms, more than the rows).
    cursors = {**snapshot.cursors, BALANCES_STREAM: snapshot.synced_at.isoformat()}
    con.execute(
        """INSERT INTO app.sync_state SELECT $integration_id, unnest($streams), unnest($cursors), $fetched_at
           ON CONFLICT (integration_id, stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at""",
        {"integration_id": integration_id, "streams": list(cursors), "cursors": list(cursors.values()),
         "fetched_at": fetched_at},
    )
    return inserted
