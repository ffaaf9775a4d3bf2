"""A batch whose integrations take different ways through the build (pipelines/sync/build.py): the
calculated balances step runs its rebuilt part for some and its delta part for others in one
transaction, and each integration must come out as its own full build."""

from __future__ import annotations

from datetime import datetime

from pipelines.manual.entry import add_transaction
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.sync.build import build
from pipelines.warehouse import transaction
from tests.build.test_incremental import full_build_of_this_state, layers

ME, FRIEND = "0x" + "1" * 40, "0x" + "2" * 40


def _native_transfer(number: int, wei: int, sender: str, receiver: str) -> tuple:
    """A raw ETH transfer record of wallet `w` (a block scan's top-level transaction), fetched by sync `number`."""
    tx = f"0x{number:064x}"
    payload = f'{{"from": "{sender}", "to": "{receiver}", "value": "{wei}"}}'
    return "w", "native_transfers", f"{tx}:0", datetime(2025, 5, 1, number), payload, datetime(2030, 1, 1, number)


def test_one_batch_rebuilds_one_integration_and_applies_another_ones_deltas(con):
    add_account(con, "a", "UTC", "EUR")
    con.execute("INSERT INTO app.integrations (integration_id, account_id, name, kind, provider, settings, created_at) "
                "VALUES ('w', 'a', 'W', 'wallet', 'ethereum', ?, now()::TIMESTAMP)", [f'{{"addresses": ["{ME}"]}}'])
    con.execute("INSERT INTO raw.records VALUES ('w', 'chain', 'ethereum', NULL, "
                "'{\"native_symbol\": \"ETH\", \"native_decimals\": 18, \"known_tokens\": []}', TIMESTAMP '2030-01-01')")
    manual = add_integration(con, "a", "Cold storage", "manual")
    batch = ["w", manual]

    def sync(number: int, records: list[tuple], manual_amount: str) -> list[str]:
        """Land the wallet's new records and a new manual transaction, build the batch once, and
        return which integrations were rebuilt in full."""
        con.executemany("INSERT INTO raw.records VALUES (?, ?, ?, ?, ?, ?)", records)
        add_transaction(con, manual, f"2025-01-0{number + 1} 10:00", "Deposit", utc=True, incoming=f"{manual_amount} BTC")
        with transaction(con):
            build(con, batch)
        return sorted(r[0] for r in con.execute("SELECT integration_id FROM build_rebuilt").fetchall())

    assert sync(0, [_native_transfer(1, 3 * 10**18 + 1, FRIEND, ME)], "1.000000000000000001") == sorted(batch)
    # The wallet's new record has a group of its own (incremental); the manual edit changes the
    # manual integration's fingerprint (rebuilt in full): both parts of the step in one build.
    assert sync(1, [_native_transfer(2, 10**18, ME, FRIEND)], "0.5") == [manual]
    for integration in batch:
        assert layers(con, integration) == full_build_of_this_state(con, integration)
    balances = dict(con.execute("SELECT integration_id, amount FROM marts.calculated_balances ORDER BY 1").fetchall())
    assert {k: str(v) for k, v in balances.items()} == {manual: "1.500000000000000001", "w": "2.000000000000000001"}
