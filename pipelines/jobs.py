"""Jobs: `sync_all` materializes every asset of the chosen integration partitions (Sync All)."""

import dagster as dg

sync_all = dg.define_asset_job(
    "sync_all",
    selection=dg.AssetSelection.all(),
    description="Sync All: extract, normalize, balances and reconciliation for the chosen integrations.",
)
