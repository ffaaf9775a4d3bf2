"""daily_auto_sync: who qualifies for the automatic sync, evaluated as the daemon evaluates a tick."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.orchestration.auto_sync import daily_auto_sync
from pipelines.orchestration.runs import INTEGRATION_TAG, RANGE_END_TAG, RANGE_START_TAG, TRIGGER_TAG
from tests.orchestration.conftest import add_run, insert_integration


def tick(instance, resources, repository_def, when: datetime):
    with dg.build_schedule_context(
        instance=instance, scheduled_execution_time=when, resources=resources, repository_def=repository_def
    ) as context:
        return daily_auto_sync.evaluate_tick(context)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_only_auto_sync_tiers_of_the_ticks_year(instance, resources, repository_def):
    result = tick(instance, resources, repository_def, utc(2024, 6, 1, 3))
    assert sorted(r.partition_key for r in result.run_requests) == ["pro-exchange", "pro-wallet", "unlimited-exchange", "unlimited-wallet"]
    assert all(r.tags[TRIGGER_TAG] == "auto_sync" for r in result.run_requests)
    assert all(r.tags[INTEGRATION_TAG] == r.partition_key for r in result.run_requests)  # the preview names it
    assert sorted(r.run_key for r in result.run_requests) == [
        "auto_sync:2024-06-01:pro-exchange", "auto_sync:2024-06-01:pro-wallet",
        "auto_sync:2024-06-01:unlimited-exchange", "auto_sync:2024-06-01:unlimited-wallet",
    ]


def test_year_boundary_in_utc(instance, resources, repository_def):
    """The 2023 Pro license syncs on 2023-12-31 and no longer on 2024-01-01 (UTC), whatever zone the
    tick time is expressed in."""
    last_day = tick(instance, resources, repository_def, utc(2023, 12, 31, 23, 59, 59))
    assert [r.partition_key for r in last_day.run_requests] == ["lastyear-exchange"]
    vienna_new_year = datetime(2024, 1, 1, 0, 30, tzinfo=ZoneInfo("Europe/Vienna"))  # still 2023 in UTC
    assert [r.partition_key for r in tick(instance, resources, repository_def, vienna_new_year).run_requests] == [
        "lastyear-exchange"
    ]
    new_year = tick(instance, resources, repository_def, utc(2024, 1, 1, 0, 0, 0))
    keys = [r.partition_key for r in new_year.run_requests]
    assert "lastyear-exchange" not in keys and "pro-exchange" in keys


def test_skip_reason_counts_who_was_left_out_and_why(registry, instance, resources, repository_def):
    result = tick(instance, resources, repository_def, utc(2025, 3, 1, 3))  # nobody holds a 2025 license
    assert result.run_requests == []
    assert result.skip_message == (
        "2025 automatic sync: 0 integrations, 10 left out: 8 no license for 2025, 1 archived, 1 manual integration"
    )
    in_2024 = tick(instance, resources, repository_def, utc(2024, 3, 1, 3))
    assert len(in_2024.run_requests) == 4  # and the log line names the rest; no skip when runs are requested
    assert in_2024.skip_message is None


def test_skip_reason_names_tiers_without_auto_sync(warehouse, instance, resources, repository_def):
    from pipelines.warehouse import connect

    with connect(warehouse) as con:  # tiers are data: pro loses auto sync
        con.execute("UPDATE app.license_tiers SET auto_sync = false WHERE tier IN ('pro', 'unlimited')")
    result = tick(instance, resources, repository_def, utc(2024, 3, 1, 3))
    assert result.skip_message == (
        "2024 automatic sync: 0 integrations, 10 left out: 2 no license for 2024, 2 pro license (no auto sync), "
        "2 unlimited license (no auto sync), 1 archived, 1 basic license (no auto sync), "
        "1 free license (no auto sync), 1 manual integration"
    )


def test_reevaluated_tick_requests_the_same_run_keys(instance, resources, repository_def):
    when = utc(2024, 6, 1, 3)
    first = tick(instance, resources, repository_def, when)
    again = tick(instance, resources, repository_def, when)
    assert [r.run_key for r in first.run_requests] == [r.run_key for r in again.run_requests]
    assert len({r.run_key for r in first.run_requests}) == 4
    next_day = tick(instance, resources, repository_def, when + timedelta(days=1))
    assert not {r.run_key for r in first.run_requests} & {r.run_key for r in next_day.run_requests}


def test_integrations_already_queued_or_running_are_left_out(instance, resources, repository_def):
    add_run(instance, dg.DagsterRunStatus.QUEUED, {"dagster/partition": "pro-exchange"})
    add_run(instance, dg.DagsterRunStatus.SUCCESS, {"dagster/partition": "pro-wallet"})  # finished: syncs again
    # a backfill batch covering a range of partitions (sorted: ..., unlimited-exchange, unlimited-wallet)
    add_run(instance, dg.DagsterRunStatus.STARTED, {RANGE_START_TAG: "unlimited-exchange", RANGE_END_TAG: "unlimited-wallet"})
    result = tick(instance, resources, repository_def, utc(2024, 6, 1, 3))
    assert [r.partition_key for r in result.run_requests] == ["pro-wallet"]


def test_integration_not_yet_a_partition_waits(warehouse, instance, resources, repository_def):
    from pipelines.warehouse import connect

    with connect(warehouse) as con:
        insert_integration(con, "pro-new", "pro", "exchange")
    with connect(warehouse) as con:
        con.execute("DELETE FROM app.licenses WHERE account_id <> 'pro'")
    result = tick(instance, resources, repository_def, utc(2024, 6, 1, 3))
    assert sorted(r.partition_key for r in result.run_requests) == ["pro-exchange", "pro-wallet"]


@pytest.mark.parametrize("tier", ["free", "basic", "pro", "unlimited"])
def test_each_tier(warehouse, instance, resources, repository_def, tier):
    from pipelines.warehouse import connect

    with connect(warehouse) as con:
        con.execute("DELETE FROM app.licenses")
        con.execute("INSERT INTO app.licenses VALUES ('free', 2024, ?)", [tier])
    result = tick(instance, resources, repository_def, utc(2024, 6, 1, 3))
    expected = ["free-exchange"] if tier in ("pro", "unlimited") else []
    assert [r.partition_key for r in result.run_requests] == expected
