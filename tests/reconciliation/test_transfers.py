"""Transfers between an exchange and a wallet of the same account: matched, undone, never changing a balance."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines.errors import UserError
from pipelines.reconciliation.transfers import list_matches, rebuild_matches, unmatch

HASH = "0x" + "ab" * 32


def _balances(con):
    return sorted(con.execute("SELECT integration_id, asset_id, amount FROM marts.calculated_balances").fetchall())


@pytest.fixture
def exchange_and_wallet(world):
    world.integration("kraken", "exchange", "kraken")
    world.integration("wallet", "wallet", "ethereum")
    world.tx("kraken", "2024-03-01 10:00:00", "Deposit", inc=("2", "ETH"))
    world.tx("kraken", "2024-03-02 10:00:00", "Withdrawal", out=("1", "ETH"), fee=("0.005", "ETH"))
    world.tx("wallet", "2024-03-02 10:20:00", "Deposit", inc=("0.99", "ETH"))
    world.build()
    return world


def test_withdrawal_and_deposit_are_one_transfer_and_balances_stay(exchange_and_wallet):
    con = exchange_and_wallet.con
    before = _balances(con)
    assert rebuild_matches(con) == 1
    (match,) = list_matches(con, "alice")
    assert (match["withdrawal_integration_id"], match["deposit_integration_id"], match["asset"]) == ("kraken", "wallet", "ETH")
    assert match["fee_amount"] == Decimal("0.01")
    assert match["matched_by"] == "amount_and_time"
    assert _balances(con) == before
    assert rebuild_matches(con) == 1 and len(list_matches(con)) == 1  # re-running never duplicates
    labels = con.execute("SELECT label, original_label, transfer_id FROM marts.labeled_transactions "
                         "WHERE tx_id IN (?, ?) ORDER BY original_label", [match["deposit_tx_id"], match["withdrawal_tx_id"]]).fetchall()
    assert labels == [("Transfer", "Deposit", match["transfer_id"]), ("Transfer", "Withdrawal", match["transfer_id"])]
    assert con.execute("SELECT count(*) FROM core.transactions WHERE label = 'Transfer'").fetchone()[0] == 0


def test_unmatch_is_remembered_and_balances_stay(exchange_and_wallet):
    con = exchange_and_wallet.con
    rebuild_matches(con)
    before = _balances(con)
    (match,) = list_matches(con)
    undone = unmatch(con, match["transfer_id"])
    assert undone["transfer_id"] == match["transfer_id"]
    assert list_matches(con) == []
    assert rebuild_matches(con) == 0
    assert _balances(con) == before
    with pytest.raises(UserError):
        unmatch(con, match["transfer_id"])


@pytest.mark.parametrize(
    ("deposit_at", "amount", "matches"),
    [
        ("2024-03-02 21:59:59", "0.99", True),   # within 12 h
        ("2024-03-02 22:00:01", "0.99", False),  # later than 12 h
        ("2024-03-02 09:59:59", "0.99", False),  # before the withdrawal
        ("2024-03-02 11:00:00", "1.01", False),  # larger than the withdrawal
        ("2024-03-02 11:00:00", "0.80", True),   # exactly 20 % smaller
        ("2024-03-02 11:00:00", "0.79", False),  # more than 20 % smaller
    ],
)
def test_window_and_tolerances(world, deposit_at, amount, matches):
    world.integration("kraken", "exchange", "kraken")
    world.integration("wallet", "wallet", "ethereum")
    world.tx("kraken", "2024-03-02 10:00:00", "Withdrawal", out=("1", "ETH"))
    world.tx("wallet", deposit_at, "Deposit", inc=(amount, "ETH"))
    world.build()
    assert (rebuild_matches(world.con) == 1) is matches


def test_settings_are_data(world):
    world.integration("kraken", "exchange", "kraken")
    world.integration("wallet", "wallet", "ethereum")
    world.tx("kraken", "2024-03-02 10:00:00", "Withdrawal", out=("1", "ETH"))
    world.tx("wallet", "2024-03-03 09:00:00", "Deposit", inc=("0.99", "ETH"))
    world.build()
    assert rebuild_matches(world.con) == 0
    world.con.execute("INSERT INTO app.transfer_settings VALUES ('alice', 24, 0.2)")
    assert rebuild_matches(world.con) == 1


def test_tx_hashes_must_agree_and_win(world):
    world.integration("binance", "exchange", "binance")
    world.integration("wallet", "wallet", "ethereum")
    world.tx("binance", "2024-03-02 10:00:00", "Withdrawal", out=("1", "ETH"), external_id=HASH)
    other = world.tx("wallet", "2024-03-02 10:01:00", "Deposit", inc=("1", "ETH"), external_id="0x" + "cd" * 32)
    same = world.tx("wallet", "2024-03-02 11:00:00", "Deposit", inc=("0.99", "ETH"), external_id=HASH + ":0")
    world.build()
    assert rebuild_matches(world.con) == 1
    (match,) = list_matches(world.con)
    assert match["deposit_tx_id"] == same and match["deposit_tx_id"] != other
    assert match["matched_by"] == "tx_hash" and match["tx_hash"] == "ab" * 32


def test_each_side_matches_once_and_other_accounts_never(world):
    world.integration("kraken", "exchange", "kraken")
    world.integration("wallet", "wallet", "ethereum")
    w1 = world.tx("kraken", "2024-03-02 10:00:00", "Withdrawal", out=("1", "ETH"))
    w2 = world.tx("kraken", "2024-03-02 10:05:00", "Withdrawal", out=("1", "ETH"))
    d1 = world.tx("wallet", "2024-03-02 10:06:00", "Deposit", inc=("1", "ETH"))
    d2 = world.tx("wallet", "2024-03-02 10:30:00", "Deposit", inc=("1", "ETH"))
    from tests.reconciliation.world import World

    bob = World(world.con, account_id="bob")
    bob.integration("bob-wallet", "wallet", "ethereum")
    bob.tx("bob-wallet", "2024-03-02 10:01:00", "Deposit", inc=("1", "ETH"))
    world.build("kraken", "wallet")
    bob.build()
    assert rebuild_matches(world.con) == 2
    pairs = {(m["withdrawal_tx_id"], m["deposit_tx_id"]) for m in list_matches(world.con)}
    assert pairs == {(w2, d1), (w1, d2)}
