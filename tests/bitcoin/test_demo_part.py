"""The demo part registers a Bitcoin wallet whose sync matches the explorer to the satoshi."""

from __future__ import annotations

import contextlib

from pipelines.demo_parts import bitcoin
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import list_integrations
from pipelines.warehouse import connect


def test_demo_part_registers_a_wallet_that_syncs_and_matches(warehouse, sync, query):
    with contextlib.ExitStack() as stack:
        with connect(warehouse) as con:
            add_account(con, "demo", "Europe/Vienna", "EUR")
            bitcoin.setup(con, "demo", stack)
            [integration] = list_integrations(con, "demo")
        assert (integration.kind, integration.provider, integration.group_name) == ("wallet", "bitcoin", "Wallets")
        sync(integration.integration_id, full=True)
    [(synced, calculated, status)] = query(
        "SELECT synced, calculated, status FROM marts.balance_reconciliation WHERE integration_id = ?",
        integration.integration_id)
    assert synced == calculated > 0 and status == "match"
