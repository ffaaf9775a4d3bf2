"""Running `sync_all` in-process for chosen integrations, as the CLI and the demo do.

Each integration gets its own Dagster run, so one failing integration (a rejected key, an
unreachable node) fails alone while the others sync on. Runs are recorded in the Dagster instance
under `DAGSTER_HOME` when it is set, so they show in the UI like runs launched there; each run is
tagged with this process, and waits for the warehouse pool (freeing what dead runs hold) before it
starts and, watched, while it runs (pipelines/orchestration/warehouse_pool.py).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunOutcome:
    integration_id: str
    run_id: str
    success: bool
    error: str | None


def instance():
    """The persistent instance of `DAGSTER_HOME`, or an ephemeral one when none is configured."""
    import dagster as dg

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


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def sync(
    integration_ids: Iterable[str], *, full: bool = False, dagster_instance=None,
    on_done: Callable[[RunOutcome], None] | None = None, log_level: str = "CRITICAL",
    say: Callable[[str], None] = to_stderr,
) -> list[RunOutcome]:
    """Materialize every asset of `sync_all` for each integration, one run per integration; `say`
    gets one line for each dead run freed and each live holder of the warehouse pool waited for."""
    from pipelines.assets.partitions import INTEGRATIONS
    from pipelines.definitions import defs
    from pipelines.orchestration.runs import TRIGGER_TAG
    from pipelines.orchestration.warehouse_pool import process_tags, wait_for_pool, watching

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
    for integration_id in ids:
        wait_for_pool(dagster_instance, say)
        run_id = str(uuid.uuid4())
        with watching(dagster_instance, run_id, say) as watch:
            result = job.execute_in_process(
                partition_key=integration_id, instance=dagster_instance, run_config=run_config, raise_on_error=False,
                tags=tags, run_id=run_id,
            )
        if watch and watch.interrupted:
            raise KeyboardInterrupt
        outcome = RunOutcome(integration_id, result.run_id, result.success, _first_error(result))
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
