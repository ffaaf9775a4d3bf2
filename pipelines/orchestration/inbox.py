"""inbox_sensor: import Excel files uploaded into `<inbox>/<integration_id>/*.xlsx`, then sync.

The import is the CLI's (`import_excel`): the whole file is validated and either every new row is
imported or none is. An accepted file moves to `<inbox>/<id>/imported/`, a rejected one to
`<inbox>/<id>/rejected/` with `<file>.errors.txt` beside it (one problem per line), so the folder
left behind holds only what is still to do. A sync is requested only when a file added rows (a
re-upload adds none), and not while the integration's sync is already queued or running. Uploaders should write under another name and rename
to `*.xlsx` when complete (a rename is atomic), so the sensor never reads half a file.
"""

from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.assets.partitions import INTEGRATIONS, integrations_partitions
from pipelines.jobs import sync_all
from pipelines.orchestration.runs import TRIGGER_TAG, active_partitions
from pipelines.resources.warehouse import WarehouseResource

INBOX = "inbox"
IMPORTED = "imported"
REJECTED = "rejected"
#: Seconds a tick waits for a writing run to release the warehouse before it tries again next tick.
WRITE_WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class Outcome:
    integration_id: str
    file: Path  # where the file is now
    accepted: bool
    new_rows: int  # rows not imported before: only then is a sync needed
    message: str


def uploads(inbox: Path) -> list[tuple[str, Path]]:
    """(integration_id, file) for every waiting upload, oldest folder first; Excel's `~$` lock
    files and hidden files are not uploads."""
    if not inbox.is_dir():
        return []
    return [
        (folder.name, f)
        for folder in sorted(p for p in inbox.iterdir() if p.is_dir())
        for f in sorted(folder.glob("*.xlsx"))
        if f.is_file() and not f.name.startswith(("~$", "."))
    ]


def _move(path: Path, folder: str, stamp: str) -> Path:
    """Move aside under a UTC time prefix (and a number if that is taken), so a re-upload with the
    same name never overwrites an earlier one."""
    (path.parent / folder).mkdir(exist_ok=True)
    target = path.parent / folder / f"{stamp}-{path.name}"
    n = 1
    while target.exists():
        n += 1
        target = path.parent / folder / f"{stamp}-{n}-{path.name}"
    path.replace(target)
    return target


def import_uploads(con, files: list[tuple[str, Path]]) -> list[Outcome]:
    """Import each file with the CLI's validation and move it to imported/ or rejected/."""
    from pipelines.errors import UserError
    from pipelines.manual.excel_import import ExcelImportError, import_excel
    from pipelines.timeutil import utc_now

    stamp = f"{utc_now():%Y%m%dT%H%M%SZ}"
    outcomes = []
    for integration_id, path in files:
        try:
            result = import_excel(con, integration_id, path)
        except ExcelImportError as exc:
            report = exc.report()
        except UserError as exc:  # unknown or archived integration, not a workbook
            report = f"{exc}\n"
        else:
            moved = _move(path, IMPORTED, stamp)
            message = f"{path.name}: {result.imported} imported, {result.skipped} already there"
            outcomes.append(Outcome(integration_id, moved, True, result.imported, message))
            continue
        moved = _move(path, REJECTED, stamp)
        moved.with_name(moved.name + ".errors.txt").write_text(report)
        outcomes.append(Outcome(integration_id, moved, False, 0, f"{path.name}: rejected, see {moved.name}.errors.txt"))
    return outcomes


@dg.sensor(
    job=sync_all,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Imports Excel files dropped into <inbox>/<integration_id>/ (PIPELINES_INBOX) and syncs "
    "the integration; rejected files move to rejected/ with an .errors.txt report.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    from pipelines.settings import inbox_dir
    from pipelines.warehouse import connect

    files = uploads(inbox_dir())
    if not files:
        return dg.SkipReason(f"no uploads in {inbox_dir()}")
    with connect(warehouse.resolved_path(), wait=WRITE_WAIT_SECONDS) as con:
        outcomes = import_uploads(con, files)
    for outcome in outcomes:
        (context.log.info if outcome.accepted else context.log.warning)(f"{outcome.integration_id}: {outcome.message}")
    accepted = {o.integration_id: o for o in outcomes if o.accepted and o.new_rows}
    if not accepted:
        return dg.SkipReason(f"{len(outcomes)} upload(s) handled, no new rows to sync")
    busy = active_partitions(context.instance)
    new_keys = sorted(set(accepted) - set(context.instance.get_dynamic_partitions(INTEGRATIONS)))
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"{INBOX}:{integration_id}:{outcome.file.name}",
                partition_key=integration_id,
                tags={TRIGGER_TAG: INBOX},
            )
            for integration_id, outcome in sorted(accepted.items())
            if integration_id not in busy
        ],
        dynamic_partitions_requests=[integrations_partitions.build_add_request(new_keys)] if new_keys else None,
    )
