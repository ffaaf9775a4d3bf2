"""`pipelines transfers list|unmatch` and `pipelines balances --mismatches` show what reconciliation found."""

from __future__ import annotations


def test_transfers_list_and_unmatch(world, cli):
    world.integration("kraken", "exchange", "kraken")
    world.integration("wallet", "wallet", "ethereum")
    world.tx("kraken", "2024-03-02 10:00:00", "Withdrawal", out=("1", "ETH"))
    world.tx("wallet", "2024-03-02 10:30:00", "Deposit", inc=("0.99", "ETH"))
    world.build()
    listed = cli("transfers", "list", "--rematch", "--account", "alice")
    assert listed.code == 0 and "kraken" in listed.out and "0.01" in listed.out
    (transfer_id,) = [r[0] for r in world.con.execute("SELECT transfer_id FROM marts.transfer_matches").fetchall()]
    undone = cli("transfers", "unmatch", transfer_id)
    assert undone.code == 0 and "undone" in undone.out
    assert world.con.execute("SELECT count(*) FROM marts.transfer_matches").fetchone()[0] == 0
    again = cli("transfers", "unmatch", transfer_id)
    assert again.code == 2 and "no transfer" in again.err


def test_balances_mismatches_print_every_tip(world, cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # one table row per line, so sentences are not wrapped
    world.integration("kraken", "exchange", "kraken")
    world.tx("kraken", "2024-03-01 10:00:00", "Withdrawal", out=("1", "DOT"))
    world.tx("kraken", "2024-03-02 10:00:00", "Deposit", inc=("3", "DOT"))
    world.synced("kraken", {"DOT": "5"})
    world.build()
    result = cli("balances", "--mismatches", "--integration", "kraken")
    text = " ".join(result.out.split())
    assert result.code == 0
    assert "below zero" in text and "incoming history" in text
