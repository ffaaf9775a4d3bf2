"""raw_records: what each integration's source says, landed exactly as received."""


from collections import Counter

import dagster as dg

from pipelines.assets.partitions import integrations_partitions
from pipelines.orchestration.runs import FULL_RESYNC_TAG
from pipelines.resources.warehouse import WarehouseResource
from pipelines.settings import sync_batch_size


class ExtractConfig(dg.Config):
    """`full`: forget the cursors and re-import everything from the integration's start date."""

    full: bool = False


@dg.asset(
    partitions_def=integrations_partitions,
    group_name="extract",
    kinds={"python", "duckdb"},
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=sync_batch_size()),
    description="Records exactly as each integration's source gave them (raw.records), plus a balance "
    "snapshot taken at the same cut-off (raw.balance_snapshots) and the stream cursors (app.sync_state).",
)
def raw_records(context: dg.AssetExecutionContext, config: ExtractConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Runs the integration's connector. Network reads happen with the warehouse closed; the write is
    one short transaction, so extraction of many integrations runs in parallel."""
    from pipelines.sync.extract import extract

    # A backfill run covers a batch of partitions (backfill policy); each is extracted and stored in turn.
    full = config.full or context.run.tags.get(FULL_RESYNC_TAG) == "true"
    results = []
    for integration_id in context.partition_keys:
        result = extract(integration_id, full=full, log=context.log, warehouse=warehouse.resolved_path())
        context.log.info(
            f"{integration_id}: fetched {sum(result.fetched.values())} records, {result.inserted} new, "
            f"{result.balances} synced balances"
        )
        results.append(result)
    fetched_by_stream: Counter = Counter()
    stats: dict = {}  # counts add up over the batch; other values are the last integration's
    for result in results:
        fetched_by_stream.update(result.fetched)
        for k, v in result.snapshot.stats.items():
            summable = isinstance(v, (int, float)) and not isinstance(v, bool) and k in stats
            stats[k] = stats[k] + v if summable else v
    return dg.MaterializeResult(
        metadata={
            "kind": ", ".join(sorted({r.kind for r in results})),
            "full_resync": full,
            "fetched": sum(fetched_by_stream.values()),
            "new_records": sum(r.inserted for r in results),
            "fetched_by_stream": dict(fetched_by_stream),
            "synced_balance_assets": sum(r.balances for r in results),
            **{f"stats/{k}": v for k, v in stats.items()},
        }
    )
