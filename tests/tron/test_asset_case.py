"""A Tron contract id keeps its letter case wherever a user types it (base58 is case-sensitive):
a token the wallet has seen is found however it is typed, an unseen one must be a valid address
and is kept as typed; EVM asset ids stay exactly what they were."""

from __future__ import annotations

import pytest

from pipelines.imitations.tron.ledger import address_of
from pipelines.imitations.tron.scenario import SPAM, USDT

UNSEEN = address_of("contract:never-moved")


@pytest.fixture
def synced(cli, add_wallet, sync):
    integration = add_wallet()
    sync(integration)
    return integration


def test_a_typed_token_contract_keeps_the_chains_case(cli, synced, sync, query):
    trusted = cli("wallets", "token", synced, SPAM.contract.upper(), "--trust")
    assert trusted.code == 0 and trusted.out.startswith(f"tron:{SPAM.contract} trusted"), trusted
    unseen = cli("wallets", "token", synced, UNSEEN, "--ignore")
    assert unseen.code == 0 and unseen.out.startswith(f"tron:{UNSEEN} ignored"), unseen
    mistyped = cli("wallets", "token", synced, UNSEEN.swapcase(), "--ignore")
    assert mistyped.code == 2 and "invalid Tron address" in mistyped.err, mistyped
    sync(synced)
    assert query("SELECT status, reason FROM raw.token_metadata WHERE asset_id = ?", f"tron:{SPAM.contract}") == [
        ("known", "trusted by the user")]
    assert query("SELECT asset_id FROM app.token_decisions ORDER BY ALL") == sorted(
        [(f"tron:{SPAM.contract}",), (f"tron:{UNSEEN}",)])

    for typed in (USDT.contract, USDT.contract.lower(), USDT.contract.upper()):
        added = cli("transactions", "add", synced, "--date", "2026-01-05 10:00", "--label", "Withdrawal",
                    "--out", f"1.5 {typed}", "--utc", "--allow-duplicate")
        assert added.code == 0, added
    added = cli("transactions", "add", synced, "--date", "2026-01-05 11:00", "--label", "Deposit",
                "--in", f"2 {UNSEEN}", "--utc")
    assert added.code == 0, added
    sync(synced)
    assert query("""SELECT outgoing_asset_id, incoming_asset_id, count(*) FROM core.transactions
                    WHERE integration_id = ? AND origin = 'manual' GROUP BY ALL ORDER BY ALL""", synced) == [
        (f"tron:{USDT.contract}", None, 3), (None, f"tron:{UNSEEN}", 1)]


def test_evm_and_symbol_asset_ids_are_unchanged(con):
    typed = ["0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "usdc", "eth",
             "A0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "trx"]
    got = [con.execute("SELECT asset_id(?, ?, ?)", [kind, provider, asset]).fetchone()[0]
           for kind, provider in (("wallet", "ethereum"), ("exchange", "binance")) for asset in typed]
    assert got == ["ethereum:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "ethereum:USDC", "ethereum:ETH",
                   "ethereum:A0B86991C6218B36C1D19D4A2E9EB0CE3606EB48", "ethereum:TRX",
                   "0XA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48", "USDC", "ETH",
                   "A0B86991C6218B36C1D19D4A2E9EB0CE3606EB48", "TRX"]
