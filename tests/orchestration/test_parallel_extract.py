"""A batch's sources are read in parallel threads, within each source's limit, and their logs reach
the step from its own thread (pipelines/sync/extract_batch.py).

Concurrency is proved with barriers, not with timings: reads that all wait for each other at a
barrier can only pass it when they run at the same time (read one after another, the first one's
wait ends in BrokenBarrierError after the guard timeout).
"""

from __future__ import annotations

import threading

import pytest

from pipelines.sync.extract_batch import extract_batch

#: Only bounds a failing test: a passing one passes its barriers at once.
GUARD_S = 20


class Recorder:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str]] = []

    def info(self, msg: str) -> None:
        self.lines.append(("info", msg, threading.current_thread().name))

    def warning(self, msg: str) -> None:
        self.lines.append(("warning", msg, threading.current_thread().name))


def test_every_source_of_a_batch_is_read_at_the_same_time():
    """Twenty integrations on twenty sources: all twenty reads are in flight together (so a batch
    costs its slowest source, not the sum), and a failing source fails alone."""
    ids = [f"i{n:02d}" for n in range(20)]
    barrier = threading.Barrier(len(ids), timeout=GUARD_S)

    def read(integration_id, log):
        barrier.wait()
        if integration_id == "i07":
            raise RuntimeError("source down")
        log.info(f"{integration_id} read")
        return integration_id.upper()

    outcomes = {i: (result, error) for i, result, error in
                extract_batch({i: ("exchange", "binance", f"http://127.0.0.1:{9000 + n}") for n, i in enumerate(ids)},
                              read, Recorder())}
    assert set(outcomes) == set(ids)
    assert str(outcomes["i07"][1]) == "source down" and outcomes["i07"][0] is None
    assert all(outcomes[i] == (i.upper(), None) for i in ids if i != "i07")


def test_integrations_of_one_source_share_its_limit(monkeypatch):
    """Six integrations at one host with a limit of two: never more than two of them in flight, and
    two do run together; another source's reads are not held back by them."""
    monkeypatch.setenv("PIPELINES_EXTRACT_PER_SOURCE", "2")
    lock = threading.Lock()
    in_flight: dict[str, int] = {"shared": 0, "other": 0}
    peak: dict[str, int] = {"shared": 0, "other": 0}
    pair = threading.Barrier(2, timeout=GUARD_S)  # the first two shared reads wait for each other
    waited = []

    def read(integration_id, log):
        source = "shared" if integration_id.startswith("s") else "other"
        with lock:
            in_flight[source] += 1
            peak[source] = max(peak[source], in_flight[source])
            first_pair = source == "shared" and len(waited) < 2
            if first_pair:
                waited.append(integration_id)
        if first_pair:
            pair.wait()
        with lock:
            in_flight[source] -= 1
        return integration_id

    sources = {f"s{n}": ("exchange", "binance", None) for n in range(6)}
    sources["o1"] = ("wallet", "ethereum", None)
    results = list(extract_batch(sources, read, Recorder()))
    assert sorted(i for i, _, _ in results) == sorted(sources)
    assert peak["shared"] == 2
    assert peak["other"] == 1


def test_worker_logs_reach_the_step_from_its_own_thread():
    """Dagster's log manager is only called from the thread that runs the step: lines a connector
    logs in a worker are queued and passed on there, warnings included, none lost."""
    ids = [f"i{n}" for n in range(5)]

    def read(integration_id, log):
        log.info(f"{integration_id}: page 1")
        log.warning(f"{integration_id}: retrying")
        return None

    recorder = Recorder()
    list(extract_batch({i: ("exchange", i, None) for i in ids}, read, recorder))
    caller = threading.current_thread().name
    assert {thread for _, _, thread in recorder.lines} == {caller}
    assert sorted((level, msg) for level, msg, _ in recorder.lines) == sorted(
        [("info", f"{i}: page 1") for i in ids] + [("warning", f"{i}: retrying") for i in ids])


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_bad_thread_setting_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("PIPELINES_EXTRACT_THREADS", value)
    with pytest.raises(ValueError, match="PIPELINES_EXTRACT_THREADS"):
        list(extract_batch({"i": ("manual", None, None)}, lambda i, log: None, Recorder()))


def test_an_interrupted_batch_starts_no_further_read(monkeypatch):
    """Ctrl-C or SIGTERM reaches the step's thread while sources are read: reads already running end
    as their connectors let them, reads not yet started never start."""
    monkeypatch.setenv("PIPELINES_EXTRACT_THREADS", "1")
    started = []
    release = threading.Event()

    def read(integration_id, log):
        started.append(integration_id)
        if integration_id != "i0":
            release.wait(GUARD_S)  # a source still answering when the interrupt comes
        return integration_id

    batch = extract_batch({f"i{n}": ("manual", None, None) for n in range(5)}, read, Recorder())
    assert next(batch)[0] == "i0"
    threading.Timer(0.5, release.set).start()  # the running read ends a moment after the interrupt
    with pytest.raises(KeyboardInterrupt):
        batch.throw(KeyboardInterrupt)
    assert started in (["i0"], ["i0", "i1"])  # i1 only if the worker took it before the interrupt; never i2-i4
