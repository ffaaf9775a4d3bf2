"""raw_records: what each integration's source says, landed exactly as received."""


import traceback

import dagster as dg

from pipelines.assets.partitions import integrations_partitions
from pipelines.orchestration.batch import BatchLog, StepBatch, failures
from pipelines.orchestration.runs import FULL_RESYNC_TAG
from pipelines.resources.warehouse import WarehouseResource
from pipelines.settings import sync_batch_size


class ExtractConfig(dg.Config):
    """`full`: forget the cursors and re-import everything from the integration's start date."""

    full: bool = False


@dg.asset(
    partitions_def=integrations_partitions,
    group_name="extract",
    kinds={"python", "duckdb"},
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=sync_batch_size()),
    description="Records exactly as each integration's source gave them (raw.records), plus a balance "
    "snapshot taken at the same cut-off (raw.balance_snapshots) and the stream cursors (app.sync_state).",
)
def raw_records(context: dg.AssetExecutionContext, config: ExtractConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Runs the integration's connector. Network reads happen with the warehouse closed; the write is
    one short transaction, so extraction of many integrations runs in parallel.

    A run over a batch of integrations (backfill policy) reads their sources in parallel threads
    (`pipelines.sync.extract_batch`: each source within its limits, the writes one at a time). One whose source fails
    changes nothing in the warehouse and is left out of the rest of the run (the `sources_read`
    check then fails the run, naming it); the others are stored and materialized. When every
    integration of the run failed, this step fails (a single integration's run with its source's
    error, as before batches)."""
    from pipelines.sync.extract import extract
    from pipelines.sync.extract_batch import extract_batch, source_keys

    full = config.full or context.run.tags.get(FULL_RESYNC_TAG) == "true"
    batch = StepBatch(context)
    log = BatchLog(context.log)
    metadata: dict[str, dict] = {}
    failed: dict[str, str] = {}
    errors: list[Exception] = []
    with warehouse.connect() as con:
        sources = source_keys(con, batch.integrations)
    for integration_id, result, exc in extract_batch(
        sources,
        lambda integration_id, worker_log: extract(integration_id, full=full, log=worker_log,
                                                   warehouse=warehouse.resolved_path()),
        log,
    ):
        if exc is not None:  # any failure of one source fails that integration only
            errors.append(exc)
            failed[integration_id], expected = _reason(exc)
            log.error(f"{integration_id}: sync failed: {failed[integration_id]}"
                      + ("" if expected else "\n" + "".join(traceback.format_exception(exc))))
            continue
        metadata[integration_id] = {
            "kind": result.kind,
            "full_resync": full,
            "fetched": sum(result.fetched.values()),
            "new_records": result.inserted,
            "fetched_by_stream": dict(result.fetched),
            "synced_balance_assets": result.balances,
            **{f"stats/{k}": v for k, v in result.snapshot.stats.items()},
        }
    metadata = {i: metadata[i] for i in batch.integrations if i in metadata}  # (finished in any order)
    log.info(f"{len(metadata)} of {len(batch.partition_keys)} integrations extracted, "
             f"{sum(m['new_records'] for m in metadata.values())} new records")
    log.flush()
    if failed:
        batch.fail(failed)
        if not metadata:  # nothing left to sync: the step fails (with the source's own error when alone)
            if len(errors) == 1:
                raise errors[0]
            raise dg.Failure(description=_summary(failed), allow_retries=False)
    return batch.materialize(raw_records.key, metadata)


@dg.asset_check(
    asset=raw_records,
    partitions_def=integrations_partitions,
    description="Every integration of the run was read from its source. Fails the run, naming each "
    "integration whose source failed (rejected API key, unreachable exchange or node) and why; the "
    "run's other integrations were stored and materialized.",
)
def sources_read(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    failed = failures(context)
    if failed:
        raise dg.Failure(description=_summary(failed), metadata={"failed_integrations": sorted(failed)},
                         allow_retries=False)
    return dg.AssetCheckResult(passed=True)


def _reason(exc: Exception) -> tuple[str, bool]:
    """Why an integration's sync failed, in one line, and whether sources fail that way (a rejected
    key, an exchange or node that stays down: connectors word these without secrets) or it is a bug
    (logged with its traceback)."""
    from pipelines.connectors.bitcoin.esplora import EsploraError
    from pipelines.connectors.exchange.client import ExchangeUnavailable
    from pipelines.connectors.tron.trongrid import TronGridError
    from pipelines.connectors.wallet.rpc import NodeUnreachable, RpcError
    from pipelines.errors import UserError

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, UserError):
        return text[:500], True
    expected = isinstance(exc, (ExchangeUnavailable, NodeUnreachable, RpcError, EsploraError, TronGridError))
    return f"{type(exc).__name__}: {text}"[:500], expected


def _summary(failed: dict[str, str]) -> str:
    return f"sync failed for {len(failed)} integration(s): " + "; ".join(f"{k}: {v}" for k, v in sorted(failed.items()))
