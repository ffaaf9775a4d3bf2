"""The batched SQLite event log stores exactly what Dagster's own SQLite event log stores.

The same partition-range run goes to two instances with DAGSTER_EVENT_BATCH_SIZE set: one on
Dagster's `SqliteEventLogStorage` (which writes a batch one event at a time), one on
`BatchedSqliteEventLogStorage` (one transaction per database). Everything Dagster reads back about
the run and its assets must be the same.
"""

import dagster as dg
import pytest

from pipelines.orchestration.event_log import BatchedSqliteEventLogStorage

PARTITIONS = dg.DynamicPartitionsDefinition(name="keys")
KEYS = [f"k{n}" for n in range(6)]


@dg.asset(partitions_def=PARTITIONS, backfill_policy=dg.BackfillPolicy.single_run())
def upstream(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    for key in context.partition_keys:
        context.add_asset_metadata({"key": key}, partition_key=key)
    return dg.MaterializeResult(metadata={"batch": len(context.partition_keys)}, data_version=dg.DataVersion("v1"))


@dg.multi_asset(
    specs=[dg.AssetSpec("left", deps=[upstream], partitions_def=PARTITIONS),
           dg.AssetSpec("right", deps=[upstream], partitions_def=PARTITIONS)],
    check_specs=[dg.AssetCheckSpec("positive", asset="right")],
    partitions_def=PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def pair(context: dg.AssetExecutionContext):
    yield dg.MaterializeResult(asset_key="left", metadata={"side": "left"})
    yield dg.MaterializeResult(asset_key="right", metadata={"side": "right"})
    yield dg.AssetCheckResult(check_name="positive", asset_key="right", passed=True)


@dg.asset(deps=["left", "right"])
def summary() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"done": True})


DEFS = dg.Definitions(assets=[upstream, pair, summary], jobs=[dg.define_asset_job("everything")])
ASSETS = [dg.AssetKey(k) for k in ("upstream", "left", "right", "summary")]


def _instance(tmp_path, name: str, batched: bool):
    overrides = {"event_log_storage": {"module": "pipelines.orchestration.event_log",
                                       "class": "BatchedSqliteEventLogStorage",
                                       "config": {"base_dir": str(tmp_path / name / "history" / "runs")}}}
    (tmp_path / name).mkdir()
    instance = dg.DagsterInstance.local_temp(str(tmp_path / name), overrides=overrides if batched else None)
    assert isinstance(instance.event_log_storage, BatchedSqliteEventLogStorage) == batched
    instance.add_dynamic_partitions("keys", KEYS)
    return instance


def _stored(instance, run_id: str) -> dict:
    """What Dagster reads back about the run, without ids and times."""
    def event(record):
        entry = record.event_log_entry
        e = entry.dagster_event
        if e is None:
            return ("log", entry.user_message)
        data = e.event_specific_data
        metadata = dict(data.materialization.metadata) if e.is_step_materialization else None
        return (e.event_type_value, e.step_key, e.asset_key, e.partition, metadata and sorted(metadata.items()))

    out: dict = {"run": [event(r) for r in instance.get_records_for_run(run_id).records]}
    for key in ASSETS:
        (record,) = instance.get_asset_records([key])
        entry = record.asset_entry
        out[key] = {
            "last_run": entry.last_run_id == run_id,
            "last_materialization": event(entry.last_materialization_record),
            "materialized": sorted(instance.get_materialized_partitions(key)) if key != ASSETS[-1] else None,
            "history": [event(r) for r in instance.fetch_materializations(key, limit=100).records],
            # Data versions hash the run id (no code versions here): compare which tags, and the pointers.
            "tags": sorted((k, v if "pointer" in k else None) for r in instance.fetch_materializations(key, limit=100).records
                           for k, v in (r.asset_materialization.tags or {}).items()),
        }
        if key != ASSETS[-1]:
            tagged = instance.event_log_storage.get_latest_tags_by_partition(
                key, dg.DagsterEventType.ASSET_MATERIALIZATION, ["dagster/data_version"])
            out[key]["tagged_partitions"] = sorted(tagged)
            status = instance.get_status_by_partition(key, KEYS, PARTITIONS)
            out[key]["status"] = sorted((k, v and v.value) for k, v in status.items())
    (check,) = [c for c in instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("right"), "positive"), limit=10)]
    out["check"] = (check.run_id == run_id, check.status)
    return out


