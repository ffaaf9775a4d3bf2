"""SIGKILL in the middle of a sync's warehouse write leaves the warehouse exactly as before; the next
sync completes and is exact. For each connector, in both writing steps of a sync run: killed while
extracting, nothing of the run is left; killed while building, the extract step (committed and
recorded by Dagster before the build began) stays, and every derived table is exactly as before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from pipelines.manual.entry import add_transaction
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.runner import sync
from pipelines.settings import PROJECT_ROOT
from pipelines.warehouse import connect
from tests.reliability.worlds import DERIVED_TABLES, assert_exact, everything


def killed_sync(integration_id: str, phase: str) -> None:
    child = subprocess.run([sys.executable, "-m", "tests.reliability.crash_child", integration_id, phase],
                           cwd=PROJECT_ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stderr[-2000:])


@pytest.mark.parametrize("phase", ["extract", "build"])
def test_kill_mid_write_changes_nothing(warehouse, world, phase):
    integration_id = world.add("Main")
    assert all(o.success for o in sync([integration_id]))  # a first, complete sync
    world.new_activity()
    watched = None if phase == "extract" else DERIVED_TABLES
    before = everything(warehouse, *(watched and [watched] or []))
    killed_sync(integration_id, phase)
    assert everything(warehouse, *(watched and [watched] or [])) == before
    assert all(o.success for o in sync([integration_id]))
    assert_exact(warehouse, integration_id, world.truth())


@pytest.mark.parametrize("phase", ["extract", "build"])
def test_kill_mid_write_of_a_manual_integration(warehouse, phase):
    with connect(warehouse) as con:
        add_account(con, "rel", "UTC", "EUR")
        paper = add_integration(con, "rel", "Paper", "manual")
        add_transaction(con, paper, "2024-01-01 00:00", "Deposit", incoming="1.5 BTC")
    assert all(o.success for o in sync([paper]))
    with connect(warehouse) as con:
        add_transaction(con, paper, "2024-02-01 00:00", "Withdrawal", outgoing="0.5 BTC", fee="0.001 BTC")
    before = everything(warehouse)  # a manual integration's extract writes only its cursor time...
    killed_sync(paper, phase)
    after = everything(warehouse)
    if phase == "build":  # ...which the build-step kill leaves committed
        before.pop("app.sync_state"), after.pop("app.sync_state")
    assert after == before
    assert all(o.success for o in sync([paper]))
    with connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT amount FROM marts.calculated_balances").fetchall()[0][0] == __import__("decimal").Decimal("0.999")
