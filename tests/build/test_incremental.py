"""An incremental build gives exactly the rows a full build gives.

Each test syncs a real history once (ccxt against the exchange imitation, web3 against anvil), then
replays that integration's raw records as several syncs: every record goes to a random sync (seeded),
so the legs of one Kraken refid or one EVM transaction hash, a market and its trades, a currency and
its records land in different syncs. After every sync the incremental build's rows are compared
with a full build of the same raw records (run in the same state, then rolled back), and after the
last one with the original full sync. Manual transactions are added, edited and deleted between syncs.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from pipelines.manual.entry import add_transaction, delete_transaction
from pipelines.sync.build import build
from pipelines.sync.extract import extract
from pipelines.warehouse import connect, transaction
from tests.bitcoin.conftest import add_wallet, esplora  # noqa: F401  (fixtures)
from tests.bitcoin.conftest import sync as sync_bitcoin  # noqa: F401  (fixture)
from tests.exchange.conftest import Log, account, exchange, imitation, sync  # noqa: F401  (fixtures)
from tests.wallet.conftest import wallets  # noqa: F401  (fixture; node_url and chain come from tests/conftest.py)

#: Every row a build writes for one integration; times a build stamps with now() are left out.
LAYERS = {
    "transactions": "SELECT * FROM core.transactions",
    "ledger_entries": "SELECT * FROM core.ledger_entries",
    "calculated_balances": "SELECT * FROM marts.calculated_balances",
    "synced_balances": "SELECT * EXCLUDE (synced_at) FROM core.synced_balances",
    "balance_reconciliation": "SELECT * FROM marts.balance_reconciliation",
    "divergence_points": "SELECT * EXCLUDE (computed_at) FROM marts.divergence_points",
    "superseded_manual": "SELECT * EXCLUDE (marked_at) FROM app.superseded_manual",
}


def layers(con, integration_id: str) -> dict[str, list[str]]:
    return {name: sorted(map(repr, con.execute(f"{q} WHERE integration_id = ?", [integration_id]).fetchall()))
            for name, q in LAYERS.items()}


def full_build_of_this_state(con, integration_id: str) -> dict[str, list[str]]:
    """The rows a full build of the current raw records gives, leaving the warehouse as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        build(con, [integration_id], full=True)
        return layers(con, integration_id)
    finally:
        con.execute("ROLLBACK")


def replay(warehouse, integration_id: str, syncs: int, seed: int, between=None) -> int:
    """Land the integration's raw records again as `syncs` syncs, building incrementally after each and
    comparing with a full build every time; returns how many builds ran incrementally."""
    with connect(warehouse) as con:
        records = con.execute("SELECT * FROM raw.records WHERE integration_id = ?", [integration_id]).fetchall()
        con.execute("DELETE FROM raw.records WHERE integration_id = ?", [integration_id])
        con.execute("DELETE FROM app.build_state WHERE integration_id = ?", [integration_id])
    rng = random.Random(seed)
    parts = [[] for _ in range(syncs)]
    for record in records:
        parts[rng.randrange(syncs)].append(record)
    incremental = 0
    start = datetime(2030, 1, 1)
    for number, part in enumerate(parts):
        with connect(warehouse) as con:
            fetched_at = start + timedelta(minutes=number)
            con.executemany("INSERT INTO raw.records VALUES (?, ?, ?, ?, ?, ?)",
                            [[*r[:5], fetched_at] for r in part])
            if between:
                between(con, number)
            with transaction(con):
                build(con, [integration_id])
            incremental += not con.execute("SELECT count(*) FROM build_rebuilt").fetchall()[0][0]
            assert layers(con, integration_id) == full_build_of_this_state(con, integration_id), f"sync {number}"
    return incremental


@pytest.mark.parametrize("provider", ["binance", "kraken"])
def test_exchange_history_split_into_syncs_builds_exactly_like_one_full_build(warehouse, exchange, provider):
    integration = exchange(provider)
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        once = layers(con, integration)
        assert once["transactions"] and once["ledger_entries"]
    incremental = replay(warehouse, integration, syncs=6, seed=7)
    assert incremental >= 2  # not everything fell back to a full build
    with connect(warehouse) as con:
        assert layers(con, integration) == once


def test_nothing_new_changes_nothing_and_a_full_resync_rebuilds(warehouse, exchange):
    integration = exchange("kraken")
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        once = layers(con, integration)
    built_at = "SELECT built_at FROM app.build_state WHERE integration_id = ?"
    with connect(warehouse) as con:
        before = con.execute(built_at, [integration]).fetchall()
    sync(warehouse, integration)  # nothing new at the source: the transactions step has nothing to do
    with connect(warehouse) as con:
        assert con.execute(built_at, [integration]).fetchall() == before
        assert layers(con, integration) == once
    sync(warehouse, integration, full=True)  # every raw record replaced: a full build
    with connect(warehouse) as con:
        assert layers(con, integration) == once


