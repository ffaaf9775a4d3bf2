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
            return _sentence(error.message, error.cls_name)
    return None if result.success else "run failed"


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


def sync(
    integration_ids: Iterable[str], *, full: bool = False, dagster_instance=None,
    on_done: Callable[[RunOutcome], None] | None = None, log_level: str = "CRITICAL",
) -> list[RunOutcome]:
    """Materialize every asset of `sync_all` for each integration, one run per integration."""
    quiet_dagster_warnings()
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
        outcome = RunOutcome(integration_id, result.run_id, result.success, _first_error(result))
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