@pytest.mark.parametrize("batch_size", ["1000", "4"])
def test_batched_event_log_stores_what_dagster_stores(tmp_path, monkeypatch, batch_size):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", batch_size)
    batches: list[int] = []
    write = BatchedSqliteEventLogStorage._store_asset_events
    monkeypatch.setattr(BatchedSqliteEventLogStorage, "_store_asset_events",
                        lambda self, events: (batches.append(len(events)), write(self, events)))
    job = DEFS.resolve_job_def("everything")
    tags = {"dagster/asset_partition_range_start": KEYS[1], "dagster/asset_partition_range_end": KEYS[-2]}
    stored = {}
    for name, batched in (("dagster", False), ("batched", True)):
        instance = _instance(tmp_path, name, batched)
        result = job.execute_in_process(instance=instance, tags=tags)
        stored[name] = _stored(instance, result.run_id)
    assert stored["batched"] == stored["dagster"]
    assert max(batches) == min(int(batch_size), 3 * 4 + 1)  # planned: 3 assets x 4 partitions, and summary
    statuses = dict(stored["batched"][dg.AssetKey("left")]["status"])
    assert statuses[KEYS[0]] is None  # outside the run's range: never planned
    assert statuses[KEYS[2]] == dg.AssetPartitionStatus.MATERIALIZED.value


def test_kept_connections_write_where_other_processes_read(tmp_path):
    """The storage keeps a SQLite connection per database; another process (here another storage on
    the same directory) must read what it writes, also after `wipe` deleted the run shards' files
    (a connection kept to a deleted file would go on writing into it, unseen)."""
    writer = _instance(tmp_path, "writer", batched=True)
    result = DEFS.resolve_job_def("everything").execute_in_process(instance=writer, partition_key=KEYS[0])
    storage = writer.event_log_storage
    assert storage._engines, "connections are kept between queries"  # noqa: SLF001
    base_dir = str(tmp_path / "writer" / "history" / "runs")

    def read(run_id):
        reader = BatchedSqliteEventLogStorage(base_dir)
        try:
            return [r.event_log_entry.message for r in reader.get_records_for_run(run_id).records]
        finally:
            reader.dispose()

    assert len(read(result.run_id)) == len(storage.get_records_for_run(result.run_id).records) > 10
    storage.wipe()
    writer.report_engine_event("after the wipe", writer.get_run_by_id(result.run_id))
    assert read(result.run_id) == ["after the wipe"]


def test_new_run_shards_are_what_dagster_creates(tmp_path):
    """A run's database is copied from a template made by Dagster's own `_initdb`: the same tables,
    indexes, journal mode and alembic revision as a shard Dagster's storage creates."""
    import sqlite3

    from dagster._core.storage.event_log import SqliteEventLogStorage

    def describe(path):
        with sqlite3.connect(path) as con:
            return (sorted(con.execute("SELECT type, name, sql FROM sqlite_master")),
                    con.execute("PRAGMA journal_mode").fetchall(),
                    con.execute("SELECT version_num FROM alembic_version").fetchall())

    shards = {}
    for name, storage_class in (("dagster", SqliteEventLogStorage), ("batched", BatchedSqliteEventLogStorage)):
        storage = storage_class(str(tmp_path / name))
        for run_id in ("first-run", "second-run"):  # the second from the template made for the first
            with storage.run_connection(run_id):
                pass
            shards[name, run_id] = describe(storage.path_for_shard(run_id))
        storage.dispose()
    assert shards["dagster", "first-run"][0]  # tables were created
    assert shards["batched", "first-run"] == shards["batched", "second-run"] == shards["dagster", "first-run"]
    assert not list(tmp_path.glob("batched/*.new"))


def test_the_run_shard_template_is_kept_for_the_next_process(tmp_path, monkeypatch):
    """A CLI sync is one run per process: the template made by the first process is kept beside the
    shards, and a later process copies it instead of running `_initdb` again (and the kept file is
    not taken for a run's database)."""
    monkeypatch.setattr(BatchedSqliteEventLogStorage, "_template", None)
    storage = BatchedSqliteEventLogStorage(str(tmp_path / "runs"))
    with storage.run_connection("first-run"):
        pass
    storage.dispose()
    [kept] = (tmp_path / "runs").glob(".run-shard-*.template")
    assert kept.read_bytes() == BatchedSqliteEventLogStorage._template

    def no_initdb(self):
        raise AssertionError("a later process must read the kept template")

    monkeypatch.setattr(BatchedSqliteEventLogStorage, "_template", None)  # as in a new process
    monkeypatch.setattr(BatchedSqliteEventLogStorage, "_new_template", no_initdb)
    storage = BatchedSqliteEventLogStorage(str(tmp_path / "runs"))
    with storage.run_connection("second-run"):
        pass
    assert (tmp_path / "runs" / "second-run.db").read_bytes() == kept.read_bytes()
    assert sorted(p.name for p in (tmp_path / "runs").glob("*.db")) == ["first-run.db", "index.db", "second-run.db"]
    storage.dispose()


def test_run_databases_sync_at_checkpoints_not_at_every_commit(tmp_path):
    """Every connection of the batched event log runs with synchronous=NORMAL (1) in WAL mode:
    SQLite's default FULL (2) syncs the disk at each of a run's ~270 event commits."""
    storage = BatchedSqliteEventLogStorage(str(tmp_path / "runs"))
    with storage.run_connection("a-run") as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with storage.index_connection() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    storage.dispose()
