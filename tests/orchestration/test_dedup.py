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


def test_an_unfinished_backfill_counts_before_its_runs_exist(instance):
    """The backfill daemon creates runs at its next iteration; until then the backfill itself says
    which integrations are about to sync."""
    import time

    from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill

    from pipelines.definitions import defs

    def backfill(backfill_id, keys):
        return PartitionBackfill.from_asset_partitions(
            asset_graph=defs.resolve_asset_graph(), backfill_id=backfill_id, tags={}, backfill_timestamp=time.time(),
            asset_selection=[dg.AssetKey("raw_records"), dg.AssetKey("balance_reconciliation")],
            partition_names=keys, dynamic_partitions_store=instance, all_partitions=False,
            title=None, description=None, run_config=None,
        )

    instance.add_backfill(backfill("going", ["pro-wallet", "pro-paper"]))
    instance.add_backfill(backfill("done", ["free-exchange"]).with_status(BulkActionStatus.COMPLETED_SUCCESS))
    assert active_partitions(instance) == {"pro-wallet", "pro-paper"}
