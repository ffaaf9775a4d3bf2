"""Materializing integration partitions with Dagster: layers, checks, idempotence, atomicity, sensor."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
import pytest

from pipelines.assets.extract import raw_records
from pipelines.assets.partitions import INTEGRATIONS
from pipelines.assets.warehouse_layers import warehouse_layers
from pipelines.manual.entry import add_transaction
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration, archive
from pipelines.resources.warehouse import WarehouseResource
from pipelines.warehouse import connect
from tests.helpers import snapshot

# A manual integration's synced balance is stamped with the build time; everything else must be identical.
LAYERS = ("core.transactions", "core.ledger_entries", "marts.calculated_balances",
          "core.synced_balances SELECT * EXCLUDE (synced_at)", "marts.balance_reconciliation")


@pytest.fixture
def world(warehouse):
    with connect(warehouse) as con:
        add_account(con, "alice", "UTC", "EUR")
        paper = add_integration(con, "alice", "Paper", "manual")
        other = add_integration(con, "alice", "Other", "manual")
        add_transaction(con, paper, "2024-01-01 10:00", "Deposit", incoming="2.5 BTC")
        add_transaction(con, paper, "2024-01-02 10:00", "Trade", outgoing="0.5 BTC", incoming="20000.000000000000000001 EUR", fee="0.0001 BTC")
        add_transaction(con, other, "2024-01-03 10:00", "Airdrop", incoming="100 DOT")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(INTEGRATIONS, [paper, other])
    return warehouse, instance, paper, other


def materialize(warehouse, instance, key):
    return dg.materialize(
        [raw_records, warehouse_layers], partition_key=key, instance=instance,
        resources={"warehouse": WarehouseResource(path=str(warehouse))},
    )


def test_partition_builds_every_layer_and_passes_the_check(world):
    warehouse, instance, paper, other = world
    result = materialize(warehouse, instance, paper)
    assert result.success
    with connect(warehouse) as con:
        assert dict(con.execute("SELECT asset_id, amount FROM marts.calculated_balances WHERE integration_id = ?", [paper]).fetchall()) == {
            "BTC": Decimal("1.9999"), "EUR": Decimal("20000.000000000000000001"),
        }
        # The other partition was not touched.
        assert con.execute("SELECT count(*) FROM core.transactions WHERE integration_id = ?", [other]).fetchall() == [(0,)]
        entries = con.execute("SELECT entry, count(*) FROM core.ledger_entries GROUP BY 1 ORDER BY 1").fetchall()
        assert entries == [("fee", 1), ("in", 2), ("out", 1)]
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "balances_match" and check.passed
    materializations = {m.asset_key.to_user_string(): m for m in result.get_asset_materialization_events()}
    recon = materializations["balance_reconciliation"].materialization.metadata
    assert recon["rows"].value == 2 and recon["mismatches"].value == 0
    assert "| BTC | BTC | 1.9999 | 1.9999 | 0 | match |" in recon["reconciliation"].value


def test_rerun_never_duplicates(world):
    warehouse, instance, paper, _ = world
    materialize(warehouse, instance, paper)
    first = snapshot(warehouse, LAYERS)
    materialize(warehouse, instance, paper)
    assert snapshot(warehouse, LAYERS) == first


def test_a_failed_build_leaves_the_warehouse_as_it_was(world, monkeypatch):
    warehouse, instance, paper, _ = world
    materialize(warehouse, instance, paper)
    with connect(warehouse) as con:
        add_transaction(con, paper, "2024-02-01 10:00", "Deposit", incoming="7 BTC")
    before = snapshot(warehouse, LAYERS)

    import pipelines.sync.build as build

    real = build.build_step

    def failing(con, step, *args, **kwargs):  # fault injection: the third layer fails
        if step == "calculated_balances":
            raise RuntimeError("disk full (injected)")
        real(con, step, *args, **kwargs)

    monkeypatch.setattr(build, "build_step", failing)
    result = dg.materialize(
        [raw_records, warehouse_layers], partition_key=paper, instance=instance,
        resources={"warehouse": WarehouseResource(path=str(warehouse))}, raise_on_error=False,
    )
    assert not result.success
    assert snapshot(warehouse, LAYERS) == before  # transactions and ledger were rolled back too


def test_registry_sensor_keeps_partitions_in_step(world):
    from pipelines.sensors.registry import integrations_sensor

    warehouse, _, paper, other = world
    instance = dg.DagsterInstance.ephemeral()
    resources = {"warehouse": WarehouseResource(path=str(warehouse))}
    result = integrations_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    (request,) = result.dynamic_partitions_requests
    assert sorted(request.partition_keys) == sorted([paper, other])
    instance.add_dynamic_partitions(INTEGRATIONS, [paper, other])
    with connect(warehouse) as con:
        archive(con, other)
    result = integrations_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    (request,) = result.dynamic_partitions_requests
    assert isinstance(request, dg.DeleteDynamicPartitionsRequest) and list(request.partition_keys) == [other]


def test_cli_sync_all_and_balances(cli, world):
    warehouse, _, paper, other = world
    result = cli("sync-all", "--account", "alice")
    assert result.code == 0 and "2 of 2 integrations synced" in result.out
    balances = cli("balances", "--account", "alice")
    assert "1.9999" in balances.out and "100" in balances.out and "match" in balances.out
    assert "No mismatched balances." in cli("balances", "--mismatches").out
    assert cli("sync", "alice-nope").code == 2
