"""Running `sync_all` in-process for chosen integrations, as the CLI and the demo do.

Integrations next to each other in the partitions' order go into one run over that range, as a
backfill batches them (`orchestration/batch.py`): their sources are read in parallel and built in one
step, where one run per integration paid Dagster's run overhead (about a second of process time)
and waited for each source in turn. One failing integration (a rejected key, an unreachable node)
still fails alone: the run leaves it out and the others are built. Runs are recorded in the Dagster
instance under `DAGSTER_HOME` when it is set, so they show in the UI like runs launched there; each
run is tagged with this process, and waits for the warehouse pool (freeing what dead runs hold)
before it starts and, watched, while it runs (pipelines/orchestration/warehouse_pool.py).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines.orchestration.runs import TRIGGER_TAG, range_tags, run_ranges

#: The step of the `sources_read` check: it fails a batch run naming the integrations whose source
#: failed, while the run's other integrations were built.
SOURCES_READ_STEP = "raw_records_sources_read"


#: The step after the sync's last commit: its failure (a full disk) leaves the integration synced.
SNAPSHOT_STEP = "analytics_snapshot"


@dataclass(frozen=True)
class RunOutcome:
    """`success`: the integration's data is synced and built; `snapshot_error`: why the analytics copy
    was not published afterwards, reported apart since the sync itself was committed."""

    integration_id: str
    run_id: str
    success: bool
    error: str | None
    snapshot_error: str | None = None


def instance():
    """The persistent instance of `DAGSTER_HOME`, or an ephemeral one when none is configured.

    Asset events are stored in batches (`DAGSTER_EVENT_BATCH_SIZE`, 1000 unless set, as `make`
    sets it): a CLI sync run without it committed each planned and materialized event on its own."""
    import dagster as dg

    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
    home = os.environ.get("DAGSTER_HOME")
    if home:
        Path(home).mkdir(parents=True, exist_ok=True)
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def _step_errors(result) -> dict[str, str]:
    """The first line of each failed step's error, by step key, in the order they failed."""
    errors = {}
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None and error.cls_name in ("DagsterExecutionStepExecutionError",):
                error = error.cause
            errors[event.step_key] = _sentence(error.message, error.cls_name)
    return errors


def _sentence(message: str | None, cls_name: str | None) -> str:
    """The error's own first line without the `package.module.Class: ` Dagster's error record puts
    in front (people read the sentence; the class path is in the run's log)."""
    first = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    prefix, sep, text = first.partition(": ")
    if sep and cls_name and prefix.split(".")[-1] == cls_name:
        first = text
    return first or cls_name or "run failed"


def quiet_dagster_warnings() -> None:
    """Dagster warns each time the definitions are built that parameters they use are beta or
    preview (`backfill_policy`, partitioned asset checks): nothing a CLI user can act on. Only those
    two warning classes are silenced; every other warning still shows."""
    import warnings

    import dagster as dg

    for category in (dg.BetaWarning, dg.PreviewWarning):
        warnings.filterwarnings("ignore", category=category)


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def sync(
    integration_ids: Iterable[str], *, full: bool = False, dagster_instance=None,
    on_done: Callable[[RunOutcome], None] | None = None, log_level: str = "CRITICAL",
    say: Callable[[str], None] = to_stderr,
) -> list[RunOutcome]:
    """Materialize every asset of `sync_all` for these integrations, one run per range of neighbours;
    `on_done` gets each integration's outcome as its run ends; `say` gets one line for each dead run
    freed and each live holder of the warehouse pool waited for."""
    quiet_dagster_warnings()
    from pipelines.assets.partitions import INTEGRATIONS
    from pipelines.definitions import defs
    from pipelines.orchestration.warehouse_pool import process_tags, wait_for_pool, watching
    from pipelines.settings import sync_batch_size

    ids = list(integration_ids)
    dagster_instance = dagster_instance or instance()
    known = set(dagster_instance.get_dynamic_partitions(INTEGRATIONS))
    missing = [i for i in ids if i not in known]
    if missing:
        dagster_instance.add_dynamic_partitions(INTEGRATIONS, missing)
    job = defs.resolve_job_def("sync_all")
    run_config = {
        "ops": {"raw_records": {"config": {"full": full}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }
    tags = {TRIGGER_TAG: "cli", **process_tags()}
    outcomes = []
    for batch in run_ranges(ids, dagster_instance.get_dynamic_partitions(INTEGRATIONS), sync_batch_size()):
        single = len(batch) == 1
        wait_for_pool(dagster_instance, say)
        run_id = str(uuid.uuid4())
        with watching(dagster_instance, run_id, say) as watch:
            result = job.execute_in_process(
                partition_key=batch[0] if single else None, instance=dagster_instance, run_config=run_config,
                raise_on_error=False, tags={**tags, **({} if single else range_tags(batch))}, run_id=run_id,
            )
        if watch and watch.interrupted:
            raise KeyboardInterrupt
        for outcome in _outcomes(dagster_instance, result, batch):
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes


def _outcomes(dagster_instance, result, batch: list[str]) -> list[RunOutcome]:
    """Each integration's outcome in a run over `batch`: failed with its source's error when the run
    left it out, failed with the first error of any other failed step, else synced (a failed
    analytics copy after the last commit is reported apart, as `snapshot_error`)."""
    from pipelines.orchestration.batch import FAILED_TAG

    failed = json.loads(dagster_instance.get_run_by_id(result.run_id).tags.get(FAILED_TAG, "{}"))
    errors = _step_errors(result)
    snapshot_error = errors.pop(SNAPSHOT_STEP, None)
    errors.pop(SOURCES_READ_STEP, None)  # it only names the integrations of `failed`
    if len(batch) == 1 and batch[0] in failed:  # alone in its run: the step failed with its source's own error
        return [RunOutcome(batch[0], result.run_id, False, errors.get("raw_records") or failed[batch[0]], snapshot_error)]
    if failed:
        errors.pop("raw_records", None)  # (every integration failed: each has its own reason below)
    other = next(iter(errors.values()), None) or (None if result.success or failed or snapshot_error else "run failed")
    return [
        RunOutcome(i, result.run_id, False, failed[i], snapshot_error) if i in failed
        else RunOutcome(i, result.run_id, other is None, other, snapshot_error)
        for i in batch
    ]
