"""Jobs: `sync_all` materializes every asset of the chosen integration partitions (Sync All)."""

import dagster as dg

sync_all = dg.define_asset_job(
    "sync_all",
    # Live prices have their own 7-minute schedule; a sync must not fail when a price source is down.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("prices"),
    description="Sync All: extract, normalize, balances and reconciliation for the chosen integrations.",
)
