"""Benchmarks 8-11: what a user waits for (issue 23), as whole processes and through the daemon.

- 8: `pipelines sync ID` of a manual integration with one transaction and nothing new, the whole
  process, median of 5 (after one sync that imported it), on a laptop instance (`deploy/dagster.dev.yaml`).
- 10: a batch of 20 exchange integrations, each on its own exchange imitation that answers every
  request after 1 s, synced with nothing new in one Sync All (`pipelines.runner.sync`), against the
  slowest of three of them synced alone.
- 9 and 11: the demo's integrations (manual, Binance, Kraken, an EVM wallet on anvil, a Bitcoin
  wallet on the Esplora imitation), synced once, then Sync All submitted to a running webserver and
  daemon on PostgreSQL (`deploy/dagster.yaml`), timed from the submit to every run finished (every
  balance and mart written); 11 again with the Binance integration's API origin refusing connections.

Each function returns plain measurements; `benchmarks/run.py` turns them into table rows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: The answer delay of benchmark 10's imitations, seconds per request.
SLOW_S = 1.0
SMALL_EVENTS = {"trades": 40, "deposits": 3, "withdrawals": 2, "earn": 1, "conversions": 0}


def _laptop_home(work: Path) -> Path:
    home = work / "dagster_home_latency"
    home.mkdir(exist_ok=True)
    shutil.copy(ROOT / "deploy" / "dagster.dev.yaml", home / "dagster.yaml")
    return home


def cli_sync(work: Path, runs: int = 5) -> dict:
    """8: the whole `pipelines sync ID` process, nothing new."""
    from pipelines.manual.entry import add_transaction
    from pipelines.registry.accounts import add_account
    from pipelines.registry.integrations import add_integration
    from pipelines.warehouse import connect

    env = {**os.environ, "DAGSTER_HOME": str(_laptop_home(work)), "PIPELINES_WAREHOUSE": str(work / "cli.duckdb")}
    with connect(env["PIPELINES_WAREHOUSE"]) as con:
        add_account(con, "user", "UTC", "EUR")
        integration_id = add_integration(con, "user", "Paper", "manual")
        add_transaction(con, integration_id, "2026-01-02 10:00", "Deposit", incoming="1 BTC")
    cli = str(BIN / "pipelines")

    def timed(args: list[str]) -> float:
        started = time.perf_counter()
        subprocess.run(args, cwd=ROOT, env=env, capture_output=True, check=True)
        return time.perf_counter() - started

    first = timed([cli, "sync", integration_id])
    times = [timed([cli, "sync", integration_id]) for _ in range(runs)]
    interpreter = statistics.median(timed([sys.executable, "-c", "import dagster"]) for _ in range(3))
    return {"median_s": statistics.median(times), "times": times, "first_s": first, "import_dagster_s": interpreter}


def slow_batch(work: Path, integrations: int = 20, singles: int = 3) -> dict:
    """10: one Sync All of `integrations` slow sources against the slowest of `singles` alone."""
    import dagster as dg

    from pipelines.imitations.exchange import ExchangeImitation
    from pipelines.registry.accounts import add_account
    from pipelines.registry.integrations import add_integration
    from pipelines.runner import sync
    from pipelines.warehouse import connect

    os.environ["PIPELINES_WAREHOUSE"] = str(work / "slow.duckdb")
    settings = {"retry_backoff_s": 0.05, "timeout_ms": 10_000, "rate_limit_ms": 0.01, "start_date": "2025-06-01"}
    with contextlib.ExitStack() as stack:
        imitations = [stack.enter_context(ExchangeImitation(seed=100 + n, binance_events=SMALL_EVENTS,
                                                            kraken_events=SMALL_EVENTS))
                      for n in range(integrations)]
        with connect() as con:
            add_account(con, "many", "UTC", "EUR")
            ids = [add_integration(con, "many", f"Binance {n}", "exchange", "binance",
                                   settings={"api_origin": imitation.url, **settings},
                                   credentials={"apiKey": imitation.binance.api_key, "secret": imitation.binance.secret})
                   for n, imitation in enumerate(imitations)]
        instance = dg.DagsterInstance.ephemeral()
        first = sync(ids, dagster_instance=instance)  # the history, at full speed
        assert all(o.success for o in first), [o for o in first if not o.success]
        for imitation in imitations:
            imitation.faults.add("binance", "slow", delay=SLOW_S, times=None)
            imitation.reset_counts()
        single_s = []
        for integration_id in ids[:singles]:
            started = time.perf_counter()
            [alone] = sync([integration_id], dagster_instance=instance)
            single_s.append(time.perf_counter() - started)
            assert alone.success, alone
        requests = imitations[0].count("binance")
        started = time.perf_counter()
        batch = sync(ids, dagster_instance=instance)
        batch_s = time.perf_counter() - started
        assert all(o.success for o in batch), [o for o in batch if not o.success]
        runs = len({o.run_id for o in batch})
    return {"batch_s": batch_s, "single_s": single_s, "requests": requests, "runs": runs, "integrations": integrations}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def daemon_sync_all(work: Path) -> dict:
    """9 and 11: Sync All of the demo's integrations through the webserver and daemon on PostgreSQL."""
    import dagster as dg

    from pipelines.demo import DEMO_PARTS
    from pipelines.orchestration.submit import PRESS_TAG, Webserver, submit_if_running
    from pipelines.registry.accounts import add_account
    from pipelines.registry.integrations import list_integrations
    from pipelines.runner import sync
    from pipelines.warehouse import connect
    from tests.pg import dagster_url, fresh_database

    os.environ["PIPELINES_WAREHOUSE"] = str(work / "daemon.duckdb")
    results: dict = {}
    with contextlib.ExitStack() as stack:
        with connect() as con:
            add_account(con, "demo", "Europe/Vienna", "EUR")
            for part in DEMO_PARTS:
                import_module(part).setup(con, "demo", stack)
            ids = [i.integration_id for i in list_integrations(con, "demo")]
        first = sync(ids, full=True, dagster_instance=dg.DagsterInstance.ephemeral())
        assert all(o.success for o in first), [o for o in first if not o.success]
        database = stack.enter_context(fresh_database("pipelines_bench"))
        home = work / "dagster_home_server"
        home.mkdir()
        shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
        os.environ.update(DAGSTER_HOME=str(home), DAGSTER_POSTGRES_URL=dagster_url(database))
        port = _free_port()
        logs = work / "services.log"
        processes = [subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy(), stdout=logs.open("a"),
                                      stderr=subprocess.STDOUT)
                     for cmd in ([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                                 [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)])]
        stack.callback(_stop, processes)
        url = f"http://127.0.0.1:{port}"
        server = Webserver(url)
        _wait(lambda: server.is_up() and _has_job(server), 180, logs)
        instance = stack.enter_context(dg.DagsterInstance.get())
        for label, down in (("all answer", False), ("binance down", True)):
            if down:  # its API origin now refuses connections, as an exchange that is down does
                with connect() as con:
                    con.execute("UPDATE app.integrations SET settings = json_merge_patch(settings, ?) "
                                "WHERE account_id = 'demo' AND provider = 'binance'",
                                [f'{{"api_origin": "http://127.0.0.1:{_free_port()}"}}'])
            started = time.perf_counter()
            submitted = submit_if_running(ids, full=False, url=url)  # as `sync-all --submit URL` does
            finished: dict[str, float] = {}

            def done():
                runs = instance.get_runs(dg.RunsFilter(tags={PRESS_TAG: submitted.press_id}))
                for run in runs:
                    if run.is_finished and run.run_id not in finished:
                        finished[run.run_id] = time.perf_counter() - started
                return runs and all(r.is_finished for r in runs) and runs

            runs = _wait(done, 600, logs)
            statuses = {r.run_id: (r.status.value, finished[r.run_id]) for r in runs}
            results[label] = {
                "total_s": time.perf_counter() - started,
                "runs": statuses,
                "succeeded_s": max((t for status, t in statuses.values() if status == "SUCCESS"), default=None),
                "integrations": len(ids),
            }
    return results


def _has_job(server) -> bool:
    from pipelines.errors import UserError

    try:
        server.repository()
    except UserError:
        return False
    return True


def _wait(condition, timeout: float, logs: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise RuntimeError(f"timed out; services log:\n{logs.read_text()[-3000:]}")


def _stop(processes) -> None:
    """The webserver and daemon with every process they started (their code servers among them)."""
    from tests.processes import stop_tree

    for process in processes:
        stop_tree(process)
