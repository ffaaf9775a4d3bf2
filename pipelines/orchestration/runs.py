"""Which integrations are being synced right now, read from Dagster's run records.

Every trigger we own (schedule, sync requests, inbox, `pipelines sync-all --submit`) asks this
first, so a trigger for an integration whose sync is already queued or running starts nothing new.
A run covers one partition (`dagster/partition` tag) or, when a backfill batches partitions, a range
(`dagster/asset_partition_range_start` .. `_end`) of the integrations partitions in their order.
An unfinished backfill counts for all the partitions it targets: it creates its runs only at the
backfill daemon's next iteration, and until then no run record shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
#: Tag on every run we launch: who asked for it (auto_sync, sync_request, inbox, cli).
TRIGGER_TAG = "pipelines/trigger"
#: Tag naming a run request's integration, so the UI's schedule preview says which one it is for.
INTEGRATION_TAG = "pipelines/integration"
#: Run tag asking raw_records for a full re-sync (settable on a backfill in the UI).
FULL_RESYNC_TAG = "pipelines/full_resync"


def partitions_of(runs_tags: Iterable[Mapping[str, str]], all_keys: Sequence[str]) -> set[str]:
    """The integration partitions the runs with these tags cover."""
    position = {key: n for n, key in enumerate(all_keys)}
    covered: set[str] = set()
    for tags in runs_tags:
        if PARTITION_TAG in tags:
            covered.add(tags[PARTITION_TAG])
        elif tags.get(RANGE_START_TAG) in position and tags.get(RANGE_END_TAG) in position:
            covered.update(all_keys[position[tags[RANGE_START_TAG]] : position[tags[RANGE_END_TAG]] + 1])
    return covered


def run_ranges(integration_ids: Iterable[str], all_keys: Sequence[str], size: int) -> list[list[str]]:
    """The integrations as runs: ranges of neighbours in the partitions' order, at most `size` each
    (a run over a range covers every partition between its ends, so a gap starts a new run)."""
    wanted = set(integration_ids)
    ranges: list[list[str]] = []
    previous = False
    for key in all_keys:
        if key in wanted:
            if previous and len(ranges[-1]) < size:
                ranges[-1].append(key)
            else:
                ranges.append([key])
        previous = key in wanted
    return ranges


def range_tags(batch: Sequence[str]) -> dict[str, str]:
    """The tags that make a run of `sync_all` cover these neighbouring partitions."""
    if len(batch) == 1:
        return {PARTITION_TAG: batch[0]}
    return {RANGE_START_TAG: batch[0], RANGE_END_TAG: batch[-1]}


def active_partitions(instance) -> set[str]:
    """Integrations with a queued, starting or running sync in this Dagster instance."""
    import dagster as dg

    from pipelines.assets.partitions import INTEGRATIONS

    active = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
    ]
    records = instance.get_run_records(dg.RunsFilter(statuses=active))
    tags = [r.dagster_run.tags for r in records]
    covered = partitions_of(tags, instance.get_dynamic_partitions(INTEGRATIONS)) if tags else set()
    return covered | backfill_partitions(instance)


def backfill_partitions(instance) -> set[str]:
    """Partitions targeted by backfills still in progress (job or asset backfills)."""
    from dagster._core.execution.backfill import BulkActionStatus, BulkActionsFilter

    covered: set[str] = set()
    for backfill in instance.get_backfills(filters=BulkActionsFilter(statuses=[BulkActionStatus.REQUESTED])):
        covered.update(backfill.partition_names or [])
        if backfill.asset_backfill_data is not None:
            for subset in backfill.asset_backfill_data.target_subset.partitions_subsets_by_asset_key.values():
                covered.update(subset.get_partition_keys())
    return covered
