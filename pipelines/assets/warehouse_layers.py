"""Everything after raw.*: transactions, ledger entries, both balances and their reconciliation.

One multi-asset, so that all layers of a partition are rebuilt in a single DuckDB transaction (a
failed run leaves every table as it was) and in a single step (no process start per layer).
"""


import dagster as dg

from pipelines.assets.extract import raw_records
from pipelines.assets.partitions import WAREHOUSE_POOL, integrations_partitions
from pipelines.orchestration.batch import StepBatch, check_evaluations
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
            description="Synced and calculated balances agree for every asset, per integration. WARN for "
            "exchange and wallet integrations (history may be incomplete); ERROR for manual ones, where a "
            "mismatch is a bug.",
            partitions_def=integrations_partitions,
        )
    ],
    partitions_def=integrations_partitions,
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=sync_batch_size()),
)
def warehouse_layers(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Builds each partition's layers from raw.* and app.manual_transactions, set-based in SQL and
    incrementally: only what the records fetched since the last build touch (pipelines/sync/build.py).

    A run over a batch of integrations (backfill policy) builds them all in one transaction; each
    partition's materialization carries its own integration's row counts and reconciliation, and
    each partition's balances check its own integration's mismatches."""
    from pipelines.interchange.supersede import active_counts
    from pipelines.sqlfiles import sql
    from pipelines.sync.build import STEPS, build
    from pipelines.sync.report import is_mismatch, markdown_table, reconciliation_by_integration
    from pipelines.warehouse import transaction

    batch = StepBatch(context)
    integration_ids = batch.integrations  # the run's integrations whose extraction did not fail
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
        counts = {(layer, i): n for layer, i, n in
                  con.execute(sql("queries/layer_rows"), {"integration_ids": integration_ids}).fetchall()}
        rows = reconciliation_by_integration(con, integration_ids)
        superseded = active_counts(con, integration_ids)  # manual duplicates of synced ones
    mismatches = {i: [r for r in rows[i] if is_mismatch(r)] for i in integration_ids}  # spam never counts
    context.log.info(f"{len(integration_ids)} integration(s): {sum(counts.get(('transactions', i), 0) for i in integration_ids)} "
                     f"transactions, {sum(map(len, mismatches.values()))} mismatched assets")
    for name in STEPS:
        metadata = {}
        for i in integration_ids:
            metadata[i] = {"rows": counts.get((name, i), 0), "table": _TABLES[name]}
            if name == "transactions":
                metadata[i]["superseded_manual"] = superseded[i]
            if name == "balance_reconciliation":
                metadata[i]["mismatches"] = len(mismatches[i])
                metadata[i]["reconciliation"] = dg.MetadataValue.md(markdown_table(rows[i]))
        yield batch.materialize(name, metadata)
    yield from check_evaluations(context, dg.AssetCheckKey(dg.AssetKey("balance_reconciliation"), BALANCES_MATCH), {
        i: (
            not mismatches[i],
            dg.AssetCheckSeverity.ERROR if kinds[i] == "manual" else dg.AssetCheckSeverity.WARN,
            {"kind": kinds[i], "mismatches": len(mismatches[i]),
             "mismatched": dg.MetadataValue.md(markdown_table(mismatches[i]) if mismatches[i] else "_none_")},
        )
        for i in integration_ids
    })
