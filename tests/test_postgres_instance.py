"""sync_all on a Dagster instance stored in the machine's real PostgreSQL (dagster-postgres)."""

from __future__ import annotations

import dagster as dg
import psycopg2
import pytest
import yaml

from pipelines.manual.entry import add_transaction
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.runner import sync
from pipelines.warehouse import connect
from tests.pg import PG, dagster_url, fresh_database


@pytest.fixture
def pg_database():
    with fresh_database() as name:
        yield name


def test_sync_all_records_runs_in_postgres(warehouse, tmp_path, pg_database):
    home = tmp_path / "dagster_home"
    home.mkdir()
    url = dagster_url(pg_database)
    (home / "dagster.yaml").write_text(yaml.safe_dump({
        "storage": {"postgres": {"postgres_url": url}},
        "telemetry": {"enabled": False},
    }))
    with connect(warehouse) as con:
        add_account(con, "pat", "UTC", "USD")
        ids = [add_integration(con, "pat", name, "manual") for name in ("One", "Two")]
        for integration_id in ids:
            add_transaction(con, integration_id, "2024-01-01 00:00", "Deposit", incoming="1 ETH")

    with dg.DagsterInstance.from_config(str(home)) as instance:
        outcomes = sync(ids, dagster_instance=instance)
        assert all(o.success for o in outcomes), outcomes

    with psycopg2.connect(dbname=pg_database, **PG) as pg, pg.cursor() as cur:
        cur.execute("SELECT run_id, status, pipeline_name FROM runs ORDER BY create_timestamp")
        runs = cur.fetchall()
        assert [(r[1], r[2]) for r in runs] == [("SUCCESS", "sync_all")]  # neighbours: one run over both
        assert {r[0] for r in runs} == {o.run_id for o in outcomes}
        cur.execute(
            "SELECT partition, count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
            "AND asset_key = %s GROUP BY partition ORDER BY partition",
            ('["balance_reconciliation"]',),
        )
        assert cur.fetchall() == [(i, 1) for i in sorted(ids)]
        cur.execute("SELECT partition FROM dynamic_partitions WHERE partitions_def_name = 'integrations' ORDER BY 1")
        assert [r[0] for r in cur.fetchall()] == sorted(ids)
