"""Idempotence: ten syncs of an integration, interleaved with new activity at its source (and some
with nothing new), give exactly the rows one fresh sync of the same source gives afterwards: no
duplicate, nothing lost, for every connector (Binance, Kraken and the other first-class exchanges, an
EVM wallet, Bitcoin, Litecoin, Dogecoin and Bitcoin Cash wallets, a Tron and a Solana wallet, and a
manual integration). A sync that finds nothing new changes no row."""

from __future__ import annotations

from decimal import Decimal

from pipelines.manual.entry import add_transaction
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.reliability.worlds import assert_exact, layers, synced

SYNCS = 10
QUIET_ROUNDS = {3, 7}  # rounds that sync again with nothing new: that sync must change nothing


def test_ten_syncs_with_new_activity_equal_one_fresh_sync(warehouse, world):
    repeated = world.add("Repeated")
    for round_ in range(SYNCS):
        synced(repeated)
        if round_ in QUIET_ROUNDS:
            before = layers(warehouse, repeated)
            synced(repeated)
            assert layers(warehouse, repeated) == before, f"round {round_}: a sync without activity changed rows"
        else:
            world.new_activity()
    synced(repeated)  # the last activity too
    fresh = world.add("Fresh")
    synced(fresh)
    assert layers(warehouse, repeated) == layers(warehouse, fresh)
    assert_exact(warehouse, repeated, world.truth())


def test_manual_integration_ten_syncs_equal_one_fresh_sync(warehouse):
    with connect(warehouse) as con:
        add_account(con, "rel", "UTC", "EUR")
        repeated = add_integration(con, "rel", "Repeated", "manual")
        fresh = add_integration(con, "rel", "Fresh", "manual")
    entries = []
    for round_ in range(SYNCS):
        entry = (f"2024-01-{round_ + 1:02d} 12:00", "Deposit", f"{round_ + 1}.5 ETH")
        entries.append(entry)
        with connect(warehouse) as con:
            add_transaction(con, repeated, entry[0], entry[1], incoming=entry[2])
        synced(repeated)
        synced(repeated)  # and once more with nothing new
    with connect(warehouse) as con:
        for date, label, amount in entries:
            add_transaction(con, fresh, date, label, incoming=amount)
    synced(fresh)
    assert manual_rows(warehouse, repeated) == manual_rows(warehouse, fresh)
    with connect(warehouse, read_only=True) as con:
        [(balance,)] = con.execute("SELECT amount FROM marts.calculated_balances WHERE integration_id = ?",
                                   [repeated]).fetchall()
    assert balance == sum(Decimal(f"{n}.5") for n in range(1, SYNCS + 1))


def manual_rows(warehouse, integration_id: str) -> dict[str, list]:
    """A manual integration's rows without their ids (random per entry), and the ids that repeat."""
    queries = {
        "transactions": "SELECT * EXCLUDE (tx_id, integration_id) FROM core.transactions WHERE integration_id = ?",
        "ledger": "SELECT * EXCLUDE (tx_id, integration_id) FROM core.ledger_entries WHERE integration_id = ?",
        "repeated_ids": "SELECT tx_id FROM core.transactions WHERE integration_id = ? GROUP BY tx_id HAVING count(*) > 1",
    }
    with connect(warehouse, read_only=True) as con:
        return {name: sorted(map(repr, con.execute(q, [integration_id]).fetchall())) for name, q in queries.items()}
