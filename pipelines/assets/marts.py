"""Marts beyond one integration's build: group and account balances, the portfolio, transfers between
one's own integrations (account-wide), and wallet divergence points (per integration, needs the chain).

The account-wide ones are unpartitioned (one table for every account) and sit downstream of the
per-integration balances. They refresh after syncs through their automation condition (`AFTER_SYNC`) and on demand
with the `refresh_marts` job; each is rebuilt whole in one transaction, so a re-run never
duplicates a row and a failure leaves the previous version in place.
"""

import dagster as dg

from pipelines.assets.partitions import WAREHOUSE_POOL, integrations_partitions
from pipelines.resources.warehouse import WarehouseResource
from pipelines.settings import sync_batch_size

#: Refresh once the balances of some integration changed and no upstream run is still going (not
#: `eager()`: that waits until every integration partition exists, which never holds while one fails).
AFTER_SYNC = (
    (dg.AutomationCondition.newly_missing() | dg.AutomationCondition.any_deps_updated()).since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("after_sync")

_BALANCE_DOCS = {
    "group_balances": "marts.group_balances: synced and calculated balance per account, group and asset_id.",
    "account_balances": "marts.account_balances: synced and calculated balance per account and asset_id.",
    "portfolio": "marts.portfolio: holdings valued with the latest prices in the account's base currency.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, deps=["balance_reconciliation"], description=doc, group_name="marts",
                     kinds={"duckdb", "sql"}, automation_condition=AFTER_SYNC)
        for name, doc in _BALANCE_DOCS.items()
    ],
    pool=WAREHOUSE_POOL,
)
def account_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Rebuilds the account-wide balance marts from every integration's reconciliation rows."""
    from pipelines.reconciliation.marts import build_balances
    from pipelines.sync.report import amount_text
    from pipelines.warehouse import transaction

    with warehouse.connect() as con:
        with transaction(con):
            counts = build_balances(con)
        totals = con.execute(
            "SELECT account_id, base_currency, sum(value), count(*) FILTER (WHERE price IS NULL) "
            "FROM marts.portfolio GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    table = "\n".join(
        ["| account | value | currency | assets without price |", "|---|---:|---|---:|"]
        + [f"| {a} | {amount_text(v)} | {c} | {n} |" for a, c, v, n in totals]
    )
    for name in _BALANCE_DOCS:
        metadata = {"rows": counts[name]}
        if name == "portfolio":
            metadata["portfolio_value"] = dg.MetadataValue.md(table)
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)


@dg.asset(
    deps=["transactions"],
    group_name="marts",
    kinds={"duckdb", "sql"},
    automation_condition=AFTER_SYNC,
    pool=WAREHOUSE_POOL,
    description="marts.transfer_matches: a withdrawal in one integration paired with a deposit in another of "
    "the same account (one Transfer). Pairing only: no integration's balance changes.",
)
def transfer_matches(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Re-matches every account's transfers; pairs the user unmatched stay apart."""
    from pipelines.reconciliation.transfers import rebuild_matches
    from pipelines.warehouse import transaction

    with warehouse.connect() as con:
        with transaction(con):
            matched = rebuild_matches(con)
        by_rule = dict(con.execute("SELECT matched_by, count(*) FROM marts.transfer_matches GROUP BY ALL").fetchall())
    return dg.MaterializeResult(metadata={"transfers": matched, **{f"matched_by/{k}": v for k, v in by_rule.items()}})


refresh_marts = dg.define_asset_job(
    "refresh_marts",
    selection=dg.AssetSelection.groups("marts"),
    description="Rebuild the account-wide marts (group and account balances, portfolio, transfer matches).",
)


@dg.asset(
    partitions_def=integrations_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=sync_batch_size()),
    deps=["balance_reconciliation"],
    group_name="balances",
    kinds={"python", "duckdb"},
    description="marts.divergence_points (method chain_balance): for each mismatched asset of a wallet "
    "integration, the first block where the chain's balance stops equalling the calculated running balance, "
    "with the transactions around it. Exchange ledgers with running balances get theirs in the build (SQL).",
)
def chain_divergence(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Binary search over historical balances (eth_getBalance / balanceOf at a block) with the warehouse
    closed during the RPC reads; nothing to do for other kinds or when every asset matches."""
    from pipelines.orchestration.batch import StepBatch
    from pipelines.reconciliation.divergence import locate

    batch = StepBatch(context)
    found = {i: locate(warehouse.resolved_path(), i, context.log) for i in batch.integrations}
    return batch.materialize(chain_divergence.key, {i: {"divergence_points": n} for i, n in found.items()})

#: Runs AFTER_SYNC for the marts (Dagster's default automation sensor starts stopped): a run that
#: rebuilt some partitions without the marts (a single asset, a backfill batch) refreshes them.
marts_after_sync = dg.AutomationConditionSensorDefinition(
    "marts_after_sync",
    target=dg.AssetSelection.groups("marts"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Refreshes the account-wide marts after integrations were rebuilt without them.",
)
