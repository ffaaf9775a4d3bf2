"""After `pipelines demo` (what `make demo` runs, in its own process): its output is for people,
and the instance `make dev` then opens stays healthy: the demo account has no license, so the daily
automatic sync leaves the demo's integrations out, and a sync that includes them after the demo
stopped their sources says so in one sentence."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import dagster as dg
import pytest

from pipelines.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo run once, in its own data directory and Dagster home (as the dev instance is set up)."""
    root = tmp_path_factory.mktemp("demo")
    data, home = root / "data", root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_bytes((PROJECT_ROOT / "deploy" / "dagster.dev.yaml").read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPELINES_", "DAGSTER_"))}
    env.update(DAGSTER_HOME=str(home), PIPELINES_WAREHOUSE=str(data / "warehouse.duckdb"),
               PIPELINES_SECRET_KEY_FILE=str(data / "secret.key"), PIPELINES_INBOX=str(data / "inbox"),
               PIPELINES_ANALYTICS=str(data / "analytics.duckdb"))
    run = subprocess.run([sys.executable, "-m", "pipelines.cli.main", "demo"], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    return run, env


def pipelines(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli.main", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_demo_prints_no_warnings_and_one_line_per_integration(demo):
    run, _ = demo
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Warning" not in run.stderr, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert "demo-kraken: matched" in lines
    assert any(line.startswith("demo-binance: ") and line.endswith(
        "mismatched, run `pipelines balances --integration demo-binance --mismatches`") for line in lines)


def test_after_the_demo_no_auto_sync_and_a_clear_error(demo, monkeypatch):
    from pipelines.definitions import defs
    from pipelines.orchestration.auto_sync import daily_auto_sync
    from pipelines.resources.warehouse import WarehouseResource

    run, env = demo
    assert run.returncode == 0, run.stderr[-3000:]
    synced = pipelines(env, "sync", "demo-kraken")
    assert synced.returncode == 1
    assert synced.stderr.strip() == (
        "error: demo-kraken: demo source not running (its imitation or local chain stops when `pipelines demo` "
        "ends); run `pipelines demo` again to sync the demo account")

    for key in ("PIPELINES_WAREHOUSE", "PIPELINES_SECRET_KEY_FILE", "DAGSTER_HOME"):
        monkeypatch.setenv(key, env[key])
    with dg.DagsterInstance.get() as instance:
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime.now(UTC),
            resources={"warehouse": WarehouseResource(path=env["PIPELINES_WAREHOUSE"])},
            repository_def=defs.get_repository_def(),
        ) as context:
            tick = daily_auto_sync.evaluate_tick(context)
    assert not [r for r in tick.run_requests or [] if r.partition_key.startswith("demo-")]
    assert "no license" in (tick.skip_message or "")
