"""Account-wide marts: group and account balances, the portfolio in the base currency, spam left out."""

from __future__ import annotations

from decimal import Decimal

from pipelines.reconciliation.marts import build_balances
from pipelines.reconciliation.transfers import rebuild_matches

SPAM = "0x" + "5a" * 20


def _spam_token(world, integration_id: str) -> str:
    """A token the wallet never asked for (raw.token_metadata flags it), calling itself USDT."""
    world.raw(integration_id, "tokens", [(SPAM, None, {"address": SPAM, "symbol": "USDT", "decimals": 6})])
    return f"ethereum:{SPAM}"


def _world(world):
    world.integration("kraken", "exchange", "kraken", group="exchanges")
    world.integration("binance", "exchange", "binance", group="exchanges")
    world.integration("wallet", "wallet", "ethereum")
    world.tx("kraken", "2024-01-01 00:00:00", "Deposit", inc=("1", "BTC"))
    world.tx("binance", "2024-01-01 00:00:00", "Deposit", inc=("0.5", "BTC"))
    world.tx("binance", "2024-01-01 00:00:00", "Deposit", inc=("100", "EUR"))
    world.tx("binance", "2024-01-02 00:00:00", "Withdrawal", out=("100", "USDT"))
    world.tx("binance", "2024-01-01 00:00:00", "Deposit", inc=("300", "USDT"))
    world.tx("wallet", "2024-01-01 00:00:00", "Deposit", inc=("2", "ETH"))
    spam = _spam_token(world, "wallet")
    world.synced("kraken", {"BTC": "1"})
    world.synced("binance", {"BTC": "0.5", "EUR": "100", "USDT": "200"})
    world.synced("wallet", {"ETH": "2", "USDT": "100"}, asset_ids={"ETH": "ethereum:ETH", "USDT": spam})
    world.build()
    # The spam airdrop as the wallet normalization books it (its raw log is not part of this world).
    world.con.execute(f"""INSERT INTO core.transactions VALUES ('spam-in', 'wallet', '2024-01-02 01:00:00', 'Deposit',
        'synced', NULL, NULL, NULL, 'USDT', '{spam}', 100, NULL, NULL, NULL, NULL, 'probable spam token')""")
    return spam


def test_group_and_account_balances(world):
    _world(world)
    build_balances(world.con)
    groups = {(g, a): (s, c, n) for g, a, s, c, n in world.con.execute(
        "SELECT group_name, asset_id, synced, calculated, integrations FROM marts.group_balances").fetchall()}
    assert groups[("exchanges", "BTC")] == (Decimal("1.5"), Decimal("1.5"), 2)
    assert groups[(None, "ethereum:ETH")] == (Decimal("2"), Decimal("2"), 1)
    account = dict(world.con.execute("SELECT asset_id, synced FROM marts.account_balances WHERE account_id = 'alice'").fetchall())
    assert account["BTC"] == Decimal("1.5") and account["USDT"] == Decimal("200")


def test_portfolio_in_base_currency_with_direct_cross_and_missing_prices(world):
    _world(world)
    world.con.execute("""INSERT INTO prices.live_prices VALUES
        ('BTC', 'EUR', 60000.5, 'test', '2026-01-01 00:00:00'),
        ('ETH', 'USD', 3000, 'test', '2026-01-01 00:00:00'),
        ('EUR', 'USD', 1.25, 'test', '2026-01-01 00:01:00')""")
    build_balances(world.con)
    rows = {a: (amount, price, value, source) for a, amount, price, value, source in world.con.execute(
        "SELECT asset, amount, price, value, price_source FROM marts.portfolio WHERE account_id = 'alice'").fetchall()}
    assert rows["BTC"] == (Decimal("1.5"), Decimal("60000.5"), Decimal("90000.75"), "direct")
    assert rows["EUR"] == (Decimal("100"), Decimal("1"), Decimal("100"), "base")
    assert rows["ETH"] == (Decimal("2"), Decimal("2400"), Decimal("4800"), "cross:USD")
    assert rows["USDT"] == (Decimal("200"), None, None, None)  # the spam "USDT" (100) is left out


def test_spam_token_is_ignored_and_never_a_transfer(world):
    spam = _world(world)
    row = world.reconciliation("wallet")[spam]
    assert (row["ignored"], row["tip_code"], row["status"]) == (True, "spam_token", "only_synced")
    assert [t["code"] for t in row["tips"]] == ["spam_token", "no_transactions"]
    assert rebuild_matches(world.con) == 0  # binance's 100 USDT withdrawal is not the spam "USDT" deposit
