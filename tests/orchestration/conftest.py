"""A registry with one account per license case, a Dagster instance with its partitions, and
helpers to evaluate schedules and sensors the way the daemon does."""

from __future__ import annotations

import uuid
from datetime import datetime

import dagster as dg
import pytest

from pipelines.assets.partitions import INTEGRATIONS
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.registry.licenses import set_license
from pipelines.resources.warehouse import WarehouseResource
from pipelines.warehouse import connect

#: account -> licenses {tax_year: tier}
LICENSES = {
    "free": {2024: "free"},
    "basic": {2024: "basic"},
    "pro": {2024: "pro"},
    "unlimited": {2024: "unlimited"},
    "lastyear": {2023: "pro"},
    "unlicensed": {},
}


def insert_integration(con, integration_id: str, account_id: str, kind: str, archived: bool = False) -> str:
    """An exchange or wallet integration as the registry stores it (no network: connectors validate
    credentials against a live source, which scheduling tests do not need)."""
    con.execute(
        """INSERT INTO app.integrations (integration_id, account_id, name, kind, provider, settings, created_at, archived_at)
           VALUES (?, ?, ?, ?, ?, '{}', TIMESTAMP '2023-01-01', ?)""",
        [integration_id, account_id, integration_id, kind, "binance" if kind == "exchange" else "ethereum",
         datetime(2024, 1, 2) if archived else None],
    )
    return integration_id


@pytest.fixture
def registry(warehouse):
    """Every license case with an exchange integration; pro also has a wallet, a manual and an
    archived exchange integration; unlimited has a wallet. Returns the warehouse path."""
    with connect(warehouse) as con:
        for account, licenses in LICENSES.items():
            add_account(con, account, "UTC", "EUR")
            for year, tier in licenses.items():
                set_license(con, account, year, tier)
            insert_integration(con, f"{account}-exchange", account, "exchange")
        insert_integration(con, "pro-wallet", "pro", "wallet")
        insert_integration(con, "pro-archived", "pro", "exchange", archived=True)
        add_integration(con, "pro", "Paper", "manual", integration_id="pro-paper")
        insert_integration(con, "unlimited-wallet", "unlimited", "wallet")
    return warehouse


@pytest.fixture
def instance(registry):
    """A Dagster instance (SQLite in a temp dir: schedule and sensor contexts need an instance
    reference) whose partitions are the active integrations."""
    from pipelines.sensors.registry import active_integration_ids

    with connect(registry, read_only=True) as con:
        ids = sorted(active_integration_ids(con))
    with dg.instance_for_test() as dagster_instance:
        dagster_instance.add_dynamic_partitions(INTEGRATIONS, ids)
        yield dagster_instance


@pytest.fixture
def resources(warehouse):
    return {"warehouse": WarehouseResource(path=str(warehouse))}


@pytest.fixture
def repository_def():
    from pipelines.definitions import defs

    return defs.get_repository_def()


def add_run(instance, status: dg.DagsterRunStatus, tags: dict[str, str]) -> str:
    """A run record as the run queue holds it (what dedup reads); queued runs carry their origin."""
    from dagster._core.remote_origin import RegisteredCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin

    origin = RemoteJobOrigin(
        RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("pipelines.definitions"), "__repository__"), "sync_all"
    )
    run = dg.DagsterRun(
        job_name="sync_all", run_id=str(uuid.uuid4()), status=status, tags=tags, remote_job_origin=origin
    )
    instance.add_run(run)
    return run.run_id


def evaluate_sensor(sensor, instance, resources, repository_def):
    """One sensor tick as the daemon runs it (partition keys resolved against the instance, after
    the tick's own dynamic partition requests)."""
    with dg.build_sensor_context(
        instance_ref=instance.get_ref(), resources=resources, repository_def=repository_def
    ) as context:
        return sensor.evaluate_tick(context)
