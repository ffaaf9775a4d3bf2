"""Wallet tests run against one real anvil node per session (`node_url` and `chain` from
tests/conftest.py). Every test uses fresh addresses, so scenarios never see each other's history."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from pipelines.connectors.wallet.devnode import DevChain


class Wallets:
    """Registers wallet integrations for account 'alice' and syncs them as a Dagster run would:
    extract (network, warehouse closed), then the build steps in one transaction."""

    def __init__(self, warehouse, chain: DevChain, node_url: str) -> None:
        from pipelines.registry.accounts import add_account
        from pipelines.warehouse import connect, transaction

        self.warehouse, self.chain, self.node_url = warehouse, chain, node_url
        self.log = logging.getLogger("tests.wallet")
        with connect(warehouse) as con, transaction(con):
            add_account(con, "alice", "Europe/Vienna", "EUR")

    def add(self, name: str, addresses: list[str], provider: str = "ethereum", **settings) -> str:
        from pipelines.registry.integrations import add_integration
        from pipelines.warehouse import connect, transaction

        settings = {"rpc_url": self.node_url, "confirmations": 0, **settings, "addresses": addresses}
        with connect(self.warehouse) as con, transaction(con):
            return add_integration(con, "alice", name, "wallet", provider, settings=settings)

    def sync(self, integration_id: str, *, full: bool = False):
        from pipelines.sync.build import build
        from pipelines.sync.extract import extract
        from pipelines.warehouse import connect, transaction

        result = extract(integration_id, full=full, log=self.log, warehouse=self.warehouse)
        with connect(self.warehouse) as con, transaction(con):
            build(con, [integration_id])
        return result

    def query(self, sql: str, params=None) -> list[tuple]:
        from pipelines.warehouse import connect

        with connect(self.warehouse) as con:
            return con.execute(sql, params or []).fetchall()

    def reconciliation(self, integration_id: str) -> dict[str, tuple[Decimal, Decimal, str]]:
        """asset_id -> (synced, calculated, status)."""
        rows = self.query(
            "SELECT asset_id, synced, calculated, status FROM marts.balance_reconciliation WHERE integration_id = ?",
            [integration_id],
        )
        return {asset_id: (synced, calculated, status) for asset_id, synced, calculated, status in rows}

    def assert_balanced(self, integration_id: str) -> dict[str, tuple[Decimal, Decimal, str]]:
        """Calculated equals synced to the last base unit for every asset."""
        rec = self.reconciliation(integration_id)
        assert rec, "no balances at all"
        for asset_id, (synced, calculated, status) in rec.items():
            assert synced == calculated and status == "match", (asset_id, synced, calculated, status)
        return rec


@pytest.fixture
def wallets(warehouse, chain, node_url):
    return Wallets(warehouse, chain, node_url)
