"""Benchmark 4: what Dagster adds to Sync All, per integration, beyond the work itself.

The same small integrations are synced twice from scratch: once as `sync_all` runs over ranges of
the integrations partitions (the backfill batches `PIPELINES_SYNC_BATCH` gives, SQLite run storage
as on a laptop), once by calling what each asset and check of `sync_all` calls, directly, in the
same batches. The difference divided by the number of integrations is the orchestration overhead.
"""

from __future__ import annotations

import os
import time
from itertools import count
from pathlib import Path

from benchmarks.connector import QuietLog, SyntheticBinance, reading, register
from benchmarks.history import BinanceHistory

#: Integrations synced one run each, to show what batching saves.
SINGLE_RUNS = 10


def _direct(batch: list[str], warehouse: str, analytics: Path) -> None:
    """What one `sync_all` run over `batch` does, without Dagster (same functions, same order)."""
    from pipelines.assets.analytics import publish_analytics_copy
    from pipelines.reconciliation.divergence import locate
    from pipelines.reconciliation.marts import build_balances
    from pipelines.reconciliation.quality import validate_transactions_sql
    from pipelines.reconciliation.transfers import rebuild_matches
    from pipelines.sync.build import build
    from pipelines.sync.extract import extract
    from pipelines.warehouse import connect, transaction

    for integration_id in batch:  # raw_records
        extract(integration_id, full=False, log=QuietLog(), warehouse=warehouse)
    with connect(warehouse) as con, transaction(con):  # warehouse_layers
        build(con, batch)
    validate_transactions_sql(warehouse, batch)  # transactions_quality
    for integration_id in batch:  # chain_divergence
        locate(warehouse, integration_id)
    with connect(warehouse) as con:  # account_marts, transfer_matches
        with transaction(con):
            build_balances(con)
        with transaction(con):
            rebuild_matches(con)
    publish_analytics_copy(warehouse, analytics)  # analytics_snapshot


def _fresh(work: Path, name: str, ids: list[str]) -> str:
    from pipelines.warehouse import connect

    warehouse = str(work / f"{name}.duckdb")
    os.environ["PIPELINES_WAREHOUSE"] = warehouse
    with connect(warehouse) as con:
        register(con, ids)
    return warehouse


def measure(integrations: int, records: int, work: Path) -> dict:
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.orchestration.runs import RANGE_END_TAG, RANGE_START_TAG
    from pipelines.settings import analytics_path, sync_batch_size

    import great_expectations  # noqa: F401  (imported once for both sides: its 3.5 s are not overhead)

    ids = [f"acct{n:05d}-binance" for n in range(integrations)]
    batch = sync_batch_size()
    batches = [ids[i:i + batch] for i in range(0, len(ids), batch)]
    seeds = count()
    out: dict = {"integrations": integrations, "batch": batch, "runs": len(batches)}

    def connector():
        return SyntheticBinance(BinanceHistory(seed=next(seeds)), records)

    job = defs.resolve_job_def("sync_all")
    run_config = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

    def dagster_runs(name: str, groups: list[list[str]]) -> float:
        _fresh(work, name, [i for g in groups for i in g])
        home = work / f"{name}-dagster"
        home.mkdir()
        instance = dg.DagsterInstance.local_temp(str(home))
        instance.add_dynamic_partitions("integrations", [i for g in groups for i in g])
        started = time.perf_counter()
        with reading(connector):
            for group in groups:
                if len(group) == 1:
                    result = job.execute_in_process(instance=instance, partition_key=group[0], run_config=run_config,
                                                    raise_on_error=False)
                else:
                    result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False,
                                                    tags={RANGE_START_TAG: group[0], RANGE_END_TAG: group[-1]})
                if not result.success:
                    raise RuntimeError(f"sync_all failed for {group[0]}..{group[-1]}")
        elapsed = time.perf_counter() - started
        instance.dispose()
        return elapsed

    def direct_runs(name: str, groups: list[list[str]]) -> float:
        warehouse = _fresh(work, name, [i for g in groups for i in g])
        started = time.perf_counter()
        with reading(connector):
            for group in groups:
                _direct(group, warehouse, analytics_path())
        return time.perf_counter() - started

    # Warm both paths once (imports, first query plans), then measure each on its own warehouse.
    direct_runs("warm-direct", [["warm-a"]])
    dagster_runs("warm-dagster", [["warm-b"]])
    out["direct_s"] = direct_runs("direct", batches)
    out["dagster_s"] = dagster_runs("dagster", batches)
    singles = [[i] for i in ids[:SINGLE_RUNS]]
    out["single_integrations"] = len(singles)
    out["single_direct_s"] = direct_runs("single-direct", singles)
    out["single_dagster_s"] = dagster_runs("single-dagster", singles)
    return out
