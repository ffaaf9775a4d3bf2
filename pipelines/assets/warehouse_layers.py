"""Everything after raw.*: transactions, ledger entries, both balances and their reconciliation.

One multi-asset, so that all layers of a partition are rebuilt in a single DuckDB transaction (a
failed run leaves every table as it was) and in a single step (no process start per layer).
"""


import dagster as dg

from pipelines.assets.extract import raw_records
from pipelines.assets.partitions import WAREHOUSE_POOL, integrations_partitions
from pipelines.resources.warehouse import WarehouseResource
from pipelines.settings import sync_batch_size

_DOCS = {
    "transactions": "core.transactions: one economic event per row, synced and manual (origin).",
    "ledger_entries": "core.ledger_entries: one signed movement of one asset per row (in, out, fee).",
    "calculated_balances": "marts.calculated_balances: the sum of the ledger entries per asset.",
    "synced_balances": "core.synced_balances: the latest balance read from the source at the history's "
    "cut-off; for a manual integration its calculated balance (one 'Balance').",
    "balance_reconciliation": "marts.balance_reconciliation: synced vs calculated per asset, with status and tip.",
}
_DEPS = {
    "transactions": [raw_records.key],
    "ledger_entries": ["transactions"],
    "calculated_balances": ["ledger_entries"],
    "synced_balances": [raw_records.key, "calculated_balances"],
    "balance_reconciliation": ["synced_balances", "calculated_balances"],
}
_GROUPS = {
    "transactions": "normalize",
    "ledger_entries": "normalize",
    "calculated_balances": "balances",
    "synced_balances": "balances",
    "balance_reconciliation": "balances",
}
_TABLES = {
    "transactions": "core.transactions",
    "ledger_entries": "core.ledger_entries",
    "calculated_balances": "marts.calculated_balances",
    "synced_balances": "core.synced_balances",
    "balance_reconciliation": "marts.balance_reconciliation",
}

BALANCES_MATCH = "balances_match"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            name,
            deps=_DEPS[name],
            description=_DOCS[name],
            group_name=_GROUPS[name],
            kinds={"duckdb", "sql"},
            partitions_def=integrations_partitions,
        )
        for name in _DOCS
    ],
    check_specs=[
        dg.AssetCheckSpec(
            BALANCES_MATCH,
            asset="balance_reconciliation",
            description="Synced and calculated balances agree for every asset. WARN for exchange and wallet "
            "integrations (history may be incomplete); ERROR for manual ones, where a mismatch is a bug.",
        )
    ],
    partitions_def=integrations_partitions,
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=sync_batch_size()),
)
def warehouse_layers(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Builds each partition's layers from raw.* and app.manual_transactions, set-based in SQL and
    incrementally: only what the records fetched since the last build touch (pipelines/sync/build.py)."""
    from pipelines.interchange.supersede import active_count
    from pipelines.sync.build import STEPS, build
    from pipelines.sync.report import is_mismatch, markdown_table, reconciliation_rows
    from pipelines.warehouse import transaction

    # A backfill run covers a batch of partitions (backfill policy): one transaction for the batch.
    integration_ids = list(context.partition_keys)
    label = integration_ids[0] if len(integration_ids) == 1 else f"{len(integration_ids)} integrations"
    with warehouse.connect() as con:
        kinds = dict(
            con.execute(
                "SELECT integration_id, kind FROM app.integrations WHERE list_contains(?, integration_id)",
                [integration_ids],
            ).fetchall()
        )
        unknown = [i for i in integration_ids if i not in kinds]
        if unknown:
            raise dg.Failure(f"unknown integration(s) {', '.join(map(repr, unknown))}")
        with transaction(con):
            build(con, integration_ids)
        counts = {
            name: con.execute(
                f"SELECT count(*) FROM {table} WHERE list_contains(?, integration_id)", [integration_ids]
            ).fetchone()[0]
            for name, table in _TABLES.items()
        }
        rows = [row for integration_id in integration_ids for row in reconciliation_rows(con, integration_id)]
        superseded = active_count(con, integration_ids)  # manual duplicates of synced ones, left out
    mismatches = [r for r in rows if is_mismatch(r)]  # spam tokens stay visible but never count
    context.log.info(f"{label}: {counts['transactions']} transactions, {len(mismatches)} mismatched assets")
    for name in STEPS:
        metadata = {"rows": counts[name], "table": _TABLES[name]}
        if name == "transactions":
            metadata["superseded_manual"] = superseded
        if name == "balance_reconciliation":
            metadata["mismatches"] = len(mismatches)
            metadata["reconciliation"] = dg.MetadataValue.md(markdown_table(rows))
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)
    yield dg.AssetCheckResult(
        check_name=BALANCES_MATCH,
        asset_key="balance_reconciliation",
        passed=not mismatches,
        severity=dg.AssetCheckSeverity.ERROR
        if any(kinds[r["integration_id"]] == "manual" for r in mismatches)
        else dg.AssetCheckSeverity.WARN,
        metadata={
            "kind": ", ".join(sorted(set(kinds.values()))),
            "mismatched_assets": len(mismatches),
            "mismatches": dg.MetadataValue.md(markdown_table(mismatches)),
        },
    )
