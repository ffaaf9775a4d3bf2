"""Full, incremental and repeated syncs of Binance and Kraken against the imitation over HTTP."""

from __future__ import annotations

import json

import pytest

from pipelines.warehouse import connect
from tests.exchange.conftest import LAYERS, amounts, mismatched, sync
from tests.helpers import snapshot

EXCHANGES = ("binance", "kraken")


def events(history) -> int:
    return len(history.trades) + len(history.transfers) + len(history.earn)


@pytest.mark.parametrize("provider", EXCHANGES)
def test_full_sync_balances_equal_the_truth_and_the_synced_balances(warehouse, imitation, exchange, provider):
    account = getattr(imitation, provider)
    integration = exchange(provider)
    sync(warehouse, integration, full=True)
    truth = account.true_balances()
    assert len(truth) >= 5
    assert amounts(warehouse, "marts.calculated_balances", integration) == truth
    assert amounts(warehouse, "core.synced_balances", integration) == truth
    assert mismatched(warehouse, integration) == set()


def test_binance_trades_keep_fees_in_a_third_asset(warehouse, imitation, exchange):
    integration = exchange("binance")
    sync(warehouse, integration, full=True)
    third = [t for t in imitation.binance.history.trades if t.fee_asset not in (t.base, t.quote)]
    assert third, "the seeded history pays some fees in BNB"
    with connect(warehouse) as con:
        rows = con.execute(
            "SELECT external_id, outgoing_asset, incoming_asset, fee_asset, fee_amount FROM core.transactions "
            "WHERE integration_id = ? AND label = 'Trade'", [integration]).fetchall()
    booked = {r[0]: r[1:] for r in rows}
    for t in third[:20]:
        out_asset, in_asset = (t.quote, t.base) if t.side == "buy" else (t.base, t.quote)
        assert booked[f"{t.market.replace('/', '')}:{t.id}"] == (out_asset, in_asset, "BNB", t.fee)


def test_kraken_ledger_only_entries_are_labelled_without_double_counting(warehouse, imitation, exchange):
    integration = exchange("kraken")
    sync(warehouse, integration, full=True)
    history = imitation.kraken.history
    with connect(warehouse) as con:
        labels = dict(con.execute(
            "SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1", [integration]).fetchall())
        staking_in = con.execute(
            "SELECT sum(incoming_amount) FROM core.transactions WHERE integration_id = ? AND label = 'Staking'",
            [integration]).fetchone()[0]
        conversions = con.execute(
            "SELECT outgoing_asset, outgoing_amount, incoming_asset, incoming_amount, fee_asset, fee_amount "
            "FROM core.transactions WHERE integration_id = ? AND comment = 'kraken ledger receive,spend' ORDER BY occurred_at",
            [integration]).fetchall()
    rewards = [e for e in history.earn if e.kind == "reward"]
    stakes = [e for e in history.earn if e.kind == "stake"]
    assert history.conversions and rewards and stakes
    assert labels == {"Trade": len(history.trades) + len(history.conversions), "Deposit": len(history.deposits()),
                      "Withdrawal": len(history.withdrawals()), "Staking": len(rewards), "Transfer": len(stakes)}
    assert staking_in == sum(e.amount for e in rewards)
    # "Buy Crypto" conversions exist only in the ledger: one Trade from the spend and receive rows.
    assert conversions == [(c.spent_asset, c.spent, c.received_asset, c.received, c.spent_asset, c.fee)
                           for c in history.conversions]


def records(imitation, provider: str) -> int:
    """How many raw records the imitation can serve: what an incremental sync must add."""
    history = getattr(imitation, provider).history
    if provider == "binance":  # earn subscriptions are invisible to Binance's history endpoints
        return len(history.trades) + len(history.transfers)
    return len(imitation.apis["kraken"].ledger_rows()) + len(history.trades) + len(history.transfers)


@pytest.mark.parametrize("provider", EXCHANGES)
def test_incremental_sync_fetches_only_the_new_records(warehouse, imitation, exchange, provider):
    account = getattr(imitation, provider)
    integration = exchange(provider)
    sync(warehouse, integration, full=True)
    before = records(imitation, provider)
    account.add_activity(trades=6, deposits=2, withdrawals=2, earn=3, conversions=1 if provider == "kraken" else 0)
    new_records = records(imitation, provider) - before
    assert new_records > 5
    imitation.reset_counts()
    result = sync(warehouse, integration)

    assert result.inserted == new_records
    # Binance pages trades from each market's last stored id again (a one-row overlap per market).
    overlap = len({t.market for t in account.history.trades}) if provider == "binance" else 0
    assert sum(n for s, n in result.fetched.items() if s not in ("currencies", "markets", "listed_markets")) == new_records + overlap
    assert amounts(warehouse, "marts.calculated_balances", integration) == account.true_balances()
    assert mismatched(warehouse, integration) == set()
    if provider == "binance":
        traded_markets = {t.market for t in account.history.trades}
        assert imitation.count("binance", "/myTrades") == len(traded_markets)  # one page per known market
        assert imitation.count("binance", "/capital/deposit/hisrec") == 1
        assert imitation.count("binance", "/capital/withdraw/history") == 1
        assert imitation.count("binance") == len(traded_markets) + 4  # + exchangeInfo, account
    else:
        assert imitation.count("kraken", "/Ledgers") == 1
        assert imitation.count("kraken", "/TradesHistory") == 1
        assert imitation.count("kraken") == 7  # Assets, AssetPairs, BalanceEx, Ledgers, Trades, Deposit, Withdraw


@pytest.mark.parametrize("provider", EXCHANGES)
def test_resync_adds_nothing(warehouse, imitation, exchange, provider):
    integration = exchange(provider)
    sync(warehouse, integration, full=True)
    first = snapshot(warehouse, LAYERS)
    again = sync(warehouse, integration)
    assert again.inserted == 0
    assert snapshot(warehouse, LAYERS) == first
    full = sync(warehouse, integration, full=True)
    assert full.inserted == sum(n for s, n in full.fetched.items())
    assert snapshot(warehouse, LAYERS) == first


def test_binance_asks_only_discovered_and_configured_markets(warehouse, imitation, exchange):
    integration = exchange("binance", markets=["XRP/USDT"])
    sync(warehouse, integration, full=True)
    traded = {t.market.replace("/", "") for t in imitation.binance.history.trades}
    with connect(warehouse) as con:
        asked = {r[0] for r in con.execute(
            "SELECT source_id FROM raw.records WHERE integration_id = ? AND stream = 'markets'", [integration]).fetchall()}
        cursor = json.loads(con.execute(
            "SELECT cursor FROM app.sync_state WHERE integration_id = ? AND stream = 'trades'", [integration]).fetchone()[0])
    assert asked == traded | {"XRPUSDT"}
    assert imitation.count("binance", "/myTrades") == len(asked) + 1  # BTCUSDT holds more than one 1000-row page
    assert set(cursor) == traded  # XRPUSDT has no trades, so nothing to remember
