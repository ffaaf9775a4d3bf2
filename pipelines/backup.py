"""`pipelines backup` and `pipelines restore`: the whole warehouse, registry and encrypted
credentials included, as one DuckDB file.

Credentials stay encrypted in the backup, so a backup is only useful together with the encryption
key; `restore` checks that the key in use can decrypt them before it replaces anything, and refuses
while a Dagster run is in progress.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.errors import UserError
from pipelines.settings import warehouse_path
from pipelines.warehouse.copy import copy_database


def backup(target: Path, *, force: bool = False) -> dict[str, int]:
    source = warehouse_path()
    if not source.exists():
        raise UserError(f"no warehouse at {source} to back up")
    if target.exists() and not force:
        raise UserError(f"{target} exists (pass --force to overwrite it)")
    if target.resolve() == source.resolve():
        raise UserError("the backup cannot replace the warehouse itself")
    return copy_database(source, target)


def _check_backup(path: Path) -> None:
    """A readable DuckDB file with our registry whose credentials this key can decrypt."""
    import duckdb

    from pipelines.crypto import decrypt_credentials

    if not path.is_file():
        raise UserError(f"no backup file at {path}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise UserError(f"{path.name} is not a warehouse backup ({type(exc).__name__})") from None
    try:
        try:
            tokens = con.execute("SELECT credentials FROM app.integrations WHERE credentials IS NOT NULL").fetchall()
            con.execute("SELECT count(*) FROM app.schema_migrations").fetchall()
        except duckdb.CatalogException:
            raise UserError(f"{path.name} is not a warehouse backup (no registry tables)") from None
    finally:
        con.close()
    for (token,) in tokens:
        decrypt_credentials(token)


def _refuse_while_a_run_is_in_progress() -> None:
    """A run writes the warehouse in several transactions with no lock held between them (its extract
    commits, then its build waits for the pool), so a restore in between would receive the rest of
    its writes: raw records of an integration the restored registry may not have. Runs are known
    only to the Dagster instance of `DAGSTER_HOME`; runs whose process is gone are marked failed
    first, so a killed sync does not block restores for good."""
    if not os.environ.get("DAGSTER_HOME"):
        return
    from pipelines.orchestration.warehouse_pool import run_in_progress
    from pipelines.runner import instance, to_stderr

    run = run_in_progress(instance(), to_stderr)
    if run:
        raise UserError(f"{run} is in progress and writes the warehouse: restore when no run is in progress")


def restore(source: Path, *, force: bool = False) -> dict[str, int]:
    target = warehouse_path()
    _check_backup(source)
    if target.exists() and not force:
        raise UserError(f"a warehouse exists at {target} (pass --force to replace it with the backup)")
    if target.exists():
        _refuse_while_a_run_is_in_progress()
        from pipelines.warehouse import connect

        # Taking the write lock proves no other process uses the warehouse now, and the checkpoint
        # empties its write-ahead log, which would otherwise be replayed onto the restored file.
        with connect(target) as con:
            con.execute("CHECKPOINT")
    return copy_database(source, target)
