"""Backup and restore round-trip the whole warehouse, and a restore elsewhere reconciles the same."""

from __future__ import annotations

import pytest

from pipelines.crypto import encrypt_credentials
from pipelines.manual.entry import add_transaction
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.runner import sync
from pipelines.warehouse import connect

EVERYTHING = ("app.accounts", "app.licenses", "app.integrations", "app.manual_transactions", "app.sync_state",
              "core.transactions", "core.ledger_entries", "marts.calculated_balances", "marts.balance_reconciliation")


def rows(path, tables=EVERYTHING):
    with connect(path, read_only=True) as con:
        return {t: sorted(map(repr, con.execute(f"FROM {t}").fetchall())) for t in tables}


@pytest.fixture
def synced_world(warehouse):
    with connect(warehouse) as con:
        add_account(con, "alice", "Europe/Berlin", "EUR")
        paper = add_integration(con, "alice", "Paper", "manual", group_name="Cold")
        add_transaction(con, paper, "2024-01-01 10:00", "Deposit", incoming="1.23456789 BTC")
        add_transaction(con, paper, "2024-02-01 10:00", "Withdrawal", outgoing="0.5 BTC", fee="0.0001 BTC")
        # A stored credential must survive the round trip still encrypted (the mechanism is kind-agnostic).
        con.execute("UPDATE app.integrations SET credentials = ? WHERE integration_id = ?",
                    [encrypt_credentials({"apiKey": "backup-key", "secret": "backup-secret"}), paper])
    assert all(o.success for o in sync([paper]))
    return warehouse


def test_round_trip_into_a_fresh_directory(cli, synced_world, tmp_path, monkeypatch):
    before = rows(synced_world)
    backup_file = tmp_path / "backups" / "w.duckdb"
    result = cli("backup", str(backup_file))
    assert result.code == 0 and "backup written" in result.out
    assert b"backup-secret" not in backup_file.read_bytes()

    fresh = tmp_path / "elsewhere" / "warehouse.duckdb"
    monkeypatch.setenv("PIPELINES_WAREHOUSE", str(fresh))
    assert cli("restore", str(backup_file)).code == 0
    assert rows(fresh) == before
    # The restored warehouse syncs again to the same reconciliation.
    assert all(o.success for o in sync(["alice-paper"]))
    assert rows(fresh, ("marts.balance_reconciliation",)) == {"marts.balance_reconciliation": before["marts.balance_reconciliation"]}


def test_restore_refuses_to_overwrite_and_checks_the_key(cli, synced_world, tmp_path, monkeypatch):
    backup_file = tmp_path / "b.duckdb"
    assert cli("backup", str(backup_file)).code == 0
    again = cli("backup", str(backup_file))
    assert again.code == 2 and "exists" in again.err
    refused = cli("restore", str(backup_file))
    assert refused.code == 2 and "--force" in refused.err
    from pipelines.crypto import generate_key

    monkeypatch.setenv("PIPELINES_SECRET_KEY", generate_key())
    wrong_key = cli("restore", str(backup_file), "--force")
    assert wrong_key.code == 2 and "cannot be decrypted" in wrong_key.err


def test_restore_rejects_what_is_not_a_backup(cli, warehouse, tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database at all" * 100)
    result = cli("restore", str(junk), "--force")
    assert result.code == 2 and "is not a warehouse backup" in result.err
    assert cli("restore", str(tmp_path / "missing.duckdb")).code == 2


def test_restore_refuses_while_a_sync_is_in_progress(cli, warehouse, holding_sync, tmp_path):
    """With the project's Dagster instance: a sync stopped between its writes (its records stored, its
    build not finished) is in progress; restoring a backup without its integration is refused,
    naming the run, and changes nothing. Once the sync's process is gone, the restore goes ahead."""
    from tests.reliability.test_killed_sync_pool import paper_integration

    with connect(warehouse) as con:
        add_account(con, "rel", "UTC", "EUR")
    backup_file = tmp_path / "before.duckdb"
    assert cli("backup", str(backup_file)).code == 0
    holding = paper_integration(warehouse, "Holding", add_account_first=False)
    holder = holding_sync(holding)
    before = rows(warehouse)

    refused = cli("restore", str(backup_file), "--force")
    assert refused.code == 2 and len(refused.err.splitlines()) == 1, refused
    assert refused.err.startswith("error: run ") and holding in refused.err and f"pid {holder.pid}" in refused.err
    assert rows(warehouse) == before

    holder.kill()
    holder.wait(timeout=30)
    restored = cli("restore", str(backup_file), "--force")
    assert restored.code == 0, restored
    assert "which is gone: marked it failed" in restored.err
    with connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM app.integrations").fetchall() == [(0,)]
