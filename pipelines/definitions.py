"""The one Dagster `Definitions` of the project, assembled from small modules."""

import dagster as dg

from pipelines.assets.extract import raw_records
from pipelines.assets.warehouse_layers import warehouse_layers
from pipelines.jobs import sync_all
from pipelines.resources.warehouse import WarehouseResource
from pipelines.sensors.registry import integrations_sensor

defs = dg.Definitions(
    assets=[raw_records, warehouse_layers],
    jobs=[sync_all],
    sensors=[integrations_sensor],
    resources={"warehouse": WarehouseResource()},
)
