"""Dagster's SQLite event log, storing a batch of asset events with one transaction per database.

A backfill run over a batch of integrations logs a "planned" and a materialization event per
partition and asset: 16 per integration. Dagster's SQLite storage writes every event on its own
(a new engine, connection and commit, in the run's database and again in the cross-run index), so
on a laptop disk most of what orchestration added to Sync All was these commits. With
`DAGSTER_EVENT_BATCH_SIZE` set, Dagster hands such events over in batches (the planned events of a
run, the partitions of one asset output), but its SQLite storage still writes them one by one;
this one writes a batch in one transaction per database, the same rows the one-by-one path writes.
Every other event takes Dagster's own path. It also keeps each database's SQLAlchemy engine instead
of building and disposing one per query (a single-integration run opened about 480 connections),
with one SQLite connection kept open in it: closing the last connection of a WAL database
checkpoints it, and Dagster's NullPool did that at every query (a Sync All run over 50 integrations
spent ~0.5 s opening, closing and re-reading the schema; benchmark 4). It remembers which tables
exist (Dagster asks before most writes, with a new engine each time).
"""

import os
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import dagster as dg
from dagster._core.event_api import EventLogEntry
from dagster._core.events import ASSET_EVENTS
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, create_db_conn_string
from sqlalchemy import create_engine, event
from sqlalchemy.pool import NullPool, QueuePool

#: Engines kept per database (the index and the latest runs' shards).
_ENGINES = 16


def _wal_engine(url: str):
    """An engine keeping one connection, each with `synchronous=NORMAL`: in WAL mode SQLite then
    syncs at checkpoints instead of at every commit, and a run commits each of its events (about 270
    for one integration's run, ~1 s of fsyncs on a busy disk). A commit cannot be torn either way; a
    power cut may lose the last events before a checkpoint, never the database."""
    engine = create_engine(url, poolclass=QueuePool, pool_size=1, max_overflow=-1,
                           connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
    event.listen(engine, "connect", lambda connection, _: connection.execute("PRAGMA synchronous=NORMAL"))
    return engine


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` whose `store_event_batch` commits once per database, not per event.

    `base_dir` defaults to where Dagster's default storage keeps the event logs
    (`$DAGSTER_HOME/history/runs`), so switching an instance to this class keeps its history."""

    #: A new run shard's database file, read or made once per process (`_shard_template`).
    _template: bytes | None = None

    def __init__(self, base_dir: str, inst_data=None) -> None:
        self._engines: OrderedDict = OrderedDict()  # before Dagster's __init__, which may connect
        self._pid = os.getpid()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": dg.Field(dg.StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        base_dir = config_value.get("base_dir") or os.path.join(os.environ["DAGSTER_HOME"], "history", "runs")
        return cls(base_dir=base_dir, inst_data=inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator:
        """Dagster's `_connect` with the shard's engine and a connection kept (it builds and disposes
        an engine per use)."""
        with self._db_lock:
            if self._pid != os.getpid():  # a forked child leaves its parent's connections to the parent
                for engine in self._engines.values():
                    engine.dispose(close=False)
                self._engines, self._pid = OrderedDict(), os.getpid()
            engine = self._engines.pop(shard, None) or _wal_engine(self.conn_string_for_shard(shard))
            self._engines[shard] = engine  # most recently used last
            if len(self._engines) > _ENGINES:
                self._engines.popitem(last=False)[1].dispose()
            if shard not in self._initialized_dbs:
                self._create_shard(shard, engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _create_shard(self, shard: str, engine) -> None:
        """A new run's database, written from a copy of one made by Dagster's `_initdb` in this
        process: its schema, WAL mode and alembic stamp take ~85 ms per run to build, once per
        run of a Sync All and so for every single-integration run. Linked into place, so a process
        creating the same shard at the same time finds one complete file; an existing file, and
        the index, go through `_initdb` as before."""
        path = self.path_for_shard(shard)
        if shard == INDEX_SHARD_NAME or os.path.exists(path):
            self._initdb(engine)
            return
        staged = f"{path}.{os.getpid()}.new"  # not *.db: Dagster lists runs by their shard files
        try:
            with open(staged, "wb") as out:
                out.write(self._shard_template())
            os.link(staged, path)
        except FileExistsError:
            self._initdb(engine)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(staged)

    def _shard_template(self) -> bytes:
        """The new run database's bytes: made by Dagster's `_initdb` once per Dagster version and
        kept beside the shards (`.run-shard-<version>.template`, not *.db: Dagster lists runs by
        their shard files), so a CLI sync, one run per process, does not pay `_initdb` (and the
        alembic import it brings) every time."""
        if BatchedSqliteEventLogStorage._template is None:
            kept = Path(self._base_dir, f".run-shard-{dg.__version__}.template")
            try:
                BatchedSqliteEventLogStorage._template = kept.read_bytes()
            except OSError:
                BatchedSqliteEventLogStorage._template = self._new_template()
                staged = kept.with_name(f"{kept.name}.{os.getpid()}.new")
                with suppress(OSError):  # a template not kept is only made again by the next process
                    staged.write_bytes(BatchedSqliteEventLogStorage._template)
                    os.replace(staged, kept)
                with suppress(OSError):
                    staged.unlink()
        return BatchedSqliteEventLogStorage._template

    def _new_template(self) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            engine = create_engine(create_db_conn_string(folder, "template"), poolclass=NullPool)
            self._initdb(engine)
            engine.dispose()  # the last connection closes: the WAL is checkpointed into the file
            return Path(folder, "template.db").read_bytes()

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        """Dagster's wipe deletes the run shards' files: the connections kept to them close first
        (an open connection would go on writing the deleted file)."""
        self._dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._dispose_engines()

    def has_table(self, table_name: str) -> bool:
        """Dagster's check, asked once per table that exists (migrations add tables, none drops one)."""
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Runs of asset events in one transaction per database; any other event (asset check
        "planned" events come in the same batches) on its own, in order."""
        run: list[EventLogEntry] = []
        for event in events:
            if event.is_dagster_event and event.dagster_event_type in ASSET_EVENTS:
                run.append(event)
                continue
            self._store_asset_events(run)
            run = []
            self.store_event(event)
        self._store_asset_events(run)

    def _store_asset_events(self, events: list[EventLogEntry]) -> None:
        if not events:
            return
        rows = [self._event_to_row(event) for event in events]
        for run_id in dict.fromkeys(e.run_id for e in events):
            with self.run_connection(run_id) as conn:
                conn.execute(SqlEventLogStorageTable.insert(), [r for r, e in zip(rows, events) if e.run_id == run_id])
        with self.index_transaction() as conn:
            inserted = conn.execute(
                SqlEventLogStorageTable.insert().returning(SqlEventLogStorageTable.c.id, sort_by_parameter_order=True),
                rows,
            )
            event_ids = [row[0] for row in inserted]
            self._store_asset_event_tags(conn, events, event_ids)
            # The asset key table keeps the latest event of each type per asset: writing the last
            # of each type in their order leaves the row as writing every event would.
            last: dict[tuple, int] = {}
            for n, event in enumerate(events):
                last.pop((event.dagster_event.asset_key, event.dagster_event_type), None)
                last[(event.dagster_event.asset_key, event.dagster_event_type)] = n
            for n in last.values():
                self._store_asset_event(conn, events[n], event_ids[n])
