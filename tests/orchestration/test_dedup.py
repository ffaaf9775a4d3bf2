"""Which integrations are syncing now: single-partition runs and backfill batches (ranges)."""

from __future__ import annotations

import dagster as dg

from pipelines.orchestration.runs import RANGE_END_TAG, RANGE_START_TAG, active_partitions, partitions_of
from tests.orchestration.conftest import add_run

KEYS = ["a", "b", "c", "d", "e"]


def test_partitions_of_single_and_range_tags():
    tags = [{"dagster/partition": "a"}, {RANGE_START_TAG: "c", RANGE_END_TAG: "e"}, {"other": "x"}]
    assert partitions_of(tags, KEYS) == {"a", "c", "d", "e"}
    assert partitions_of([{RANGE_START_TAG: "c", RANGE_END_TAG: "gone"}], KEYS) == set()


def test_only_queued_and_running_runs_count(instance):
    add_run(instance, dg.DagsterRunStatus.QUEUED, {"dagster/partition": "pro-exchange"})
    add_run(instance, dg.DagsterRunStatus.STARTING, {"dagster/partition": "pro-wallet"})
    add_run(instance, dg.DagsterRunStatus.STARTED, {RANGE_START_TAG: "basic-exchange", RANGE_END_TAG: "free-exchange"})
    for status in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
        add_run(instance, status, {"dagster/partition": "unlimited-wallet"})
    assert active_partitions(instance) == {"pro-exchange", "pro-wallet", "basic-exchange", "free-exchange"}
