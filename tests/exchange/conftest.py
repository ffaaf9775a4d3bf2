"""Fixtures for exchange tests: the imitation over real HTTP, an account, and a sync helper."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines.connectors.exchange.client import ExchangeUnavailable
from pipelines.imitations.exchange import ExchangeImitation
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.sync.build import build
from pipelines.sync.extract import extract
from pipelines.warehouse import connect, transaction
from tests.helpers import snapshot

#: Fast test settings: short backoff and timeout, ccxt's pacing off (the imitation enforces budgets).
FAST = {"retry_backoff_s": 0.02, "timeout_ms": 1500, "rate_limit_ms": 0.01, "start_date": "2025-01-01"}


class Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, msg: str) -> None:
        self.lines.append(msg)

    def warning(self, msg: str) -> None:
        self.lines.append(msg)


@pytest.fixture
def imitation():
    with ExchangeImitation(seed=11, kraken_counter_max=10_000) as server:
        yield server


@pytest.fixture
def account(warehouse):
    with connect(warehouse) as con:
        add_account(con, "trader", "UTC", "EUR")
    return "trader"


@pytest.fixture
def exchange(warehouse, account, imitation):
    """Add an exchange integration pointed at the imitation; returns its id."""

    def add(provider: str, name: str | None = None, credentials: dict | None = None, **settings) -> str:
        creds = credentials or {"apiKey": getattr(imitation, provider).api_key, "secret": getattr(imitation, provider).secret}
        with connect(warehouse) as con:
            return add_integration(
                con, account, name or provider.title(), "exchange", provider,
                settings={"api_origin": imitation.url, **FAST, **settings}, credentials=creds,
            )

    return add


def key_and_secret_adder(warehouse, account: str, provider: str, server, name: str):
    """add(key=None, secret=None, name=name, **settings): registers an integration of `provider` on
    its imitation `server` (its `url`, `api_key` and `secret`), with FAST settings; returns its id."""

    def add(key: str | None = None, secret: str | None = None, name: str = name, **settings) -> str:
        with connect(warehouse) as con:
            return add_integration(con, account, name, "exchange", provider,
                                   settings={"api_origin": server.url, **FAST, **settings},
                                   credentials={"apiKey": key or server.api_key, "secret": secret or server.secret})

    return add


def sync(warehouse, integration_id: str, *, full: bool = False, log: Log | None = None):
    """Extract then build every layer, as one Dagster partition run does."""
    result = extract(integration_id, full=full, log=log or Log(), warehouse=str(warehouse))
    with connect(warehouse) as con, transaction(con):
        build(con, [integration_id])
    return result


def amounts(warehouse, table: str, integration_id: str) -> dict[str, Decimal]:
    with connect(warehouse) as con:
        return dict(con.execute(f"SELECT asset_id, amount FROM {table} WHERE integration_id = ?", [integration_id]).fetchall())


def mismatched(warehouse, integration_id: str) -> set[str]:
    with connect(warehouse) as con:
        return {r[0] for r in con.execute(
            "SELECT asset_id FROM marts.balance_reconciliation WHERE integration_id = ? AND status <> 'match'",
            [integration_id]).fetchall()}


#: What a sync with nothing new must leave exactly as it was (raw records but their fetch time).
LAYERS = ("raw.records SELECT * EXCLUDE (fetched_at)", "core.transactions", "core.ledger_entries",
          "marts.calculated_balances", "marts.balance_reconciliation")
#: What a sync writes: a sync that fails must leave every one of these as it was.
WAREHOUSE = ("app.sync_state", "raw.records", "raw.balance_snapshots", "core.transactions",
             "marts.calculated_balances", "core.synced_balances", "marts.balance_reconciliation")


def exact(warehouse, server, integration_id: str) -> None:
    """Calculated and synced balances both equal the imitation's truth (`true_balances`): no mismatch."""
    truth = server.true_balances()
    assert amounts(warehouse, "marts.calculated_balances", integration_id) == truth
    assert amounts(warehouse, "core.synced_balances", integration_id) == truth
    assert mismatched(warehouse, integration_id) == set()


def faulty_sync_ends_exact_or_cleanly_failed(warehouse, server, integration_id: str, seed: int,
                                             failures: tuple[type[Exception], ...] = (ExchangeUnavailable,)) -> None:
    """A full sync while `server` fails a seeded random fifth of the requests (its `randomly`) either
    retries every fault and ends exact, or fails saying nothing was written and leaves the
    warehouse as it was; never a partial history."""
    before = snapshot(warehouse, WAREHOUSE)
    server.randomly(0.2, seed=seed)
    try:
        result = sync(warehouse, integration_id, full=True)
    except failures as exc:
        assert "nothing was written" in str(exc)
        assert snapshot(warehouse, WAREHOUSE) == before
    else:
        assert result.snapshot.stats["retries"] == server.injected
        exact(warehouse, server, integration_id)
    assert server.injected > 0
