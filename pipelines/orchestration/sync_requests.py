"""sync_requests_sensor: launch the syncs a web app asked for by writing `app.sync_requests`.

A row names an account (Sync All: every active integration) or one integration. The sensor starts
one run per integration partition, skips integrations already queued or running, and marks each
request handled with what it did. Run keys carry the request id, so a tick evaluated again after a
crash starts nothing twice.
"""

import dagster as dg

from pipelines.assets.partitions import INTEGRATIONS, integrations_partitions
from pipelines.jobs import sync_all
from pipelines.orchestration.runs import TRIGGER_TAG, active_partitions
from pipelines.resources.warehouse import WarehouseResource

SYNC_REQUEST = "sync_request"
#: Seconds a tick waits for a writing run to release the warehouse before it gives up until the next tick.
WRITE_WAIT_SECONDS = 20.0


def plan(rows: list[tuple[str, str | None]], busy: set[str]) -> tuple[dict[str, list[str]], dict[str, tuple[str, str]]]:
    """From (request_id, integration_id) rows: integrations to launch per request, and each
    request's (status, detail). An integration asked for twice, or already syncing, is launched once."""
    covered: dict[str, list[str]] = {}
    for request_id, integration_id in rows:
        covered.setdefault(request_id, [])
        if integration_id is not None:
            covered[request_id].append(integration_id)
    launch: dict[str, list[str]] = {}
    outcome: dict[str, tuple[str, str]] = {}
    taken = set(busy)
    for request_id, ids in covered.items():
        new = [i for i in ids if i not in taken]
        taken.update(new)
        launch[request_id] = new
        if not ids:
            outcome[request_id] = ("nothing_to_sync", "no active integration matches the request")
        elif new:
            outcome[request_id] = ("launched", f"{len(new)} run(s) launched, {len(ids) - len(new)} already queued or running")
        else:
            outcome[request_id] = ("already_running", f"all {len(ids)} integration(s) already queued or running")
    return launch, outcome


@dg.sensor(
    job=sync_all,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Launches the syncs asked for in app.sync_requests (a web app's Sync / Sync All button).",
)
def sync_requests_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    from pipelines.sqlfiles import sql
    from pipelines.timeutil import utc_now
    from pipelines.warehouse import connect, transaction

    import duckdb

    # Most ticks find nothing: look read-only first, so they never take the write lock from a run.
    try:
        with connect(warehouse.resolved_path(), read_only=True, wait=WRITE_WAIT_SECONDS) as con:
            if not con.execute("SELECT 1 FROM app.sync_requests WHERE status = 'pending' LIMIT 1").fetchone():
                return dg.SkipReason("no pending sync requests")
    except (duckdb.IOException, duckdb.CatalogException) as exc:  # busy, or not created/migrated yet
        return dg.SkipReason(f"warehouse not readable now: {type(exc).__name__}")
    with connect(warehouse.resolved_path(), wait=WRITE_WAIT_SECONDS) as con:
        rows = con.execute(sql("orchestration/pending_sync_requests")).fetchall()
        launch, outcome = plan(rows, active_partitions(context.instance))
        handled_at = utc_now()
        with transaction(con):
            con.executemany(
                "UPDATE app.sync_requests SET status = ?, detail = ?, handled_at = ? WHERE request_id = ?",
                [[status, detail, handled_at, rid] for rid, (status, detail) in outcome.items()],
            )
    new_keys = sorted({i for ids in launch.values() for i in ids} - set(context.instance.get_dynamic_partitions(INTEGRATIONS)))
    context.log.info("; ".join(f"{rid}: {detail}" for rid, (_, detail) in outcome.items()))
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"{SYNC_REQUEST}:{request_id}:{integration_id}",
                partition_key=integration_id,
                tags={TRIGGER_TAG: SYNC_REQUEST, "pipelines/sync_request": request_id},
            )
            for request_id, ids in launch.items()
            for integration_id in ids
        ],
        dynamic_partitions_requests=[integrations_partitions.build_add_request(new_keys)] if new_keys else None,
    )
