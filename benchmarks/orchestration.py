"""Benchmark 4: what Dagster adds to Sync All, per integration, beyond the work itself.

The same small integrations are synced twice from scratch: once as `sync_all` runs over ranges of
the integrations partitions (the backfill batches `PIPELINES_SYNC_BATCH` gives, on a Dagster
instance configured as `make dev` configures a laptop: `deploy/dagster.dev.yaml` in its own
DAGSTER_HOME, SQLite storage, `DAGSTER_EVENT_BATCH_SIZE` as the Makefile sets it), once by calling
what each asset and check of `sync_all` calls, directly, in the same batches. The difference divided
by the number of integrations is the orchestration overhead.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from itertools import count
from pathlib import Path

from benchmarks.connector import QuietLog, SyntheticBinance, reading, register
from benchmarks.history import BinanceHistory

#: Integrations synced one run each, to show what batching saves.
SINGLE_RUNS = 10
ROOT = Path(__file__).resolve().parent.parent


def laptop_instance(home: Path):
    """A Dagster instance as `make setup` + `make dev` give a laptop: `deploy/dagster.dev.yaml` as
    `$DAGSTER_HOME/dagster.yaml`, and the Makefile's DAGSTER_EVENT_BATCH_SIZE."""
    import dagster as dg

    batch_size = re.search(r"^export DAGSTER_EVENT_BATCH_SIZE \?= (\d+)$", (ROOT / "Makefile").read_text(), re.M)
    os.environ["DAGSTER_EVENT_BATCH_SIZE"] = batch_size.group(1)
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.dev.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.from_config(str(home))


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
    with connect(warehouse) as con:
        register(con, ids)
    return warehouse


def measure(integrations: int, records: int, work: Path) -> dict:
    """Both sides batch by batch, in turns (which goes first alternates), so that a machine busier in
    one minute than in the next weighs on both alike."""
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

    def compare(name: str, groups: list[list[str]]) -> tuple[float, float]:
        """Seconds of the direct calls and of the Dagster runs over `groups`, each on its own warehouse."""
        all_ids = [i for g in groups for i in g]
        direct_warehouse = _fresh(work, f"{name}-direct", all_ids)
        dagster_warehouse = _fresh(work, f"{name}-dagster", all_ids)
        instance = laptop_instance(work / f"{name}-dagster")
        instance.add_dynamic_partitions("integrations", all_ids)
        spent = {"direct": 0.0, "dagster": 0.0}

        def direct(group):
            _direct(group, direct_warehouse, analytics_path())

        def dagster(group):
            os.environ["PIPELINES_WAREHOUSE"] = dagster_warehouse
            tags = {RANGE_START_TAG: group[0], RANGE_END_TAG: group[-1]} if len(group) > 1 else {}
            result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False, tags=tags,
                                            partition_key=group[0] if len(group) == 1 else None)
            if not result.success:
                raise RuntimeError(f"sync_all failed for {group[0]}..{group[-1]}")

        with reading(connector):
            for n, group in enumerate(groups):
                for side in (("direct", "dagster") if n % 2 == 0 else ("dagster", "direct")):
                    started = time.perf_counter()
                    (direct if side == "direct" else dagster)(group)
                    spent[side] += time.perf_counter() - started
        instance.dispose()
        return spent["direct"], spent["dagster"]

    compare("warm", [["warm-a"]])  # imports, first query plans
    out["direct_s"], out["dagster_s"] = compare("batched", batches)
    singles = [[i] for i in ids[:SINGLE_RUNS]]
    out["single_integrations"] = len(singles)
    out["single_direct_s"], out["single_dagster_s"] = compare("single", singles)
    for name in ("DAGSTER_HOME", "DAGSTER_EVENT_BATCH_SIZE"):
        os.environ.pop(name)
    return out
