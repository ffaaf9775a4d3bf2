"""The demo part registers a Solana wallet whose sync matches the node to the lamport."""

from __future__ import annotations

import contextlib

from pipelines.demo import DEMO_PARTS
from pipelines.demo_parts import solana
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import list_integrations
from pipelines.warehouse import connect


def test_demo_part_registers_a_wallet_that_syncs_and_matches(warehouse, sync, query):
    assert "pipelines.demo_parts.solana" in DEMO_PARTS
    with contextlib.ExitStack() as stack:
        with connect(warehouse) as con:
            add_account(con, "demo", "Europe/Vienna", "EUR")
            solana.setup(con, "demo", stack)
            [integration] = list_integrations(con, "demo")
        assert (integration.kind, integration.provider, integration.group_name) == ("wallet", "solana", "Wallets")
        sync(integration.integration_id, full=True)
    rows = query("SELECT asset_id, synced, calculated, status FROM marts.balance_reconciliation WHERE integration_id = ?",
                 integration.integration_id)
    assert len(rows) == 5 and all(synced == calculated and status == "match" for _, synced, calculated, status in rows)
    assert dict((r[0], r[1]) for r in rows)["solana:native"] > 0
