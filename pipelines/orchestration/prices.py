"""live_prices_every_7_minutes: refresh `live_prices` on ticks exactly 420 seconds apart.

A `*/7` cron restarts at every full hour (…:49, :56, :00), so its ticks are not 7 minutes apart.
420-second slots counted from the Unix epoch repeat every week (604,800 s = 1,440 slots) and the
epoch began on a Thursday at 00:00 UTC, so the slots are exactly a weekly pattern of minutes per
hour, which Dagster runs as a list of cron strings: one per weekday and hour residue (49 strings),
computed here instead of written by hand.
"""

from collections import defaultdict

import dagster as dg

SLOT_SECONDS = 420
LIVE_PRICES = "live_prices"
_HOURS_PER_WEEK = 7 * 24
_EPOCH_WEEKDAY = 4  # 1970-01-01 was a Thursday; cron counts Sunday as 0


def every_420_seconds() -> list[str]:
    """Cron strings (UTC) whose union is every epoch-aligned 420-second slot."""
    hours_by_pattern: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
    for hour_of_week in range(_HOURS_PER_WEEK):
        weekday = (_EPOCH_WEEKDAY + hour_of_week // 24) % 7
        minutes = tuple(m for m in range(60) if (hour_of_week * 60 + m) * 60 % SLOT_SECONDS == 0)
        hours_by_pattern[(weekday, minutes)].append(hour_of_week % 24)
    return [
        f"{','.join(map(str, minutes))} {','.join(map(str, hours))} * * {weekday}"
        for (weekday, minutes), hours in sorted(hours_by_pattern.items())
    ]


def live_prices_defs(asset_keys: set[dg.AssetKey]) -> tuple[list, list]:
    """(jobs, schedules) for live prices, empty while no `live_prices` asset is defined."""
    if dg.AssetKey(LIVE_PRICES) not in asset_keys:
        return [], []
    job = dg.define_asset_job(
        "live_prices_job",
        selection=dg.AssetSelection.assets(LIVE_PRICES),
        description="Refresh the latest price of every asset held by any account.",
    )
    schedule = dg.ScheduleDefinition(
        name="live_prices_every_7_minutes",
        job=job,
        cron_schedule=every_420_seconds(),
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Live prices every 7 minutes: ticks exactly 420 s apart, also across hours (epoch-aligned "
        "slots; the 49 cron strings are computed by every_420_seconds, since `*/7` restarts at each full hour).",
    )
    return [job], [schedule]
