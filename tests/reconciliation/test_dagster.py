"""The project's Definitions: one Sync All run builds a partition, checks it with GX, refreshes the marts."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg

from pipelines.assets.partitions import INTEGRATIONS
from pipelines.manual.entry import add_transaction
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect


def test_sync_all_runs_checks_and_account_marts(warehouse):
    from pipelines.definitions import defs

    with connect(warehouse) as con:
        add_account(con, "alice", "UTC", "EUR")
        paper = add_integration(con, "alice", "Paper", "manual", group_name="cold")
        ledger = add_integration(con, "alice", "Ledger", "manual")
        add_transaction(con, paper, "2024-01-01 10:00", "Deposit", incoming="2 BTC")
        add_transaction(con, paper, "2024-01-02 10:00", "Withdrawal", outgoing="1 BTC")
        add_transaction(con, ledger, "2024-01-02 11:00", "Deposit", incoming="0.999 BTC")
        con.execute("INSERT INTO prices.live_prices VALUES ('BTC', 'EUR', 50000, 'test', '2026-01-01')")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(INTEGRATIONS, [paper, ledger])
    job = defs.resolve_job_def("sync_all")
    for key in (paper, ledger):
        result = job.execute_in_process(partition_key=key, instance=instance)
        assert result.success
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["transactions_quality"].passed and checks["balances_match"].passed
    assert checks["transactions_quality"].metadata["failed"].value == 0
    assert "tx_id unique" in checks["transactions_quality"].metadata["results"].value
    with connect(warehouse) as con:
        (transfer,) = con.execute("SELECT withdrawal_integration_id, deposit_integration_id, fee_amount "
                                  "FROM marts.transfer_matches").fetchall()
        assert transfer == (paper, ledger, Decimal("0.001"))
        assert con.execute("SELECT amount, value FROM marts.portfolio WHERE asset = 'BTC'").fetchall() == [
            (Decimal("1.999"), Decimal("99950"))]
        assert con.execute("SELECT synced FROM marts.group_balances WHERE group_name = 'cold'").fetchall() == [(Decimal("1"),)]
    assert defs.resolve_job_def("refresh_marts").execute_in_process(instance=instance).success


def test_marts_refresh_after_a_run_that_rebuilt_only_partitions(warehouse):
    from pipelines.assets.extract import raw_records
    from pipelines.assets.warehouse_layers import warehouse_layers
    from pipelines.definitions import defs
    from pipelines.resources.warehouse import WarehouseResource

    with connect(warehouse) as con:
        add_account(con, "alice", "UTC", "EUR")
        paper = add_integration(con, "alice", "Paper", "manual")
        add_transaction(con, paper, "2024-01-01 10:00", "Deposit", incoming="2 BTC")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(INTEGRATIONS, [paper])
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert defs.resolve_job_def("sync_all").execute_in_process(partition_key=paper, instance=instance).success
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert tick.total_requested == 0  # sync_all refreshed the marts itself
    dg.materialize([raw_records, warehouse_layers], partition_key=paper, instance=instance,
                   resources={"warehouse": WarehouseResource(path=str(warehouse))})
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    requested = {r.key.to_user_string() for r in tick.results if r.true_subset.size}
    assert requested == {"group_balances", "account_balances", "portfolio", "transfer_matches"}
