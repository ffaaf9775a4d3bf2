"""The one Dagster `Definitions` of the project, assembled from small modules."""

import dagster as dg

from pipelines.assets.analytics import analytics_snapshot
from pipelines.assets.checks import transactions_quality
from pipelines.assets.extract import raw_records, sources_read
from pipelines.assets.marts import account_marts, chain_divergence, marts_after_sync, refresh_marts, transfer_matches
from pipelines.assets.prices import live_prices
from pipelines.assets.warehouse_layers import warehouse_layers
from pipelines.jobs import sync_all
from pipelines.orchestration.defs import orchestration_defs
from pipelines.resources.warehouse import WarehouseResource
from pipelines.sensors.registry import integrations_sensor

ASSETS = [raw_records, warehouse_layers, analytics_snapshot, account_marts, transfer_matches, chain_divergence,
          live_prices]

defs = dg.Definitions.merge(dg.Definitions(
    assets=ASSETS,
    asset_checks=[transactions_quality, sources_read],
    jobs=[sync_all, refresh_marts],
    sensors=[integrations_sensor, marts_after_sync],
    resources={"warehouse": WarehouseResource()},
    # A sync's steps form a chain (extract -> layers -> snapshot): one process per run, not one per
    # step; parallelism comes from runs (deploy/dagster.yaml), and pools still apply per step.
    executor=dg.in_process_executor,
), orchestration_defs(ASSETS))
