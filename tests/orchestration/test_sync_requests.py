"""sync_requests_sensor: what a web app's button writes becomes runs, once, and never twice."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from pipelines.orchestration.sync_requests import plan, sync_requests_sensor
from pipelines.warehouse import connect
from tests.orchestration.conftest import add_run, evaluate_sensor


def request(con, request_id: str, account_id: str, integration_id: str | None = None, minute: int = 0) -> None:
    con.execute(
        "INSERT INTO app.sync_requests (request_id, account_id, integration_id, requested_at) VALUES (?, ?, ?, ?)",
        [request_id, account_id, integration_id, datetime(2024, 6, 1, 12, minute)],
    )


def evaluate(instance, resources, repository_def):
    return evaluate_sensor(sync_requests_sensor, instance, resources, repository_def)


def test_plan_launches_each_integration_once():
    rows = [("r1", "a"), ("r1", "b"), ("r2", "b"), ("r3", None), ("r4", "c")]
    launch, outcome = plan(rows, busy={"c"})
    assert launch == {"r1": ["a", "b"], "r2": [], "r3": [], "r4": []}
    assert {r: s for r, (s, _) in outcome.items()} == {
        "r1": "launched", "r2": "already_running", "r3": "nothing_to_sync", "r4": "already_running"
    }


def test_requests_become_runs_and_are_marked_handled(warehouse, instance, resources, repository_def):
    with connect(warehouse) as con:
        request(con, "sync-all-pro", "pro", minute=0)  # every active integration of the account, manual too
        request(con, "one-wallet", "unlimited", "unlimited-wallet", minute=1)
        request(con, "again", "pro", "pro-wallet", minute=2)  # asked for twice: one run
        request(con, "busy", "free", "free-exchange", minute=3)
        request(con, "archived", "pro", "pro-archived", minute=4)
        request(con, "nobody", "ghost", minute=5)
    add_run(instance, dg.DagsterRunStatus.STARTED, {"dagster/partition": "free-exchange"})

    result = evaluate(instance, resources, repository_def)
    launched = sorted((r.partition_key, r.run_key) for r in result.run_requests)
    assert launched == [
        ("pro-exchange", "sync_request:sync-all-pro:pro-exchange"),
        ("pro-paper", "sync_request:sync-all-pro:pro-paper"),
        ("pro-wallet", "sync_request:sync-all-pro:pro-wallet"),
        ("unlimited-wallet", "sync_request:one-wallet:unlimited-wallet"),
    ]
    assert all(r.tags["pipelines/trigger"] == "sync_request" for r in result.run_requests)
    with connect(warehouse, read_only=True) as con:
        rows = con.execute(
            "SELECT request_id, status, handled_at IS NOT NULL FROM app.sync_requests ORDER BY requested_at"
        ).fetchall()
    assert rows == [
        ("sync-all-pro", "launched", True), ("one-wallet", "launched", True), ("again", "already_running", True),
        ("busy", "already_running", True), ("archived", "nothing_to_sync", True), ("nobody", "nothing_to_sync", True),
    ]
    again = evaluate(instance, resources, repository_def)
    assert again.run_requests == [] and again.skip_message == "no pending sync requests"


def test_new_integration_gets_its_partition_in_the_same_tick(warehouse, instance, resources, repository_def):
    from tests.orchestration.conftest import insert_integration

    with connect(warehouse) as con:
        insert_integration(con, "pro-brand-new", "pro", "exchange")
        request(con, "new", "pro", "pro-brand-new")
    result = evaluate(instance, resources, repository_def)
    assert [r.partition_key for r in result.run_requests] == ["pro-brand-new"]
    (add,) = result.dynamic_partitions_requests
    assert list(add.partition_keys) == ["pro-brand-new"]


def test_no_warehouse_yet_skips(tmp_path, instance, repository_def):
    from pipelines.resources.warehouse import WarehouseResource

    missing = {"warehouse": WarehouseResource(path=str(tmp_path / "not-created.duckdb"))}
    result = evaluate(instance, missing, repository_def)
    assert result.run_requests == [] and result.skip_message.startswith("warehouse not readable now")
