"""transactions_quality: the great-expectations suite on core.transactions, as a Dagster asset check.

It validates the partition's rows where they are (a GX SQL data source on the DuckDB warehouse, read
only) and shows every expectation with its failing row count as a markdown table. GX is imported
inside the check only (seconds of import time the CLI and definitions must not pay), and only when
some integration's rows differ from rows the suite already passed (pipelines/reconciliation/quality_memory.py):
a sync with nothing new never imports it.
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
def transactions_quality(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Runs the suite on the rows of the integrations this run built."""
    from pipelines.reconciliation.quality import markdown, validate_transactions_changed

    integration_ids = list(context.partition_keys)
    outcomes, unchanged = validate_transactions_changed(str(warehouse.resolved_path()), integration_ids)
    failed = [o for o in outcomes if not o.success]
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "expectations": len(outcomes),
            "failed": len(failed),
            "integrations": ", ".join(integration_ids),
            # Rows identical to rows the suite already passed are not validated again (quality_memory.py).
            "unchanged_since_passed": ", ".join(unchanged) or "none",
            "results": dg.MetadataValue.md(markdown(outcomes)),
        },
    )
