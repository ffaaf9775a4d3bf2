"""analytics_snapshot: a read-only copy of the warehouse for analysts, published after each sync.

DuckDB lets one process write a file and then no other process may open it, not even read-only, so
analysts never query the warehouse itself. After each sync the warehouse is copied into a new file
(credential tokens dropped) which then replaces the published copy with one `os.replace`: an
analyst's open connection keeps reading the old file, a new one reads the new file, and none fails.
"""

import os
import time
from pathlib import Path

import dagster as dg

from pipelines.assets.partitions import WAREHOUSE_POOL, integrations_partitions
from pipelines.resources.warehouse import WarehouseResource
from pipelines.settings import sync_batch_size

#: Seconds to wait for a writing process to release the warehouse before the copy fails.
LOCK_WAIT_SECONDS = 120.0


def _attach_source(con, warehouse: str) -> None:
    """Attach the warehouse read-only, waiting (bounded) while another process writes it."""
    import duckdb

    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            con.execute("ATTACH ? AS src (READ_ONLY)", [warehouse])
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def publish_analytics_copy(warehouse: str, target: Path) -> dict[str, int]:
    """Copy the warehouse to `target` atomically; returns rows per table of the copy."""
    import duckdb

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    try:
        con = duckdb.connect()
        try:
            _attach_source(con, warehouse)
            con.execute("ATTACH ? AS snap", [str(staging)])
            con.execute("COPY FROM DATABASE src TO snap")
            con.execute("DETACH src")
            con.execute("UPDATE snap.app.integrations SET credentials = NULL")  # encrypted, but analysts need none
            tables = con.execute(
                "SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables() WHERE database_name = 'snap'"
            ).fetchall()
            con.execute("DETACH snap")  # checkpoints: the file is complete, no WAL beside it
        finally:
            con.close()
        staging.chmod(0o444)  # a read-write open by mistake fails instead of locking out everyone else
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return dict(sorted(tables))


@dg.asset(
    partitions_def=integrations_partitions,
    deps=["balance_reconciliation"],
    group_name="analytics",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=sync_batch_size()),
    description="Read-only copy of the warehouse for analysts (PIPELINES_ANALYTICS, default "
    "data/analytics.duckdb), replaced atomically after each sync.",
)
def analytics_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Publishes the copy once per run, however many integrations the run synced."""
    from pipelines.settings import analytics_path

    target = analytics_path()
    started = time.monotonic()
    tables = publish_analytics_copy(warehouse.resolved_path(), target)
    context.log.info(f"analytics copy published to {target} in {time.monotonic() - started:.2f} s")
    return dg.MaterializeResult(
        metadata={
            "path": str(target),
            "seconds": round(time.monotonic() - started, 3),
            "rows": dg.MetadataValue.json(tables),
        }
    )
