"""Opening the warehouse safely from many processes: `connect` waits for a lock another process
holds (`pipelines.lockwait`) instead of failing the run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.lockwait import retry_while_locked
from pipelines.settings import duckdb_memory_limit, warehouse_path
from pipelines.sqlfiles import run_script
from pipelines.warehouse.host import Busy, host
from pipelines.warehouse.migrations import migrate


def _is_lock_error(exc: Exception) -> bool:
    """Another process holds the file, or this one reads it and a writer asked."""
    if isinstance(exc, Busy):
        return True
    text = str(exc)
    return isinstance(exc, duckdb.IOException) and ("Could not set lock" in text or "Conflicting lock" in text)


@contextmanager
def attached(path: Path | str, *, read_only: bool = False,
             wait: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A bare connection to a DuckDB file (no migration, no macros) of this process's instance
    (`pipelines.warehouse.host`), whose default database is the file; closed afterwards. Waits
    (bounded, with backoff) while another process holds the file, or, for a writer, while this one
    reads it."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    instance = host()
    con = retry_while_locked(lambda: instance.open(key, read_only, duckdb_memory_limit()), _is_lock_error, wait)
    try:
        try:
            yield con
        finally:
            con.close()
    finally:
        instance.release(key)


@contextmanager
def connect(
    path: Path | str | None = None, *, read_only: bool = False, wait: float | None = None
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
