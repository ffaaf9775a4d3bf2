"""Child process for the crash-safety tests: sync one integration and SIGKILL itself in the middle
of a warehouse write (after the writes, before the commit), or stop in `warehouse_layers` after its
write, holding the run's `duckdb_warehouse` pool slot until killed. Run as
`python -m tests.reliability.crash_child INTEGRATION extract|build|staged|analytics|hold|pause [READY_FILE [GO_FILE]]`:
`staged` kills right after the records are staged (before the warehouse write), `analytics` while the
analytics copy is made; `pause` stops in the extract before it writes (no warehouse connection
open), writes READY_FILE and goes on when GO_FILE exists, then exits 0 if the sync succeeded.

The kill is injected here, in test code, by wrapping the write functions; production code has no
test hooks.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path


def stop_after(module, name: str, stop, when=lambda *args: True) -> None:
    """Call `stop()` after `module.name` returns, when `when(*args)` says so."""
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        if when(*args):
            stop()
        return result

    setattr(module, name, wrapper)


def kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def pause(ready_file: str, go_file: str | None):
    """A stop that writes `ready_file`, then waits until `go_file` exists (for good without one)."""

    def stop() -> None:
        Path(ready_file).write_text(str(os.getpid()))
        while go_file is None or not Path(go_file).exists():
            time.sleep(0.1)

    return stop


def main(integration_id: str, phase: str, ready_file: str | None = None, go_file: str | None = None) -> None:
    import pipelines.sync.build as build
    import pipelines.sync.extract as extract
    import pipelines.warehouse.copy as copy

    in_layers = lambda con, step, *rest: step == "calculated_balances"  # noqa: E731
    if phase == "extract":
        stop_after(extract, "_store", kill_self)  # raw records, snapshot and cursors written, not committed
    elif phase == "staged":
        stop_after(extract.ParquetSink, "close", kill_self)  # the connector's records in the stage's Parquet file
    elif phase == "analytics":
        stop_after(copy, "copy_database", kill_self)  # the copy made, not yet published
    elif phase == "build":
        stop_after(build, "build_step", kill_self, in_layers)
    elif phase == "hold":  # a live run in warehouse_layers after its write, holding the pool slot (not the
        # warehouse file) until it is killed
        from pipelines.orchestration.batch import StepBatch

        stop_after(StepBatch, "materialize", pause(ready_file, None),
                   lambda batch, *rest: batch.context.op_def.name == "warehouse_layers")
    elif phase == "pause":
        stop_after(extract, "connector_for", pause(ready_file, go_file))
    from pipelines.runner import sync

    outcomes = sync([integration_id])
    if phase == "pause":
        sys.exit(0 if all(o.success for o in outcomes) else f"the sync failed: {outcomes}")
    sys.exit("the sync finished: the kill was never reached")


if __name__ == "__main__":
    main(*sys.argv[1:5])
