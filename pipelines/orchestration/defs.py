"""What orchestration adds to the project's `Definitions`: schedules, sensors and their jobs."""

import dagster as dg

from pipelines.orchestration.auto_sync import daily_auto_sync
from pipelines.orchestration.inbox import inbox_sensor
from pipelines.orchestration.prices import live_prices_defs
from pipelines.orchestration.sync_requests import sync_requests_sensor


def orchestration_defs(assets: list) -> dg.Definitions:
    """Schedules and sensors for these assets; the prices job and schedule only once `live_prices` exists."""
    keys = {key for a in assets for key in getattr(a, "keys", [])}
    price_jobs, price_schedules = live_prices_defs(keys)
    return dg.Definitions(
        jobs=price_jobs,
        schedules=[daily_auto_sync, *price_schedules],
        sensors=[sync_requests_sensor, inbox_sensor],
    )
