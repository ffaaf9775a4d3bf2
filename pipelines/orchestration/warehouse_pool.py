"""The warehouse pool as the CLI sees it: runs whose process is gone give their slot back, and a sync
waiting for a live holder says who it is and stays interruptible.

A CLI sync runs its Dagster runs in the CLI's own process (`execute_in_process`), so neither the
daemon nor run monitoring ever looks at them. Killed (SIGKILL, out of memory, a closed terminal), its
run stays STARTED and, when it died in a step that writes the warehouse, keeps its `duckdb_warehouse`
slot for good. The next run's writing step would then wait for that slot inside Dagster's executor,
which (Dagster 1.13) polls without sleeping and, having captured SIGINT and SIGTERM for the run,
never looks at them while it waits: a silent hang that only SIGKILL ends.

So every run the CLI launches carries the host, pid and start time of its process (`process_tags`),
and before each run `wait_for_pool`:

- marks failed every run of this host left unfinished by a process that is gone, and frees its pool
  slots; frees slots held by runs that finished (run monitoring would, but only with a daemon);
- while a live run holds the pool, says once which run, integration, step and process, and sleeps
  (Ctrl-C and SIGTERM end the CLI as usual: Dagster's handlers are not installed yet);

and while the run goes on, a `RunWatch` does the same for a step that meets a holder after all
(another run took the slot meanwhile), and makes that wait interruptible.

Runs of other hosts, and runs without these tags (the daemon's: docs/operations.md), are never
judged dead. Uses the instance's public run APIs and its event log storage's concurrency
methods (`get_concurrency_info`, `free_concurrency_slots_for_run`), and the internals `RunWatch`
names; tests/reliability/test_killed_sync_pool.py pins them.
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.assets.partitions import WAREHOUSE_POOL
from pipelines.orchestration.runs import PARTITION_TAG, RANGE_END_TAG, RANGE_START_TAG

HOST_TAG = "pipelines/host"
PID_TAG = "pipelines/pid"
#: The process's start time (clock ticks after boot, /proc/PID/stat), so a reused pid is no alibi.
PID_START_TAG = "pipelines/pid_start"
#: Seconds between looks at the pool while a live run holds it.
POLL_SECONDS = 1.0
#: Statuses of a run that may still write the warehouse (queued runs have not begun).
UNFINISHED = ("NOT_STARTED", "STARTING", "STARTED", "CANCELING")


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks after boot, "" when unknown (no /proc, no process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the name in parentheses may hold spaces


def process_tags() -> dict[str, str]:
    """Run tags naming this process, set on every run the CLI launches."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid()), PID_START_TAG: _start_time(os.getpid())}


def _process_gone(tags) -> bool:
    """True when the run's process ran on this host and no longer exists (or its pid now names
    another process); False when unknown (another host, no tags)."""
    if tags.get(HOST_TAG) != socket.gethostname() or not tags.get(PID_TAG, "").isdigit():
        return False
    pid = int(tags[PID_TAG])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists, under another user
    started = tags.get(PID_START_TAG)
    return bool(started) and _start_time(pid) not in ("", started)


def _process(tags) -> str:
    return f"pid {tags.get(PID_TAG, '?')} on {tags.get(HOST_TAG, '?')}"


def _integrations(tags) -> str:
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG]
    if RANGE_START_TAG in tags:
        return f"{tags[RANGE_START_TAG]}..{tags.get(RANGE_END_TAG, '')}"
    return "no integration"


def free_dead_runs(instance, say: Callable[[str], None]) -> None:
    """Mark failed the unfinished runs of this host whose process is gone and free their pool slots;
    free the slots of finished runs. One line through `say` for each."""
    import dagster as dg

    unfinished = [dg.DagsterRunStatus(status) for status in UNFINISHED]
    records = instance.get_run_records(dg.RunsFilter(statuses=unfinished, tags={HOST_TAG: socket.gethostname()}))
    for run in (r.dagster_run for r in records):
        if _process_gone(run.tags):
            instance.report_run_failed(run, f"its process ({_process(run.tags)}) is gone: killed or crashed")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            say(f"run {run.run_id} ({_integrations(run.tags)}) was left {run.status.value} by {_process(run.tags)}, "
                "which is gone: marked it failed and freed its warehouse pool slot")
    storage = instance.event_log_storage
    for run_id in {slot.run_id for slot in storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots}:
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            storage.free_concurrency_slots_for_run(run_id)
            say(f"freed the warehouse pool slot of run {run_id}, which {'ended' if run else 'no longer exists'}")


