"""The demo's wallet part, synced by a real in-process Dagster run of `sync_all`."""

from __future__ import annotations

import contextlib


def test_demo_wallet_syncs_through_dagster_and_matches(warehouse):
    from pipelines.demo_parts import wallet
    from pipelines.registry.accounts import add_account
    from pipelines.runner import sync
    from pipelines.warehouse import connect, transaction

    with contextlib.ExitStack() as stack:
        with connect(warehouse) as con, transaction(con):
            add_account(con, "demo", "Europe/Vienna", "EUR")
            wallet.setup(con, "demo", stack)
            (integration,) = [r[0] for r in con.execute("SELECT integration_id FROM app.integrations").fetchall()]
        (outcome,) = sync([integration], full=True)
        assert outcome.success, outcome.error
    with connect(warehouse) as con:
        rows = con.execute(
            "SELECT asset, synced, calculated, status, ignored FROM marts.balance_reconciliation WHERE integration_id = ?",
            [integration],
        ).fetchall()
        labels = dict(con.execute(
            "SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY label", [integration]
        ).fetchall())
    assert {r[0] for r in rows} == {"ETH", "DUSD", "USDT"}
    assert all(synced == calculated and status == "match" for _, synced, calculated, status, _ in rows)
    assert {r[0]: r[4] for r in rows} == {"ETH": False, "DUSD": False, "USDT": True}
    assert labels == {"Deposit": 4, "Withdrawal": 2, "Fee": 1}
