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
def transactions_quality(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Runs the suite on the rows of the integrations this run built whose rows changed since the
    suite last passed them (`quality_memory.py`), once for all of them; only when that fails (a bug,
    rare) again per integration, so each partition's evaluation names its own failures without
    paying a validation per integration on every sync."""
    from pipelines.orchestration.batch import StepBatch, check_evaluations
    from pipelines.reconciliation.quality import Outcome, validate_transactions_changed, validate_transactions_sql

    path = str(warehouse.resolved_path())
    integration_ids = StepBatch(context).integrations  # a failed source's partition was not built
    outcomes, unchanged = validate_transactions_changed(path, integration_ids)
    changed = [i for i in integration_ids if i not in unchanged]
    passed = [Outcome(o.name, True, 0) for o in outcomes]  # the same expectations, as they last passed
    by_integration = {i: (passed if i in unchanged else outcomes) for i in integration_ids}
    if len(changed) > 1 and not all(o.success for o in outcomes):
        own = {i: validate_transactions_sql(path, [i]) for i in changed}
        if not all(o.success for results in own.values() for o in results):  # else only together (a tx_id in two)
            by_integration.update(own)
    yield from check_evaluations(context, dg.AssetCheckKey(dg.AssetKey("transactions"), "transactions_quality"), {
        i: (all(o.success for o in own), dg.AssetCheckSeverity.ERROR, _metadata(own, i in unchanged))
        for i, own in by_integration.items()
    })


def _metadata(outcomes, unchanged: bool) -> dict:
    from pipelines.reconciliation.quality import markdown

    return {
        "expectations": len(outcomes),
        "failed": sum(not o.success for o in outcomes),
        # Rows identical to rows the suite already passed are not validated again (quality_memory.py).
        "validated": "unchanged since the suite passed them" if unchanged else "now",
        "results": dg.MetadataValue.md(markdown(outcomes)),
    }
