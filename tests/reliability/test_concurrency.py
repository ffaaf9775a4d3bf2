"""Concurrency: syncs of five integrations (Binance, Kraken, an EVM wallet, a Bitcoin wallet and a
manual integration) started at the same moment as separate `pipelines sync` processes, recording
their runs in one Dagster instance on PostgreSQL, while an analyst keeps querying the analytics copy
and the CLI reads the warehouse. Every process finishes without a lock error, every integration is
exact, every read of the analytics copy sees one consistent moment, and the copy left published
holds every sync."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import duckdb
import pytest
import yaml

from pipelines.manual.entry import add_transaction
from pipelines.registry.integrations import add_integration
from pipelines.settings import PROJECT_ROOT, analytics_path
from pipelines.warehouse import connect
from tests.pg import dagster_url, fresh_database
from tests.reliability.worlds import BitcoinWorld, ExchangeWorld, WalletWorld, assert_exact, layers

PIPELINES = [sys.executable, "-m", "pipelines.cli.main"]

#: An analytics copy is consistent when every integration's calculated balances equal the sum of its
#: ledger entries, i.e. no read ever sees one layer of a build without the next.
INCONSISTENT = """
    SELECT count(*) FROM marts.calculated_balances c
    FULL JOIN (SELECT integration_id, asset_id, sum(amount) AS amount FROM core.ledger_entries GROUP BY ALL) l
      USING (integration_id, asset_id)
    WHERE c.amount IS DISTINCT FROM l.amount AND coalesce(c.amount, l.amount) <> 0
"""


@pytest.fixture
def dagster_home(tmp_path, monkeypatch):
    with fresh_database() as database:
        home = tmp_path / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text(yaml.safe_dump({
            "storage": {"postgres": {"postgres_url": dagster_url(database)}}, "telemetry": {"enabled": False}}))
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        yield home


class Analyst(threading.Thread):
    """Queries the published analytics copy in a loop, as an analyst's notebook would."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop, self.reads, self.errors, self.inconsistent = threading.Event(), 0, [], 0

    def run(self) -> None:
        path = analytics_path()
        while not self.stop.is_set():
            if path.exists():
                try:
                    with duckdb.connect(str(path), read_only=True) as con:
                        self.inconsistent += con.execute(INCONSISTENT).fetchall()[0][0]
                        self.reads += 1
                except duckdb.Error as exc:
                    self.errors.append(repr(exc))
            time.sleep(0.05)


def test_parallel_syncs_and_readers_finish_exact_without_lock_errors(warehouse, dagster_home, node_url, chain):
    worlds = [ExchangeWorld(warehouse, "binance"), ExchangeWorld(warehouse, "kraken"),
              WalletWorld(warehouse, node_url, chain), BitcoinWorld(warehouse)]
    try:
        ids = [world.add(f"Parallel {n}") for n, world in enumerate(worlds)]
        with connect(warehouse) as con:
            manual = add_integration(con, "rel", "Parallel manual", "manual")
            add_transaction(con, manual, "2024-05-01 10:00", "Deposit", incoming="2.5 ETH")
        ids.append(manual)
        analyst = Analyst()
        analyst.start()
        env = os.environ.copy()
        syncs = [subprocess.Popen([*PIPELINES, "sync", i], cwd=PROJECT_ROOT, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for i in ids]
        readers = [subprocess.Popen([*PIPELINES, "balances", "--account", "rel"], cwd=PROJECT_ROOT, env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
        finished = [(p.args, p.wait(timeout=600), p.stdout.read()) for p in syncs + readers]
        analyst.stop.set()
        analyst.join(timeout=30)

        for args, code, output in finished:
            assert code == 0, (args, output[-2000:])
            assert "lock" not in output.lower(), (args, output[-2000:])
        for world, integration_id in zip(worlds, ids, strict=False):
            assert_exact(warehouse, integration_id, world.truth())
        assert_exact(warehouse, manual)
        assert analyst.reads > 0 and analyst.errors == [] and analyst.inconsistent == 0
        published = {i: layers(analytics_path(), i) for i in ids}
        assert published == {i: layers(warehouse, i) for i in ids}  # the last copy holds every sync
    finally:
        for world in worlds:
            world.close()
