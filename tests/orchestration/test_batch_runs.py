"""A Sync All run over a batch of integrations (a backfill's range of partitions), on a Dagster
instance configured as `make dev` configures a laptop (deploy/dagster.dev.yaml, batched event writes)
and, for the failure, as the server is (deploy/dagster.yaml on PostgreSQL).

One integration's rejected API key fails that integration only: the others of the batch are stored
and materialized with their own metadata, the failed one shows as failed in every asset, and the
run fails with a message that names it and holds no secret.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.assets.partitions import INTEGRATIONS, integrations_partitions
from pipelines.orchestration.batch import FAILED_TAG
from pipelines.orchestration.runs import RANGE_END_TAG, RANGE_START_TAG
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.exchange.conftest import account, exchange, imitation  # noqa: F401 (fixtures)
from tests.pg import dagster_url, fresh_database

ROOT = Path(__file__).resolve().parents[2]
#: The partitioned assets of sync_all: each partition is materialized or failed in all of them.
PARTITIONED = ["raw_records", "transactions", "ledger_entries", "calculated_balances", "synced_balances",
               "balance_reconciliation", "chain_divergence", "analytics_snapshot"]


def _instance(tmp_path, monkeypatch, config: str):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / config, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "1000")
    return dg.DagsterInstance.from_config(str(home))


@pytest.fixture
def laptop(tmp_path, monkeypatch):
    """The Dagster instance `make setup` gives a laptop, with the Makefile's event batch size."""
    with _instance(tmp_path, monkeypatch, "dagster.dev.yaml") as instance:
        yield instance


@pytest.fixture(params=["laptop", "server"])
def instance(request, tmp_path, monkeypatch):
    """The laptop's instance, and the server's (deploy/dagster.yaml on PostgreSQL, where
    dagster-postgres inserts a batch of materializations at once)."""
    if request.param == "laptop":
        yield request.getfixturevalue("laptop")
        return
    with fresh_database() as database:
        monkeypatch.setenv("DAGSTER_POSTGRES_URL", dagster_url(database))
        with _instance(tmp_path, monkeypatch, "dagster.yaml") as server:
            yield server


def run_batch(instance, integration_ids: list[str]):
    """sync_all over the partition range first..last, as a backfill run of this batch does."""
    from pipelines.definitions import defs

    instance.add_dynamic_partitions(INTEGRATIONS, integration_ids)
    return defs.resolve_job_def("sync_all").execute_in_process(
        instance=instance, raise_on_error=False,
        tags={RANGE_START_TAG: integration_ids[0], RANGE_END_TAG: integration_ids[-1]},
    )


