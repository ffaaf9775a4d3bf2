"""Fixtures for interchange tests: an account in a DST zone, manual integrations, a rebuild helper."""

from __future__ import annotations

import pytest

from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.sync.build import build
from pipelines.warehouse import transaction

CONTENT = ("occurred_at", "label", "outgoing_asset", "outgoing_amount", "incoming_asset", "incoming_amount",
           "fee_asset", "fee_amount", "comment", "external_id")


@pytest.fixture
def account(con):
    add_account(con, "alice", "Europe/Vienna", "EUR")
    return "alice"


@pytest.fixture
def manual(con, account):
    """Add a manual integration named `name`; returns its id."""
    return lambda name: add_integration(con, account, name, "manual")


def rebuild(con, integration_id: str) -> None:
    """Every build layer of one integration in one transaction, as a sync's warehouse step does."""
    with transaction(con):
        build(con, [integration_id])


def stored(con, integration_id: str, table: str = "app.manual_transactions") -> list[tuple]:
    """The content of an integration's transactions (no ids: they depend on the integration)."""
    return sorted(con.execute(f"SELECT {', '.join(CONTENT)} FROM {table} WHERE integration_id = ?",
                              [integration_id]).fetchall(), key=repr)


def balances(con, integration_id: str) -> dict:
    return dict(con.execute("SELECT asset_id, amount FROM marts.calculated_balances WHERE integration_id = ?",
                            [integration_id]).fetchall())
