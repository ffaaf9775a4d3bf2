"""Failures of the machine, not of the input: a read-only or truncated warehouse, a truncated backup,
a full disk, a lock held past the wait. Each is one `error:` line with exit 2, never a traceback,
and leaves the warehouse as it was.

The tests run as root, for whom a chmod does not make a file read-only: a read-only warehouse is an
immutable file (`chattr +i`, which stops root too) and a read-only mount; a full disk is a small tmpfs
mounted for the test. Both need root and a file system that supports them; a test skips, saying so,
where they are missing (nothing is mocked)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(result, expected: str) -> None:
    assert result.code == 2, result
    assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
    assert expected in result.err, result.err


def _fill(path) -> None:
    with connect(path) as con:
        add_account(con, "ann", "UTC", "EUR")
        add_integration(con, "ann", "Cash", "manual")


ADD = ("transactions", "add", "ann-cash", "--date", "2024-01-01 10:00", "--label", "Deposit", "--in", "1 BTC")
COMMANDS = (("balances",), ("accounts", "list"), ("init",), ADD)


def test_an_immutable_warehouse_is_one_line_for_every_command(cli, warehouse):
    _fill(warehouse)
    before = digest(warehouse)
    if subprocess.run(["chattr", "+i", str(warehouse)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here (needs root and ext4/xfs)")
    try:
        for args in COMMANDS:
            one_line(cli(*args), f"{warehouse} cannot be opened for writing (Operation not permitted)")
    finally:
        subprocess.run(["chattr", "-i", str(warehouse)], check=True)
    assert digest(warehouse) == before


def test_a_warehouse_on_a_read_only_file_system_is_one_line(cli, warehouse, mount, monkeypatch):
    folder = mount()
    monkeypatch.setenv("PIPELINES_WAREHOUSE", str(folder / "warehouse.duckdb"))
    assert cli("init").code == 0
    _fill(folder / "warehouse.duckdb")
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    for args in COMMANDS:
        one_line(cli(*args), "cannot be opened for writing (Read-only file system)")


def test_a_truncated_warehouse_or_backup_is_one_line(cli, warehouse, tmp_path, monkeypatch):
    _fill(warehouse)
    backup = tmp_path / "backup.duckdb"
    assert cli("backup", str(backup)).code == 0
    good = warehouse.read_bytes()
    cut = warehouse.with_name("cut.duckdb")
    cut.write_bytes(good[: len(good) - 300_000])  # the last block and a bit: what a copy broken off leaves
    monkeypatch.setenv("PIPELINES_WAREHOUSE", str(cut))
    for args in COMMANDS:
        one_line(cli(*args), f"{cut} is truncated")  # `init` no longer says "warehouse ready"
    assert cut.read_bytes() == good[: len(good) - 300_000]
    assert not cut.with_name("cut.duckdb.wal").exists()

    monkeypatch.setenv("PIPELINES_WAREHOUSE", str(warehouse))
    backup.write_bytes(backup.read_bytes()[:-300_000])
    one_line(cli("restore", str(backup), "--force"), "truncated")
    assert warehouse.read_bytes() == good
    assert cli("balances").code == 0


def _disk_full(folder) -> None:
    with open(folder / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_a_full_disk_during_transactions_add_and_backup_is_one_line(cli, warehouse, mount, monkeypatch):
    folder = mount()
    path = folder / "warehouse.duckdb"
    monkeypatch.setenv("PIPELINES_WAREHOUSE", str(path))
    assert cli("init").code == 0
    _fill(path)
    before = digest(path)
    _disk_full(folder)
    one_line(cli(*ADD), "no space left on the disk of")
    one_line(cli("backup", str(folder / "backup.duckdb")), "no space left on the disk of")
    assert sorted(p.name for p in folder.iterdir() if p.name != "warehouse.duckdb.wal") == ["filler", "warehouse.duckdb"]
    assert digest(path) == before
    (folder / "filler").unlink()
    listed = cli("transactions", "list", "ann-cash")
    assert listed.code == 0 and "Deposit" not in listed.out


def test_a_lock_held_past_the_wait_names_its_holder(cli, warehouse, monkeypatch):
    monkeypatch.setenv("PIPELINES_LOCK_WAIT", "0.5")  # (120 s by default)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(warehouse)!r}); print('held', flush=True); "
                               "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        one_line(cli("balances"), f"{warehouse} is in use by ")
        assert f"(PID {holder.pid}) and stayed locked for 0.5 s" in cli("accounts", "list").err
    finally:
        holder.kill()
        holder.wait()
    assert cli("balances").code == 0
