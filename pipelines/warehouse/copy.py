"""Copying a whole warehouse into another DuckDB file, atomically.

Used by backup and restore: the copy is written to a hidden staging file beside the target and
moved into place with one `os.replace`, so the target is always either the old file or the complete
new one, never half of it (a crash mid-copy leaves the old file untouched).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

LOCK_WAIT_SECONDS = 120.0


def _attach(con, path: Path, alias: str, read_only: bool) -> None:
    """Attach a database file, waiting (bounded) while another process holds its write lock."""
    import duckdb

    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    mode = " (READ_ONLY)" if read_only else ""
    while True:
        try:
            con.execute(f"ATTACH ? AS {alias}{mode}", [str(path)])
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def copy_database(source: Path, target: Path) -> dict[str, int]:
    """Copy every schema and table of `source` to `target`; returns rows per table of the copy."""
    import duckdb

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    try:
        con = duckdb.connect()
        try:
            _attach(con, source, "src", read_only=True)
            _attach(con, staging, "dst", read_only=False)
            con.execute("COPY FROM DATABASE src TO dst")
            tables = con.execute(
                "SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables() WHERE database_name = 'dst'"
            ).fetchall()
            con.execute("DETACH src")
            con.execute("DETACH dst")  # checkpoints: the staging file is complete, no WAL beside it
        finally:
            con.close()
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return dict(sorted(tables))