def test_manual_transactions_added_edited_and_deleted_between_syncs(warehouse, exchange):
    integration = exchange("binance")
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        deposit = con.execute("SELECT external_id, occurred_at, incoming_amount, incoming_asset FROM core.transactions "
                              "WHERE integration_id = ? AND label = 'Deposit' ORDER BY tx_id LIMIT 1",
                              [integration]).fetchall()[0]
    added: list[str] = []

    def edit(con, number: int) -> None:
        if number == 1:  # a typed copy of a synced deposit (superseded once both are there) and a plain one
            external_id, at, amount, asset = deposit
            added.append(add_transaction(con, integration, f"{at:%Y-%m-%d %H:%M}", "Deposit", utc=True,
                                         incoming=f"{amount} {asset}", external_id=external_id)[0])
            added.append(add_transaction(con, integration, "2025-02-01 10:00", "Deposit", utc=True, incoming="3 BTC")[0])
        elif number == 3:  # edited: deleted and typed again with another amount
            delete_transaction(con, integration, added.pop())
            added.append(add_transaction(con, integration, "2025-02-01 10:00", "Deposit", utc=True, incoming="4 BTC")[0])
        elif number == 4:
            add_transaction(con, integration, "2025-03-01 10:00", "Withdrawal", utc=True, outgoing="1 BTC")

    replay(warehouse, integration, syncs=6, seed=11, between=edit)
    with connect(warehouse) as con:
        manual = con.execute("SELECT count(*) FROM core.transactions WHERE integration_id = ? AND origin = 'manual'",
                             [integration]).fetchall()[0][0]
        superseded = con.execute("SELECT count(*) FROM app.superseded_manual WHERE integration_id = ?",
                                 [integration]).fetchall()[0][0]
    assert (manual, superseded) == (2, 1)


def test_evm_wallet_history_split_into_syncs_builds_exactly_like_one_full_build(warehouse, wallets, chain):
    me, friend = chain.new_address(), chain.new_address()
    chain.send(chain.faucet, friend, 10**18)
    start = chain.block + 1
    token = chain.deploy("TestToken", "Split", "SPLIT", 6)
    spam = chain.deploy("SpamToken", sender=friend)
    chain.send(chain.faucet, me, 2 * 10**18)
    chain.transact(token.functions.mint(me, 9_000_000), chain.faucet)
    chain.transact(spam.functions.airdrop(chain.faucet, [me], 5_000_000), friend)
    for amount in (1_000_000, 250_000, 125_000):
        chain.transact(token.functions.transfer(friend, amount), me)
        chain.send(me, friend, 10**16)
    chain.transact(spam.functions.transfer(friend, 1_000_000), me)  # sending it makes it solicited
    chain.send(me, me, 10**15)  # self-transfer: only the fee

    integration = wallets.add("Split", [me], start_block=start)
    wallets.sync(integration)
    with connect(warehouse) as con:
        once = layers(con, integration)
        assert once["transactions"]
    for seed in (3, 4):
        replay(warehouse, integration, syncs=5, seed=seed)
        with connect(warehouse) as con:
            assert layers(con, integration) == once


def test_bitcoin_wallet_history_split_into_syncs_builds_exactly_like_one_full_build(warehouse, add_wallet, sync_bitcoin):
    integration = add_wallet()
    sync_bitcoin(integration)
    with connect(warehouse) as con:
        once = layers(con, integration)
        assert once["transactions"]
    replay(warehouse, integration, syncs=4, seed=5)
    with connect(warehouse) as con:
        assert layers(con, integration) == once


def test_an_asset_whose_last_entries_net_away_leaves_the_calculated_balances(con):
    """A later token transfer in the same transaction hash nets the token to zero: its only entry leaves,
    none arrives, and the asset's calculated balance row goes (as in a full build)."""
    me, friend, token, tx = "0x" + "1" * 40, "0x" + "2" * 40, "0x" + "3" * 40, "0x" + "ab" * 32
    con.execute("INSERT INTO app.accounts (account_id, timezone, base_currency, created_at) VALUES ('a', 'UTC', 'EUR', now()::TIMESTAMP)")
    con.execute("INSERT INTO app.integrations (integration_id, account_id, name, kind, provider, settings, created_at) "
                "VALUES ('w', 'a', 'W', 'wallet', 'ethereum', ?, now()::TIMESTAMP)",
                [f'{{"addresses": ["{me}"], "tokens": ["{token}"]}}'])

    def transfer(index: int, sender: str, receiver: str) -> tuple:
        topic = lambda address: "0x" + address[2:].rjust(64, "0")  # noqa: E731
        payload = (f'{{"address": "{token}", "topics": ["0xddf2", "{topic(sender)}", "{topic(receiver)}"], '
                   f'"data": "0x{5_000_000:064x}", "transactionHash": "{tx}", "logIndex": "{hex(index)}"}}')
        return "token_transfers", f"{tx}:{index}", datetime(2025, 5, 1), payload

    syncs = [
        [("chain", "ethereum", None, '{"native_symbol": "ETH", "native_decimals": 18, "known_tokens": []}'),
         ("tokens", token, None, f'{{"address": "{token}", "symbol": "TKN", "decimals": 6}}'),
         transfer(0, friend, me)],
        [transfer(1, me, friend)],
    ]
    balances = []
    for number, records in enumerate(syncs):
        con.executemany("INSERT INTO raw.records VALUES ('w', ?, ?, ?, ?, ?)",
                        [[*r, datetime(2030, 1, 1, number)] for r in records])
        with transaction(con):
            build(con, ["w"])
        rebuilt = con.execute("SELECT count(*) FROM build_rebuilt").fetchall()[0][0]
        assert rebuilt == (number == 0)  # the first build is full, the second incremental
        assert layers(con, "w") == full_build_of_this_state(con, "w")
        balances.append(con.execute("SELECT asset_id, amount FROM marts.calculated_balances WHERE integration_id = 'w'").fetchall())
    assert [len(b) for b in balances] == [1, 0]


