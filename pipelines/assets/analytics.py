"""analytics_snapshot: a read-only copy of the warehouse for analysts, published after each sync.

DuckDB lets one process write a file and then no other process may open it, not even read-only, so
analysts never query the warehouse itself. After each sync the warehouse is copied into a new file
(credential tokens dropped) which then replaces the published copy with one `os.replace`: an
analyst's open connection keeps reading the old file, a new one reads the new file, and none fails.
"""

import fcntl
import os
import time
from pathlib import Path

import dagster as dg

from pipelines.assets.marts import account_marts
from pipelines.assets.partitions import WAREHOUSE_POOL, integrations_partitions
from pipelines.resources.warehouse import WarehouseResource
from pipelines.settings import sync_batch_size


def publish_analytics_copy(warehouse: str, target: Path) -> dict[str, int]:
    """Copy the warehouse to `target` atomically, without credential tokens; returns rows per table.

    Runs that end at the same time publish one after the other (a lock file beside the copy): taken
    and replaced in the same order, the copy taken last is the one left published, so an older copy
    never replaces a newer one and the final copy holds every committed sync. Under that lock no
    other copy is being made, so the unpublished files found then were left by a killed publisher
    (each as large as the warehouse) and are removed.
    """
    import duckdb

    from pipelines.warehouse.copy import copy_database

    unpublished = target.with_name(f".{target.name}.{os.getpid()}.unpublished")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f".{target.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, by a crash too
        # (the copy's own staging file of an unpublished copy, and a write-ahead log beside either)
        for leftover in (*target.parent.glob(f".{target.name}.*.unpublished*"),
                         *target.parent.glob(f"..{target.name}.*.unpublished.*.tmp*")):
            leftover.unlink(missing_ok=True)
        try:
            tables = copy_database(Path(warehouse), unpublished)
            with duckdb.connect(str(unpublished)) as con:  # encrypted, but analysts need no credentials
                con.execute("UPDATE app.integrations SET credentials = NULL")
            unpublished.chmod(0o444)  # a read-write open by mistake fails instead of locking out everyone else
            os.replace(unpublished, target)
        finally:
            unpublished.unlink(missing_ok=True)
    return tables


@dg.asset(
    partitions_def=integrations_partitions,
    # After the account marts too when a run builds them (sync_all), so portfolio values are current.
    deps=["balance_reconciliation", *account_marts.keys],
    group_name="analytics",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=sync_batch_size()),
    description="Read-only copy of the warehouse for analysts (PIPELINES_ANALYTICS, default "
    "data/analytics.duckdb), replaced atomically after each sync.",
)
def analytics_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Publishes the copy once per run, however many integrations the run synced."""
    from pipelines.orchestration.batch import StepBatch
    from pipelines.settings import analytics_path

    target = analytics_path()
    started = time.monotonic()
    tables = publish_analytics_copy(warehouse.resolved_path(), target)
    context.log.info(f"analytics copy published to {target} in {time.monotonic() - started:.2f} s")
    metadata = {"path": str(target), "seconds": round(time.monotonic() - started, 3), "rows": dg.MetadataValue.json(tables)}
    batch = StepBatch(context)
    return batch.materialize(analytics_snapshot.key, dict.fromkeys(batch.integrations, metadata))
