"""raw_records: what each integration's source says, landed exactly as received."""


import dagster as dg

from pipelines.assets.partitions import integrations_partitions
from pipelines.resources.warehouse import WarehouseResource


class ExtractConfig(dg.Config):
    """`full`: forget the cursors and re-import everything from the integration's start date."""

    full: bool = False


@dg.asset(
    partitions_def=integrations_partitions,
    group_name="extract",
    kinds={"python", "duckdb"},
    description="Records exactly as each integration's source gave them (raw.records), plus a balance "
    "snapshot taken at the same cut-off (raw.balance_snapshots) and the stream cursors (app.sync_state).",
)
def raw_records(context: dg.AssetExecutionContext, config: ExtractConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Runs the integration's connector. Network reads happen with the warehouse closed; the write is
    one short transaction, so extraction of many integrations runs in parallel."""
    from pipelines.sync.extract import extract

    (integration_id,) = context.partition_keys
    result = extract(integration_id, full=config.full, log=context.log, warehouse=warehouse.resolved_path())
    context.log.info(
        f"{integration_id}: fetched {sum(result.fetched.values())} records, {result.inserted} new, "
        f"{result.balances} synced balances"
    )
    return dg.MaterializeResult(
        metadata={
            "kind": result.kind,
            "full_resync": config.full,
            "fetched": sum(result.fetched.values()),
            "new_records": result.inserted,
            "fetched_by_stream": result.fetched,
            "synced_balance_assets": result.balances,
            **{f"stats/{k}": v for k, v in result.snapshot.stats.items()},
        }
    )
