"""daily_auto_sync: once a day, sync the exchange and wallet integrations whose license auto-syncs.

Who qualifies is data: the tier of the account's license for the latest tax year (the tick's year in
UTC) must have `auto_sync` in `app.license_tiers`. So on 2024-01-01 a 2023 Pro license no longer
qualifies, and a price change of the tiers needs no deploy.

One run per integration partition, not one batched run: a daily run is small, a failing exchange
fails alone, and the run queue's limits (deploy/dagster.yaml) decide how many run at once. Run keys
carry the day and the integration, so a re-evaluated tick never doubles a run.
"""

from collections import Counter
from datetime import UTC

import dagster as dg

from pipelines.assets.partitions import INTEGRATIONS
from pipelines.jobs import sync_all
from pipelines.orchestration.runs import INTEGRATION_TAG, TRIGGER_TAG, active_partitions
from pipelines.resources.warehouse import WarehouseResource

AUTO_SYNC = "auto_sync"
#: Seconds a tick waits for a writing run to release the warehouse before it fails (and is retried).
READ_WAIT_SECONDS = 40.0


def qualifying(con, tax_year: int) -> tuple[list[str], Counter]:
    """(integrations to sync, how many were left out for each reason)."""
    from pipelines.sqlfiles import sql

    rows = con.execute(sql("orchestration/auto_sync"), {"tax_year": tax_year}).fetchall()
    return [i for i, why in rows if why is None], Counter(why for _, why in rows if why is not None)


def describe(left_out: Counter) -> str:
    if not left_out:
        return "none left out"
    reasons = ", ".join(f"{n} {why}" for why, n in sorted(left_out.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{sum(left_out.values())} left out: {reasons}"


@dg.schedule(
    job=sync_all,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily automatic sync of exchange and wallet integrations whose account's license for the "
    "latest tax year (the tick's year in UTC) has a tier with auto_sync (app.license_tiers).",
)
def daily_auto_sync(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
    from pipelines.warehouse import connect

    tick = context.scheduled_execution_time.astimezone(UTC)
    with connect(warehouse.resolved_path(), read_only=True, wait=READ_WAIT_SECONDS) as con:
        wanted, left_out = qualifying(con, tick.year)
    partitions = set(context.instance.get_dynamic_partitions(INTEGRATIONS))
    busy = active_partitions(context.instance)
    for integration_id in wanted:
        if integration_id not in partitions:
            left_out["not yet a partition (the integrations sensor adds it)"] += 1
        elif integration_id in busy:
            left_out["already queued or running"] += 1
    todo = [i for i in wanted if i in partitions and i not in busy]
    summary = f"{tick.year} automatic sync: {len(todo)} integrations, {describe(left_out)}"
    if not todo:
        return dg.SkipReason(summary)
    context.log.info(summary)
    return [
        dg.RunRequest(
            run_key=f"{AUTO_SYNC}:{tick:%Y-%m-%d}:{integration_id}",
            partition_key=integration_id,
            tags={TRIGGER_TAG: AUTO_SYNC, INTEGRATION_TAG: integration_id},
        )
        for integration_id in todo
    ]
