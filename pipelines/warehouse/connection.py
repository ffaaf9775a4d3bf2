"""Opening the warehouse safely from many processes.

DuckDB lets one process hold the file read-write at a time, and another process fails at once
instead of waiting. Dagster steps, the CLI and sensors all open the file briefly, so `connect` waits
(with backoff, bounded) for the lock instead of failing the run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.settings import duckdb_memory_limit, warehouse_path
from pipelines.sqlfiles import run_script
from pipelines.warehouse.host import Busy, host
from pipelines.warehouse.migrations import migrate

LOCK_WAIT_SECONDS = 120.0


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


@contextmanager
def attached(path: Path | str, *, read_only: bool = False,
             wait: float = LOCK_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """A bare connection to a DuckDB file (no migration, no macros) of this process's instance
    (`pipelines.warehouse.host`), whose default database is the file; closed afterwards. Waits
    (bounded, with backoff) while another process holds the file, or, for a writer, while this one
    reads it."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    instance = host()
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            con = instance.open(key, read_only, duckdb_memory_limit())
            break
        except (duckdb.IOException, Busy) as exc:
            if not (isinstance(exc, Busy) or _is_lock_error(exc)) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    try:
        try:
            yield con
        finally:
            con.close()
    finally:
        instance.release(key)


@contextmanager
def connect(
    path: Path | str | None = None, *, read_only: bool = False, wait: float = LOCK_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (migrated to the latest schema when writable, with the session macros of
    `sql/build/macros.sql`) and close it afterwards."""
    with attached(path if path is not None else warehouse_path(), read_only=read_only, wait=wait) as con:
        if not read_only:
            migrate(con)
        run_script(con, "build/macros")
        yield con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing block: a failure (or a killed process) leaves the warehouse as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
