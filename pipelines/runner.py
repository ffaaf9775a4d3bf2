"""Running `sync_all` in-process for chosen integrations, as the CLI and the demo do.

Each integration gets its own Dagster run, so one failing integration (a rejected key, an
unreachable node) fails alone while the others sync on. Runs are recorded in the Dagster instance
under `DAGSTER_HOME` when it is set, so they show in the UI like runs launched there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


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
    """The persistent instance of `DAGSTER_HOME`, or an ephemeral one when none is configured."""
    import dagster as dg

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
            errors[event.step_key] = error.message.strip().splitlines()[0] if error.message else error.cls_name
    return errors


def _outcome(integration_id: str, result) -> RunOutcome:
    errors = _step_errors(result)
    snapshot_error = errors.pop(SNAPSHOT_STEP, None)
    if result.success or (snapshot_error and not errors):
        return RunOutcome(integration_id, result.run_id, True, None, snapshot_error)
    return RunOutcome(integration_id, result.run_id, False, next(iter(errors.values()), "run failed"), snapshot_error)


def sync(
    integration_ids: Iterable[str], *, full: bool = False, dagster_instance=None,
    on_done: Callable[[RunOutcome], None] | None = None, log_level: str = "CRITICAL",
) -> list[RunOutcome]:
    """Materialize every asset of `sync_all` for each integration, one run per integration."""
    from pipelines.assets.partitions import INTEGRATIONS
    from pipelines.definitions import defs

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
    for integration_id in ids:
        result = job.execute_in_process(
            partition_key=integration_id, instance=dagster_instance, run_config=run_config, raise_on_error=False,
            tags={"pipelines/trigger": "cli"},
        )
        outcome = _outcome(integration_id, result)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
