"""Account-wide marts: group and account balances, the portfolio, and transfers between one's own
integrations.

They are unpartitioned (one table for every account) and sit downstream of the per-integration
balances. They refresh after syncs through their automation condition (`AFTER_SYNC`) and on demand
with the `refresh_marts` job; each is rebuilt whole in one transaction, so a re-run never
duplicates a row and a failure leaves the previous version in place.
"""

import dagster as dg

from pipelines.assets.partitions import WAREHOUSE_POOL
from pipelines.resources.warehouse import WarehouseResource

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
