"""Running `sync_all` in-process for chosen integrations, as the CLI and the demo do.

Integrations next to each other in the partitions' order go into one run over that range, as a
backfill batches them (`orchestration/batch.py`): their sources are read in parallel and built in one
step, where one run per integration paid Dagster's run overhead (about a second of process time)
and waited for each source in turn. One failing integration (a rejected key, an unreachable node)
still fails alone: the run leaves it out and the others are built. Runs are recorded in the Dagster
instance under `DAGSTER_HOME` when it is set, so they show in the UI like runs launched there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines.orchestration.runs import TRIGGER_TAG, range_tags, run_ranges

#: The step of the `sources_read` check: it fails a batch run naming the integrations whose source
#: failed, while the run's other integrations were built.
SOURCES_READ_STEP = "raw_records_sources_read"


@dataclass(frozen=True)
class RunOutcome:
    integration_id: str
    run_id: str
    success: bool
    error: str | None


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


def _first_error(result) -> str | None:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None and error.cls_name in ("DagsterExecutionStepExecutionError",):
                error = error.cause
            return error.message.strip().splitlines()[0] if error.message else error.cls_name
    return None if result.success else "run failed"


def sync(
    integration_ids: Iterable[str], *, full: bool = False, dagster_instance=None,
    on_done: Callable[[RunOutcome], None] | None = None, log_level: str = "CRITICAL",
) -> list[RunOutcome]:
    """Materialize every asset of `sync_all` for these integrations, one run per range of neighbours;
    `on_done` gets each integration's outcome as its run ends."""
    from pipelines.assets.partitions import INTEGRATIONS
    from pipelines.definitions import defs
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
    outcomes = []
    for batch in run_ranges(ids, dagster_instance.get_dynamic_partitions(INTEGRATIONS), sync_batch_size()):
        single = len(batch) == 1
        result = job.execute_in_process(
            partition_key=batch[0] if single else None, instance=dagster_instance, run_config=run_config,
            raise_on_error=False, tags={TRIGGER_TAG: "cli", **({} if single else range_tags(batch))},
        )
        for outcome in _outcomes(dagster_instance, result, batch):
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes


def _outcomes(dagster_instance, result, batch: list[str]) -> list[RunOutcome]:
    """Each integration's outcome in a run over `batch`: failed with its source's error when the run
    left it out, failed with the run's first error when any other step failed, else synced."""
    from pipelines.orchestration.batch import FAILED_TAG

    failed = json.loads(dagster_instance.get_run_by_id(result.run_id).tags.get(FAILED_TAG, "{}"))
    other_failure = any(
        event.is_step_failure and event.step_key != SOURCES_READ_STEP for event in result.all_events
    ) or (not result.success and not failed)
    first_error = _first_error(result)
    outcomes = []
    for i in batch:
        if len(batch) == 1:  # alone in its run: the run's first error is its own source's
            error = first_error if i in failed or other_failure else None
        else:
            error = failed.get(i) or (first_error if other_failure else None)
        outcomes.append(RunOutcome(i, result.run_id, i not in failed and not other_failure, error))
    return outcomes
