"""live_prices_every_7_minutes: ticks exactly 420 s apart, across hours, days and weeks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import islice

import dagster as dg
from dagster._utils.schedules import schedule_execution_time_iterator  # what the schedule daemon iterates

from pipelines.orchestration.prices import LIVE_PRICES, every_420_seconds, live_prices_defs


def ticks(cron, start: datetime, count: int) -> list[datetime]:
    return list(islice(schedule_execution_time_iterator(start.timestamp(), cron, "UTC"), count))


def test_ticks_are_exactly_420_seconds_apart_over_two_weeks():
    start = datetime(2024, 3, 28, 10, 50, tzinfo=timezone.utc)  # crosses hours, days, a week, a DST date
    times = ticks(every_420_seconds(), start, 2 * 1440 + 5)
    gaps = {b - a for a, b in zip(times, times[1:])}
    assert gaps == {timedelta(seconds=420)}
    assert all(t.timestamp() % 420 == 0 for t in times)
    assert times[-1] - times[0] > timedelta(days=14)


def test_over_an_hour_boundary():
    times = ticks(every_420_seconds(), datetime(2024, 1, 1, 10, 50, tzinfo=timezone.utc), 4)
    assert [t.strftime("%H:%M") for t in times] == ["10:52", "10:59", "11:06", "11:13"]
    star_seven = ticks("*/7 * * * *", datetime(2024, 1, 1, 10, 50, tzinfo=timezone.utc), 3)
    assert star_seven[1] - star_seven[0] == timedelta(minutes=4)  # 10:56 -> 11:00: why */7 is not it


def test_prices_schedule_only_with_a_live_prices_asset():
    assert live_prices_defs(set()) == ([], [])

    @dg.asset(name=LIVE_PRICES, group_name="prices")
    def live_prices() -> None: ...

    (job,), (schedule,) = live_prices_defs({live_prices.key})
    defs = dg.Definitions(assets=[live_prices], jobs=[job], schedules=[schedule])
    assert defs.resolve_job_def(job.name).asset_layer.executable_asset_keys == {live_prices.key}
    when = datetime(2024, 1, 1, 11, 6, tzinfo=timezone.utc)
    with dg.build_schedule_context(scheduled_execution_time=when) as context:
        (request,) = schedule.evaluate_tick(context).run_requests
    assert request.job_name in (None, job.name)


def test_descriptions_say_what_the_schedule_and_sensor_do():
    """The UI shows descriptions where the prices schedule's 49 cron strings are a wall of text."""
    from pipelines.definitions import defs

    assert "every 7 minutes" in defs.get_schedule_def("live_prices_every_7_minutes").description
    assert "partition per active integration" in defs.get_sensor_def("integrations_sensor").description