def test_a_batch_of_every_integration_sums_the_whole_ledger_like_a_batch_of_some(con):
    """Rebuilding every registered integration reads the whole ledger without a membership test
    (build._rebuilt_entries); rebuilding some reads only theirs and leaves the others' balances alone."""
    from pipelines.registry.accounts import add_account
    from pipelines.registry.integrations import add_integration

    add_account(con, "a", "UTC", "EUR")
    ids = [add_integration(con, "a", name, "manual") for name in ("One", "Two")]
    for number, integration in enumerate(ids, start=1):
        add_transaction(con, integration, "2025-01-01 10:00", "Deposit", utc=True, incoming=f"{number}.000000000000000001 BTC")
        add_transaction(con, integration, "2025-01-02 10:00", "Withdrawal", utc=True, outgoing="0.5 BTC", fee=f"0.{number} ETH")
    balances = "SELECT integration_id, asset_id, amount FROM marts.calculated_balances ORDER BY ALL"

    def rebuilt(batch: list[str]) -> list[tuple]:
        with transaction(con):
            build(con, batch, full=True)
        assert con.execute("SELECT sql LIKE '%build_rebuilt)%' FROM duckdb_views() WHERE view_name = 'build_rebuilt_entries'"
                           ).fetchall() == [(len(batch) < len(ids),)]  # the membership test only for some
        return con.execute(balances).fetchall()

    every = rebuilt(ids)
    assert [(i, a, str(v)) for i, a, v in every] == [
        (ids[0], "BTC", "0.500000000000000001"), (ids[0], "ETH", "-0.100000000000000000"),
        (ids[1], "BTC", "1.500000000000000001"), (ids[1], "ETH", "-0.200000000000000000")]
    con.execute("UPDATE marts.calculated_balances SET amount = 7 WHERE integration_id = ?", [ids[1]])
    some = rebuilt([ids[0]])
    assert some[:2] == every[:2] and {v for _, _, v in some[2:]} == {7}  # the other integration's rows untouched
    assert rebuilt(ids) == every


def test_a_sync_after_a_fetch_stamped_later_still_builds_incrementally(warehouse, exchange, imitation):
    """A build tells new records from those it read by fetched_at, so a fetch must be stamped after
    the previous one: within the same second (whole-second stamps made it rebuild in full) and after
    a clock set back. Here the previous sync's stamps lie an hour ahead, as after such a clock change."""
    integration = exchange("binance")
    sync(warehouse, integration, full=True)
    ahead = "UPDATE {} SET {} = {} + INTERVAL 1 HOUR WHERE integration_id = ?"
    with connect(warehouse) as con:
        for table, column in (("raw.records", "fetched_at"), ("app.sync_state", "updated_at"),
                              ("app.build_state", "raw_watermark")):
            con.execute(ahead.format(table, column, column), [integration])
        [(before, stored)] = con.execute("SELECT max(fetched_at), count(*) FROM raw.records WHERE integration_id = ?",
                                         [integration]).fetchall()
    imitation.binance.add_activity()
    extract(integration, full=False, log=Log(), warehouse=str(warehouse))
    with connect(warehouse) as con:
        [(after, new)] = con.execute("SELECT min(fetched_at), count(*) FROM raw.records WHERE integration_id = ? "
                                     "AND fetched_at > ?", [integration, before]).fetchall()
        assert new and after == before + timedelta(microseconds=1)
        assert con.execute("SELECT count(*) FROM raw.records WHERE integration_id = ?",
                           [integration]).fetchall()[0][0] == stored + new
        with transaction(con):
            build(con, [integration])
        assert con.execute("SELECT count(*) FROM build_rebuilt").fetchall() == [(0,)]  # incremental
        assert con.execute("SELECT raw_watermark FROM app.build_state WHERE integration_id = ?",
                           [integration]).fetchall() == [(after,)]
        assert layers(con, integration) == full_build_of_this_state(con, integration)
