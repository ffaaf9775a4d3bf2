"""integrations_sensor: one dynamic partition per active integration, no more, no less."""


import dagster as dg

from pipelines.assets.partitions import INTEGRATIONS, integrations_partitions
from pipelines.resources.warehouse import WarehouseResource


def active_integration_ids(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT integration_id FROM app.integrations WHERE archived_at IS NULL").fetchall()}


def partition_changes(active: set[str], existing: set[str]) -> tuple[list[str], list[str]]:
    """(keys to add, keys to delete) so the partitions equal the active integrations."""
    return sorted(active - existing), sorted(existing - active)


@dg.sensor(
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Keeps one partition per active integration (app.integrations): adds new ones, removes "
    "archived or deleted ones, so Sync All covers exactly the integrations users have. Skips while the "
    "warehouse is not readable (not yet created by `pipelines init`, or held by a writer).",
)
def integrations_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    """Adds a partition for each new integration and removes archived or deleted ones, so that
    materializing all partitions (Sync All) covers exactly the integrations users have."""
    import duckdb

    try:
        with warehouse.connect(read_only=True) as con:
            active = active_integration_ids(con)
    except (duckdb.IOException, duckdb.CatalogException) as exc:
        return dg.SensorResult(skip_reason=f"warehouse not readable now: {type(exc).__name__}")
    existing = set(context.instance.get_dynamic_partitions(INTEGRATIONS))
    add, delete = partition_changes(active, existing)
    if not add and not delete:
        return dg.SensorResult(skip_reason=f"{len(existing)} integrations, partitions in step")
    requests = []
    if add:
        requests.append(integrations_partitions.build_add_request(add))
    if delete:
        requests.append(integrations_partitions.build_delete_request(delete))
    context.log.info(f"partitions: +{len(add)} -{len(delete)}")
    return dg.SensorResult(dynamic_partitions_requests=requests)
