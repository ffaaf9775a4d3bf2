"""transactions_quality: the great-expectations suite on core.transactions, as a Dagster asset check.

It validates the partition's rows where they are (a GX SQL data source on the DuckDB warehouse, read
only) and shows every expectation with its failing row count as a markdown table. GX is imported
inside the check only (seconds of import time the CLI and definitions must not pay).
"""

import dagster as dg

from pipelines.assets.partitions import integrations_partitions
from pipelines.resources.warehouse import WarehouseResource


@dg.asset_check(
    asset="transactions",
    partitions_def=integrations_partitions,
    description="great-expectations suite on core.transactions: required columns not null, unique tx_id, "
    "label in the allowed set, occurred_at between 2009-01-03 and now + 1 day, amounts positive and within "
    "DECIMAL(38,18), each amount with its asset and each asset with its amount. A failure is a bug (ERROR).",
)
def transactions_quality(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Runs the suite on the rows of the integrations this run built, once for all of them; only
    when that fails (a bug, rare) again per integration, so each partition's evaluation names its
    own failures without paying a validation per integration on every sync."""
    from pipelines.orchestration.batch import StepBatch, check_evaluations
    from pipelines.reconciliation.quality import validate_transactions_sql

    integration_ids = StepBatch(context).integrations  # a failed source's partition was not built
    outcomes = validate_transactions_sql(warehouse.resolved_path(), integration_ids)
    by_integration = dict.fromkeys(integration_ids, outcomes)
    if len(integration_ids) > 1 and not all(o.success for o in outcomes):
        by_integration = {i: validate_transactions_sql(warehouse.resolved_path(), [i]) for i in integration_ids}
        if all(o.success for own in by_integration.values() for o in own):
            by_integration = dict.fromkeys(integration_ids, outcomes)  # only together (a tx_id in two of them)
    yield from check_evaluations(context, dg.AssetCheckKey(dg.AssetKey("transactions"), "transactions_quality"), {
        i: (all(o.success for o in own), dg.AssetCheckSeverity.ERROR, _metadata(own))
        for i, own in by_integration.items()
    })


def _metadata(outcomes) -> dict:
    from pipelines.reconciliation.quality import markdown

    return {
        "expectations": len(outcomes),
        "failed": sum(not o.success for o in outcomes),
        "results": dg.MetadataValue.md(markdown(outcomes)),
    }
