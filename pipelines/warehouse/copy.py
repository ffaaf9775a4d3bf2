"""Copying a whole warehouse into another DuckDB file, atomically.

Used by backup and restore: the copy is written to a hidden staging file beside the target and
moved into place with one `os.replace`, so the target is always either the old file or the complete
new one, never half of it (a crash mid-copy leaves the old file untouched).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

_staging_aliases = (f"copy_staging_{n}" for n in itertools.count(1))


def copy_database(source: Path, target: Path) -> dict[str, int]:
    """Copy every schema and table of `source` to `target`; returns rows per table of the copy.

    The source is read through this process's DuckDB instance (waiting, bounded, while another
    process writes it), so a copy made while this process has the warehouse open shares it."""
    from pipelines.warehouse.connection import attached

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    alias = next(_staging_aliases)
    try:
        with attached(source, read_only=True) as con:
            [(database,)] = con.execute("SELECT current_database()").fetchall()
            con.execute(f"ATTACH ? AS {alias}", [str(staging)])
            try:
                con.execute(f'COPY FROM DATABASE "{database}" TO {alias}')
                tables = con.execute(
                    "SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables() WHERE database_name = ?",
                    [alias],
                ).fetchall()
            finally:
                con.execute(f"DETACH {alias}")  # checkpoints: the staging file is complete, no WAL beside it
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
        staging.with_name(f"{staging.name}.wal").unlink(missing_ok=True)  # left by a failed write (a full disk)
    return dict(sorted(tables))
