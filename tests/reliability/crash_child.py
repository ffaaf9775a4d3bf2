"""Child process for the crash-safety tests: sync one integration and SIGKILL itself in the middle
of a warehouse write (after the writes, before the commit). Run as
`python -m tests.reliability.crash_child INTEGRATION extract|build`.

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

    if phase == "extract":
        kill_after(extract, "_store")  # raw records, snapshot and cursors written, not committed
    else:
        kill_after(build, "build_step", lambda con, step, *rest: step == "calculated_balances")
    from pipelines.runner import sync

    sync([integration_id])
    sys.exit("the sync finished: the kill was never reached")


if __name__ == "__main__":
    main(*sys.argv[1:3])
