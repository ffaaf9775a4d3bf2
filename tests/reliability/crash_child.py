"""Child process for the crash-safety tests: sync one integration and SIGKILL itself in the middle
of a warehouse write (after the writes, before the commit). Run as
`python -m tests.reliability.crash_child INTEGRATION extract|build|staged|analytics`: `staged` right after
the records are staged (before the warehouse write), `analytics` while the analytics copy is made.

The kill is injected here, in test code, by wrapping the write functions; production code has no
test hooks.
"""

from __future__ import annotations

import os
import signal
import sys


def kill_after(module, name: str, when=lambda *args: True) -> None:
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        if when(*args):
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(module, name, wrapper)


def main(integration_id: str, phase: str) -> None:
    import pipelines.sync.build as build
    import pipelines.sync.extract as extract
    import pipelines.warehouse.copy as copy

    if phase == "extract":
        kill_after(extract, "_store")  # raw records, snapshot and cursors written, not committed
    elif phase == "staged":
        kill_after(extract.ParquetSink, "close")  # the connector's records in the stage's Parquet file
    elif phase == "analytics":
        kill_after(copy, "copy_database")  # the copy made, not yet published
    else:
        kill_after(build, "build_step", lambda con, step, *rest: step == "calculated_balances")
    from pipelines.runner import sync

    sync([integration_id])
    sys.exit("the sync finished: the kill was never reached")


if __name__ == "__main__":
    main(*sys.argv[1:3])
