"""What a killed or failed sync leaves outside the warehouse: the staged clear-text records of a
killed extract (in the data directory, never /tmp, removed by the next sync), the unpublished
analytics copy of a killed run (removed by the next publication), and a full disk while the
analytics copy is made, which fails the copy but not the sync committed before it."""

from __future__ import annotations

from pipelines.manual.entry import add_transaction
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.runner import sync
from pipelines.settings import analytics_path
from pipelines.warehouse import connect
from tests.reliability.test_crash_safety import killed_sync
from tests.reliability.worlds import ExchangeWorld, assert_exact


def test_a_killed_extract_leaves_its_staged_records_only_beside_the_warehouse_until_the_next_sync(warehouse):
    world = ExchangeWorld(warehouse, "binance")
    try:
        integration_id = world.add("Main")
        killed_sync(integration_id, "staged")
        [stage] = warehouse.parent.glob(".pipelines-stage-*")
        assert (stage / "records.parquet").stat().st_size > 0  # the exchange history, in clear text
        assert stage.stat().st_mode & 0o077 == 0  # readable by the owner only
        assert all(o.success for o in sync([integration_id]))
        assert not stage.exists()
        assert_exact(warehouse, integration_id, world.truth())
    finally:
        world.close()


def _paper(warehouse) -> str:
    with connect(warehouse) as con:
        add_account(con, "rel", "UTC", "EUR")
        paper = add_integration(con, "rel", "Paper", "manual")
        add_transaction(con, paper, "2024-01-01 00:00", "Deposit", incoming="1.5 BTC")
    return paper


def test_a_killed_analytics_copy_is_removed_by_the_next_publication(warehouse):
    paper = _paper(warehouse)
    killed_sync(paper, "analytics")
    target = analytics_path()
    [left] = target.parent.glob(f".{target.name}.*.unpublished")
    assert left.stat().st_size > 0 and not target.exists()
    assert all(o.success for o in sync([paper]))
    assert target.exists() and not left.exists()
    assert not [p.name for p in target.parent.glob(f"*{target.name}.*") if not p.name.endswith(".lock")]


def test_a_full_disk_during_the_analytics_copy_reports_the_sync_done_and_the_copy_failed(
        cli, warehouse, mount, monkeypatch):
    paper = _paper(warehouse)
    disk = mount("1m")  # smaller than any warehouse copy
    monkeypatch.setenv("PIPELINES_ANALYTICS", str(disk / "analytics.duckdb"))
    result = cli("sync", paper)
    assert result.code == 1
    assert "1 of 1 integrations synced" in result.out
    [line] = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert line.startswith("error: the analytics copy was not published: ") and "No space left on device" in line
    with connect(warehouse, read_only=True) as con:  # the build was committed
        assert con.execute("SELECT amount FROM marts.calculated_balances").fetchall() == [(__import__("decimal").Decimal("1.5"),)]
    assert sorted(p.name for p in disk.iterdir()) == [".analytics.duckdb.lock"]  # nothing half-written left
