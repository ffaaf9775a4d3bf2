"""Processes tests start, stopped with everything they started; and a session that leaves one
behind fails.

A server a test starts may start processes of its own (dagster-webserver and dagster-daemon start
`dagster api grpc` code servers and run processes) that outlive it: terminating the server alone left
a code server running, orphaned, an hour after `make test`. `stop_tree` stops a process and all
its descendants. The session check (a pytest plugin, loaded by tests/conftest.py) makes the pytest
process a child subreaper (Linux `prctl(PR_SET_CHILD_SUBREAPER)`), so orphans are re-parented to it
instead of to init, and at the end of the session fails it if any child process still runs,
naming and killing each.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

#: prctl option (linux/prctl.h): orphaned descendants are re-parented to this process.
PR_SET_CHILD_SUBREAPER = 36
#: Seconds a process gets to exit after SIGTERM before SIGKILL; and the session's grace at its end.
GRACE_SECONDS = 20.0


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return children


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, parents before their children."""
    found, todo = [], _children(pid)
    while todo:
        child = todo.pop(0)
        found.append(child)
        todo += _children(child)
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited child not yet reaped holds no resources but its entry)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _signal(pids, sig) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _wait_gone(pids, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        left = [pid for pid in pids if _running(pid)]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.1)


def stop_tree(process: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM to `process` and every descendant, SIGKILL to whatever still runs after `grace`
    seconds, then reap `process`. The tree is listed before the first signal: a child orphaned by
    its parent's exit is no longer found below it."""
    tree = [process.pid, *descendants(process.pid)]
    _signal(tree, signal.SIGTERM)
    left = _wait_gone(tree, grace)
    left += [p for pid in left for p in descendants(pid)]
    _signal(left, signal.SIGKILL)
    _wait_gone(left, grace)
    process.wait(timeout=grace)


def _describe(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        command = "?"
    return f"pid {pid}: {command[:200]}"


def pytest_configure(config) -> None:
    if os.path.exists("/proc/self/task"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus) -> None:
    """Fail the session when a child process outlives it (after a grace for ones still exiting)."""
    if not os.path.exists("/proc/self/task"):
        return
    left = _wait_gone(descendants(os.getpid()), GRACE_SECONDS)
    if not left:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["processes left running by the test session (killed now):", *map(_describe, left)]
    _signal(left, signal.SIGKILL)
    _wait_gone(left, GRACE_SECONDS)
    for line in lines:
        reporter.write_line(line, red=True) if reporter else print(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