def materializations(instance, run_id: str) -> dict[tuple[str, str], dict]:
    """(asset, partition) -> metadata of the run's materializations."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    return {
        (r.event_log_entry.dagster_event.asset_key.to_user_string(), r.event_log_entry.dagster_event.partition):
        r.event_log_entry.asset_materialization.metadata
        for r in records
    }


def test_a_rejected_key_fails_that_integration_only(warehouse, instance, imitation, exchange):
    good = exchange("binance")
    secret = imitation.binance.secret
    wrong = "wrong" + secret[5:]
    bad = exchange("binance", name="Wrong key", credentials={"apiKey": imitation.binance.api_key, "secret": wrong})
    kraken = exchange("kraken")
    with connect(warehouse) as con:
        paper = add_integration(con, "trader", "Paper", "manual")
    batch = [good, bad, kraken, paper]  # the failing one inside the range

    result = run_batch(instance, batch)

    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "raw_records_sources_read"
    message = failure.step_failure_data.error.message
    assert f"binance rejected the API key of integration {bad}" in message
    assert good not in message and kraken not in message
    assert secret not in message and wrong not in message
    run = instance.get_run_by_id(result.run_id)
    assert list(json.loads(run.tags[FAILED_TAG])) == [bad]

    # The others are stored and built; the failed one changed nothing.
    with connect(warehouse, read_only=True) as con:
        raw = dict(con.execute("SELECT integration_id, count(*) FROM raw.records GROUP BY ALL").fetchall())
        built = {r[0] for r in con.execute("SELECT DISTINCT integration_id FROM marts.balance_reconciliation").fetchall()}
    assert raw[good] > 0 and raw[kraken] > 0 and bad not in raw
    assert {good, kraken} <= built and bad not in built

    # Every partitioned asset: materialized for the others, failed for the rejected key.
    for asset in PARTITIONED:
        status = instance.get_status_by_partition(dg.AssetKey(asset), batch, integrations_partitions)
        assert status[bad] == dg.AssetPartitionStatus.FAILED, asset
        assert {status[i] for i in (good, kraken, paper)} == {dg.AssetPartitionStatus.MATERIALIZED}, asset

    # Each partition carries its own integration's numbers.
    events = materializations(instance, result.run_id)
    assert {p for (a, p) in events if a == "raw_records"} == {good, kraken, paper}
    assert events[("raw_records", good)]["kind"].value == "exchange"
    assert events[("raw_records", paper)]["kind"].value == "manual"
    assert events[("raw_records", good)]["fetched"].value > 0 and events[("raw_records", paper)]["fetched"].value == 0
    with connect(warehouse, read_only=True) as con:
        for integration in (good, kraken, paper):
            (rows,) = con.execute("SELECT count(*) FROM core.transactions WHERE integration_id = ?", [integration]).fetchone()
            assert events[("transactions", integration)]["rows"].value == rows

    # The balances check has one evaluation per integration that synced.
    checks = [c for c in result.get_asset_check_evaluations() if c.check_name == "balances_match"]
    assert sorted(c.partition for c in checks) == sorted([good, kraken, paper])


def test_a_batch_run_logs_per_step_not_per_integration(warehouse, laptop, imitation, exchange):
    """Routine lines of a batch are one log event per step; every partition is materialized."""
    batch = [exchange("binance"), exchange("kraken"), exchange("binance", name="Second")]
    result = run_batch(laptop, batch)
    assert result.success
    logs = [r.event_log_entry for r in laptop.get_records_for_run(result.run_id).records
            if not r.event_log_entry.is_dagster_event and r.event_log_entry.step_key == "raw_records"]
    (extract_log,) = logs
    for integration in batch:
        assert f"{integration}: reading" in extract_log.user_message
    events = materializations(laptop, result.run_id)
    assert {p for (a, p) in events if a in PARTITIONED} == set(batch)
    assert len([k for k in events if k[0] in PARTITIONED]) == len(PARTITIONED) * len(batch)
    # After a successful batch every integration's checks passed (not "skipped").
    for asset, check in (("raw_records", "sources_read"), ("transactions", "transactions_quality")):
        assert check_outcomes(laptop, asset, check, result.run_id) == dict.fromkeys(batch, ("SUCCEEDED", "ERROR"))
    assert check_outcomes(laptop, "balance_reconciliation", "balances_match", result.run_id) == dict.fromkeys(
        batch, ("SUCCEEDED", "WARN"))


def check_outcomes(instance, asset: str, check: str, run_id: str) -> dict[str, tuple]:
    """partition -> (status, severity) of the check's evaluations in this run (a partition only
    planned shows its status and no severity)."""
    key = dg.AssetCheckKey(dg.AssetKey(asset), check)
    records = instance.event_log_storage.get_asset_check_execution_history(key, limit=100)
    return {r.partition: (r.status.value, getattr(r.evaluation, "severity", None) and r.evaluation.severity.value)
            for r in records if r.run_id == run_id}


def test_checks_record_one_evaluation_per_integration(warehouse, instance, imitation, exchange):
    """A batch run's checks are per integration, as its materializations are: the failed source's
    partition fails `sources_read`, the others pass; `balances_match` says which integration
    mismatches (WARN for an exchange); `transactions_quality` passes for each one built."""
    imitation.faults.delist("binance", "SOL/USDT")
    binance, kraken = exchange("binance"), exchange("kraken")
    bad = exchange("binance", name="Wrong key",
                   credentials={"apiKey": imitation.binance.api_key, "secret": "wrong" + imitation.binance.secret[5:]})
    with connect(warehouse) as con:
        paper = add_integration(con, "trader", "Paper", "manual")
    batch = [binance, bad, kraken, paper]

    result = run_batch(instance, batch)

    assert not result.success
    assert check_outcomes(instance, "raw_records", "sources_read", result.run_id) == {
        binance: ("SUCCEEDED", "ERROR"), bad: ("FAILED", "ERROR"), kraken: ("SUCCEEDED", "ERROR"),
        paper: ("SUCCEEDED", "ERROR")}
    # The failed source's partition was not built: its later checks stay planned in the failed run.
    assert check_outcomes(instance, "transactions", "transactions_quality", result.run_id) == {
        binance: ("SUCCEEDED", "ERROR"), bad: ("PLANNED", None), kraken: ("SUCCEEDED", "ERROR"),
        paper: ("SUCCEEDED", "ERROR")}
    assert check_outcomes(instance, "balance_reconciliation", "balances_match", result.run_id) == {
        binance: ("FAILED", "WARN"), bad: ("PLANNED", None), kraken: ("SUCCEEDED", "WARN"),
        paper: ("SUCCEEDED", "ERROR")}
    key = dg.AssetCheckKey(dg.AssetKey("balance_reconciliation"), "balances_match")
    (record,) = [r for r in instance.event_log_storage.get_asset_check_execution_history(key, limit=100)
                 if r.partition == binance]
    assert record.evaluation.metadata["mismatches"].value >= 2

    # What the UI shows per partition: an evaluation counts while it targets the partition's latest
    # materialization, so each one must name it.
    for asset, check, passed, failed in (
        ("raw_records", "sources_read", {binance, kraken, paper}, {bad}),
        ("transactions", "transactions_quality", {binance, kraken, paper}, set()),
        ("balance_reconciliation", "balances_match", {kraken, paper}, {binance}),
    ):
        infos = instance.event_log_storage.get_asset_check_partition_info(
            [dg.AssetCheckKey(dg.AssetKey(asset), check)], partition_keys=batch)
        shown = {i.partition_key: i.latest_execution_status.value for i in infos
                 if i.is_current and i.latest_execution_status.value != "PLANNED"}  # planned: the failed run's
        assert shown == {**dict.fromkeys(passed, "SUCCEEDED"), **dict.fromkeys(failed, "FAILED")}, (check, shown)