def run_in_progress(instance, say: Callable[[str], None]) -> str | None:
    """The first unfinished run, described in a few words, after freeing the dead ones; None if none."""
    import dagster as dg

    free_dead_runs(instance, say)
    records = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus(s) for s in UNFINISHED]), limit=1)
    if not records:
        return None
    run = records[0].dagster_run
    process = f", {_process(run.tags)}" if PID_TAG in run.tags else ""
    return f"run {run.run_id} ({run.job_name}, {_integrations(run.tags)}, {run.status.value}{process})"


def _holders(instance, info) -> str:
    held = []
    for slot in info.claimed_slots:
        run = instance.get_run_by_id(slot.run_id)
        tags = run.tags if run else {}
        held.append(f"run {slot.run_id} ({_integrations(tags)}, step {slot.step_key}, {_process(tags)})")
    return ", ".join(held)


class _Announcer:
    """Says who holds the pool, once per set of holders."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say, self.shown = say, None

    def __call__(self, instance, info) -> None:
        holders = _holders(instance, info)
        if holders and holders != self.shown:
            self.say(f"waiting for the warehouse: pool {WAREHOUSE_POOL} is held by {holders} (Ctrl-C to stop)")
            self.shown = holders


def wait_for_pool(instance, say: Callable[[str], None]) -> None:
    """Return once the warehouse pool has a free slot, after freeing what dead runs hold."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return  # an ephemeral instance (no DAGSTER_HOME) has no pools
    announce = _Announcer(say)
    while True:
        free_dead_runs(instance, say)
        info = storage.get_concurrency_info(WAREHOUSE_POOL)
        if not info.claimed_slots or info.limit is None or len(info.claimed_slots) < info.limit:
            return
        announce(instance, info)
        time.sleep(POLL_SECONDS)


class RunWatch(threading.Thread):
    """Watches a run Dagster executes in this process's main thread, for when one of its steps waits
    for the pool after all (another run took it between the pool check and the step): frees what
    dead runs hold, says who holds it, and turns a SIGINT or SIGTERM that Dagster captured into a
    KeyboardInterrupt in the main thread, which Dagster's execution handles as an interrupted run
    (failed, its pending claim withdrawn); `interrupted` then tells the caller to stop.

    Internals (Dagster 1.13, pinned by tests/reliability/test_killed_sync_pool.py): the captured
    interrupt flag (`dagster._utils.interrupts.check_captured_interrupt`), and the exception is
    raised in the main thread with CPython's `PyThreadState_SetAsyncExc`, only while the run's step
    is pending (Dagster's wait loop, not a step's code)."""

    def __init__(self, instance_ref, run_id: str, say: Callable[[str], None]) -> None:
        super().__init__(name=f"pool-watch-{run_id}", daemon=True)
        self.instance_ref, self.run_id, self.say = instance_ref, run_id, say
        self.done = threading.Event()
        self.interrupted = False

    def run(self) -> None:
        import dagster as dg
        from dagster._utils.interrupts import check_captured_interrupt

        announce = _Announcer(self.say)
        with dg.DagsterInstance.from_ref(self.instance_ref) as instance:  # its own connections
            while not self.done.wait(POLL_SECONDS):
                info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
                if self.run_id not in info.pending_run_ids:
                    continue
                if check_captured_interrupt():
                    self.interrupted = True
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(threading.main_thread().ident), ctypes.py_object(KeyboardInterrupt))
                    return
                free_dead_runs(instance, self.say)
                announce(instance, info)


@contextmanager
def watching(instance, run_id: str, say: Callable[[str], None]) -> Iterator[RunWatch | None]:
    """A `RunWatch` over the run while the block runs it; None without pools or off the main thread."""
    if (not instance.is_persistent or not instance.event_log_storage.supports_global_concurrency_limits
            or threading.current_thread() is not threading.main_thread()):
        yield None
        return
    watch = RunWatch(instance.get_ref(), run_id, say)
    watch.start()
    try:
        yield watch
    finally:
        watch.done.set()
        watch.join()
