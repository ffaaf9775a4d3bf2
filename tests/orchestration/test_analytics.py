"""The analysts' copy: published after each sync, atomically, while an analyst's connection is open;
and a backfill batch of integrations synced in one run."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.manual.entry import add_transaction
from pipelines.orchestration.runs import RANGE_END_TAG, RANGE_START_TAG
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect

BALANCE = "SELECT amount FROM marts.calculated_balances WHERE integration_id = ? AND asset = ?"


@pytest.fixture
def sync_all(instance):
    from pipelines.definitions import defs

    job = defs.resolve_job_def("sync_all")

    def run(**kwargs):
        result = job.execute_in_process(instance=instance, raise_on_error=False, **kwargs)
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        return result

    return run


def test_analyst_connection_open_through_a_sync(warehouse, sync_all, tmp_path):
    with connect(warehouse) as con:
        add_transaction(con, "pro-paper", "2024-01-01 10:00", "Deposit", incoming="1.5 BTC")
        con.execute("UPDATE app.integrations SET credentials = 'gAAAAB-encrypted-token' WHERE integration_id = 'pro-wallet'")
    sync_all(partition_key="pro-paper")
    analytics = tmp_path / "analytics.duckdb"
    analyst = duckdb.connect(str(analytics), read_only=True)
    try:
        assert analyst.execute(BALANCE, ["pro-paper", "BTC"]).fetchall()[0][0] == pytest.approx(1.5)
        assert analyst.execute("SELECT count(*) FROM app.integrations WHERE credentials IS NOT NULL").fetchone() == (0,)

        with connect(warehouse) as con:
            add_transaction(con, "pro-paper", "2024-01-02 10:00", "Deposit", incoming="0.25 BTC")
        sync_all(partition_key="pro-paper")  # the analyst's connection stays open meanwhile

        (old,) = analyst.execute(BALANCE, ["pro-paper", "BTC"]).fetchone()
        assert str(old) == "1.500000000000000000"  # the open connection still reads its file, no error
    finally:
        analyst.close()
    with duckdb.connect(str(analytics), read_only=True) as fresh:
        assert str(fresh.execute(BALANCE, ["pro-paper", "BTC"]).fetchone()[0]) == "1.750000000000000000"
    # No staging file left; the publishers' lock file stays (removing it could race with a waiting publisher).
    assert sorted(p.name for p in tmp_path.iterdir() if "analytics" in p.name) == [".analytics.duckdb.lock", "analytics.duckdb"]


def test_backfill_batch_syncs_many_integrations_in_one_run(warehouse, instance, sync_all):
    with connect(warehouse) as con:
        ids = [add_integration(con, "basic", f"Book {n}", "manual", integration_id=f"batch-{n}") for n in range(3)]
        for n, integration_id in enumerate(ids):
            add_transaction(con, integration_id, "2024-03-01 12:00", "Deposit", incoming=f"{n + 1} ETH")
    instance.add_dynamic_partitions("integrations", ids)
    result = sync_all(tags={RANGE_START_TAG: ids[0], RANGE_END_TAG: ids[-1]})
    with connect(warehouse, read_only=True) as con:
        balances = con.execute(
            "SELECT integration_id, amount FROM marts.calculated_balances WHERE integration_id LIKE 'batch-%' ORDER BY 1"
        ).fetchall()
    assert [(i, str(a)) for i, a in balances] == [
        ("batch-0", "1.000000000000000000"), ("batch-1", "2.000000000000000000"), ("batch-2", "3.000000000000000000")
    ]
    materialized = {}
    for event in result.get_asset_materialization_events():
        materialized.setdefault(event.asset_key.to_user_string(), set()).add(event.partition)
    assert materialized["balance_reconciliation"] == set(ids) and materialized["raw_records"] == set(ids)
    checks = [c for c in result.get_asset_check_evaluations() if c.check_name == "balances_match"]
    assert checks and all(c.passed for c in checks)


def test_full_resync_tag_reimports_from_the_start(warehouse, sync_all):
    """What a UI backfill with the tag `pipelines/full_resync=true` (or `sync-all --full --submit`) asks for."""
    from pipelines.orchestration.runs import FULL_RESYNC_TAG

    def full_resync_flag(result):
        (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "raw_records"]
        return event.materialization.metadata["full_resync"].value

    assert full_resync_flag(sync_all(partition_key="pro-paper")) is False
    assert full_resync_flag(sync_all(partition_key="pro-paper", tags={FULL_RESYNC_TAG: "true"})) is True


def test_publishers_take_turns_so_an_older_copy_never_replaces_a_newer(warehouse, tmp_path):
    """A publisher waits while another holds the lock; it then copies the warehouse as it is by then."""
    import fcntl
    import threading

    from pipelines.assets.analytics import publish_analytics_copy

    with connect(warehouse) as con:
        con.execute("CREATE TABLE main.marker AS SELECT 'old' AS v")
    target = tmp_path / "analytics.duckdb"
    with open(tmp_path / ".analytics.duckdb.lock", "a") as other:  # another run is publishing
        fcntl.flock(other, fcntl.LOCK_EX)
        waiting = threading.Thread(target=publish_analytics_copy, args=(str(warehouse), target))
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive() and not target.exists()  # held back, nothing copied yet
        with connect(warehouse) as con:  # the other run's newer data, committed before it releases
            con.execute("UPDATE main.marker SET v = 'new'")
    waiting.join(timeout=120)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT v FROM main.marker").fetchall() == [("new",)]
