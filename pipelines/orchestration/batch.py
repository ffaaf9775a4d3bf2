"""One run, many integrations: what a step of a batch run reports per integration.

A backfill run syncs a batch of integrations (`PIPELINES_SYNC_BATCH` partitions of one range). Two
things Dagster does not do for such a run by itself:

- **Per-partition metadata, cheaply.** A step's result is recorded once per partition of the range;
  each integration's own numbers go on its partition's materialization. Dagster's
  `add_asset_metadata(partition_key=...)` first checks that the key is in the run by reading every
  dynamic partition from the instance, on each call (about 11 ms with 1,000 integrations on SQLite,
  more than everything else the step adds per integration); `StepBatch` knows the run's keys and
  skips that check.
- **Leaving one partition out.** When one integration's source fails (a rejected API key, an
  unreachable node), the others must still be stored and materialized. Dagster records a step's
  result for every partition of the range and has no way to leave one out
  (dagster-io/dagster#17836). So `raw_records` carries on past a failed integration and names it in
  the run tag `FAILED_TAG`; every later partitioned step of the run leaves it out, and while some
  are left out, `StepBatch.materialize` logs each remaining partition's materialization itself and
  tells Dagster to record none for the step's result. The `sources_read` check then fails the run,
  so the failed integration's partitions show as failed (planned in a failed run, never
  materialized) and the others as materialized.

- **Check results per partition.** Dagster gives an `AssetCheckResult` a partition only when the
  run has a single one; for a range it records one evaluation for no partition, and every
  partition's check stays "planned". `check_evaluations` records one `AssetCheckEvaluation` per
  integration instead, as the materializations are.

Both lean on Dagster internals (named below); tests/orchestration/test_batch_runs.py pins them.
"""

import json

import dagster as dg
from dagster._core.definitions.source_asset import SYSTEM_METADATA_KEY_SOURCE_ASSET_OBSERVATION

#: Run tag: {integration_id: why its sync failed}, secret-free, set by raw_records.
FAILED_TAG = "pipelines/failed_integrations"

#: Output metadata that makes Dagster record no asset events for a step's result (its own marker for
#: results whose events were logged otherwise; read in dagster/_core/execution/plan/execute_step.py).
_EVENTS_LOGGED = {SYSTEM_METADATA_KEY_SOURCE_ASSET_OBSERVATION: True}


def failures(context) -> dict[str, str]:
    """The run's failed integrations and why, read fresh (the tag is added while the run goes on)."""
    run = context.instance.get_run_by_id(context.run.run_id)
    return json.loads(run.tags.get(FAILED_TAG, "{}"))


class StepBatch:
    """The integrations a step of a run works on: the run's partitions minus those already failed."""

    def __init__(self, context) -> None:
        self.context = context
        self.partition_keys = list(context.partition_keys)  # each read lists every dynamic partition
        failed = failures(context)
        self.integrations = [key for key in self.partition_keys if key not in failed]

    def fail(self, failed: dict[str, str]) -> None:
        """Leave these integrations out of the rest of the run (the run tag names them for the UI)."""
        self.context.instance.add_run_tags(self.context.run.run_id, {FAILED_TAG: json.dumps(failed, sort_keys=True)})
        self.integrations = [key for key in self.integrations if key not in failed]

    def materialize(self, asset_key, metadata: dict[str, dict]) -> dg.MaterializeResult:
        """The step's result for `asset_key`: one materialization per integration in `metadata`, each
        with its own metadata; the run's other partitions (failed integrations) get none."""
        asset_key = dg.AssetKey.from_coercible(asset_key)
        if set(metadata) == set(self.partition_keys):
            for partition_key, values in metadata.items():
                self._add_partition_metadata(asset_key, partition_key, values)
            return dg.MaterializeResult(asset_key=asset_key)
        for partition_key, values in metadata.items():
            self.context.log_event(dg.AssetMaterialization(asset_key, partition=partition_key, metadata=values))
        return dg.MaterializeResult(asset_key=asset_key, metadata=_EVENTS_LOGGED)

    def _add_partition_metadata(self, asset_key: dg.AssetKey, partition_key: str, values: dict) -> None:
        """`context.add_asset_metadata(values, asset_key, partition_key)` without its membership check
        (the key is one of the run's own): straight into the step context's metadata accumulator."""
        step = self.context.op_execution_context._step_execution_context  # noqa: SLF001
        step._metadata_accumulator = step._metadata_accumulator.with_additional_asset_metadata(  # noqa: SLF001
            asset_key=asset_key, partition_key=partition_key, metadata=values
        )


class BatchLog:
    """A step's log for a batch: warnings at once, routine lines folded into one message at the end.

    Each log line of a run is an event Dagster stores on its own; one per integration per step cost a
    commit each. Warnings (retries, delisted markets) and errors stay separate and immediate.
    """

    def __init__(self, log) -> None:
        self._log = log
        self._lines: list[str] = []

    def info(self, msg: str) -> None:
        self._lines.append(msg)

    def warning(self, msg: str) -> None:
        self._log.warning(msg)

    def error(self, msg: str) -> None:
        self._log.error(msg)

    def flush(self) -> None:
        if self._lines:
            self._log.info("\n".join(self._lines))
            self._lines = []


def check_evaluations(context, check_key: dg.AssetCheckKey, results: dict[str, tuple[bool, dg.AssetCheckSeverity, dict]]):
    """The events of a check step: one evaluation per partition in `results` ({partition: (passed,
    severity, metadata)}), then the check's output (without an `AssetCheckResult`, which would add
    an evaluation for no partition in a batch run).

    Each evaluation names the materialization it checked, the partition's latest (one query for all):
    Dagster shows a partition's check status only while it targets the partition's latest
    materialization, and clears it otherwise (the target's class is internal to Dagster 1.13)."""
    from dagster._core.definitions.asset_checks.asset_check_evaluation import (
        AssetCheckEvaluationTargetMaterializationData,
    )

    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=check_key.asset_key, asset_partitions=list(results)), limit=len(results) or 1,
    ).records
    targets: dict[str, AssetCheckEvaluationTargetMaterializationData] = {}
    for record in records:  # newest first
        targets.setdefault(record.partition_key, AssetCheckEvaluationTargetMaterializationData(
            storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp))
    for partition, (passed, severity, metadata) in results.items():
        yield dg.AssetCheckEvaluation(asset_key=check_key.asset_key, check_name=check_key.name, passed=passed,
                                      severity=severity, metadata=metadata, partition=partition,
                                      target_materialization_data=targets.get(partition))
    assets_def = context.op_execution_context.assets_def
    yield dg.Output(None, output_name=assets_def.get_output_name_for_asset_check_key(check_key))
