"""End to end on the production set-up: dagster-daemon and dagster-webserver with deploy/dagster.yaml
on the machine's PostgreSQL; Sync All launched through the webserver's GraphQL API as the UI's
button does; every run succeeds, none hits a DuckDB lock error, warehouse writes never overlap."""

from __future__ import annotations

import math
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.manual.entry import add_transaction
from pipelines.orchestration.submit import PRESS_TAG, Webserver, submit_sync_all
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.settings import PROJECT_ROOT
from pipelines.warehouse import connect
from tests.pg import dagster_url, fresh_database
from tests.processes import stop_tree

INTEGRATIONS = 5
BATCH = 2  # integrations per run: 5 integrations -> 3 runs at once
TIMEOUT = 150.0
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, condition, timeout: float, logs: list[Path]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in logs if p.exists())
    raise AssertionError(f"timed out waiting for {what}\n{tails}")


@pytest.fixture
def dagster_home(tmp_path, monkeypatch, warehouse):
    with fresh_database() as database:
        home = tmp_path / "dagster_home"
        home.mkdir()
        shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        monkeypatch.setenv("DAGSTER_POSTGRES_URL", dagster_url(database))
        monkeypatch.setenv("PIPELINES_SYNC_BATCH", str(BATCH))
        yield home


@pytest.fixture
def services(dagster_home, tmp_path):
    """dagster-daemon and dagster-webserver from the repo root, as on the server."""
    port = free_port()
    logs = [tmp_path / "daemon.log", tmp_path / "webserver.log"]
    commands = [
        [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
        [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
    ]
    processes = [
        subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=log.open("w"), stderr=subprocess.STDOUT)
        for cmd, log in zip(commands, logs)
    ]
    try:
        yield f"http://127.0.0.1:{port}", logs
    finally:
        for process in processes:  # with the code servers and runs they started
            stop_tree(process)


def test_sync_all_through_the_webserver_on_postgres(warehouse, dagster_home, services, cli):
    url, logs = services
    with connect(warehouse) as con:
        add_account(con, "pat", "UTC", "USD")
        ids = [add_integration(con, "pat", f"Book {n}", "manual") for n in range(INTEGRATIONS)]
        for n, integration_id in enumerate(ids):
            add_transaction(con, integration_id, "2024-01-01 00:00", "Deposit", incoming=f"{n + 1}.5 ETH")

    server = Webserver(url)
    wait_for("the webserver and its code location", lambda: server.is_up() and _loaded(server), 90, logs)
    submitted = submit_sync_all(url, ids)
    assert submitted.press_id and submitted.launched == ids and submitted.already_running == []
    assert len(submitted.run_ids) == math.ceil(INTEGRATIONS / BATCH)  # launched at once, no backfill daemon
    # Pressed again while the runs are queued or running: they count, nothing new starts.
    again = cli("sync-all", "--account", "pat", "--submit", url)
    assert again.code == 0 and "nothing submitted" in again.out and f"all {INTEGRATIONS} integrations" in again.out

    with dg.DagsterInstance.get() as instance:  # the same PostgreSQL the services use
        def finished():
            runs = instance.get_runs(dg.RunsFilter(tags={PRESS_TAG: submitted.press_id}))
            return runs if runs and all(r.is_finished for r in runs) else None

        runs = wait_for("the Sync All runs", finished, TIMEOUT, logs)
        assert sorted(r.run_id for r in runs) == sorted(submitted.run_ids)
        assert {r.job_name for r in runs} == {"sync_all"}
        assert instance.get_backfills() == []
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs), [(r.run_id, r.status) for r in runs]

        writes = []
        for run in runs:
            events = instance.all_logs(run.run_id)
            messages = " ".join((e.message or "") + str(e.dagster_event or "") for e in events)
            assert "Could not set lock" not in messages and "Conflicting lock" not in messages, run.run_id
            steps = {}
            for e in events:
                if e.is_dagster_event and e.step_key == "warehouse_layers" and e.dagster_event_type in (
                    dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS
                ):
                    steps[e.dagster_event_type] = e.timestamp
            writes.append((steps[dg.DagsterEventType.STEP_START], steps[dg.DagsterEventType.STEP_SUCCESS]))
        writes.sort()
        assert all(end <= next_start for (_, end), (next_start, _) in zip(writes, writes[1:])), writes  # pool of 1

    with connect(warehouse, read_only=True) as con:
        balances = con.execute(
            "SELECT integration_id, amount FROM marts.calculated_balances WHERE asset = 'ETH' ORDER BY 1"
        ).fetchall()
    assert [(i, str(a)) for i, a in balances] == sorted((i, f"{n + 1}.500000000000000000") for n, i in enumerate(ids))
    assert Path(os.environ["PIPELINES_ANALYTICS"]).exists()


def _loaded(server: Webserver) -> bool:
    from pipelines.errors import UserError

    try:
        server.repository()
    except UserError:
        return False
    return True
