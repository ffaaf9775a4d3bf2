"""Bitstamp (v2 X-Auth signing, raw user_transactions) against its imitation over HTTP: exact full,
incremental and empty syncs, both legs of every trade, staking, rejected credentials, nonces and
timestamps, a flaky API, and ccxt's recorded sample rows."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.connectors.exchange.client import make_client
from pipelines.errors import UserError
from pipelines.imitations.bitstamp import BitstampImitation
from pipelines.imitations.bitstamp.history import REWARD_DAYS, TRADES
from pipelines.warehouse import connect
from tests.exchange.conftest import (LAYERS, WAREHOUSE, Log, exact, faulty_sync_ends_exact_or_cleanly_failed,
                                     key_and_secret_adder, sync)
from tests.helpers import snapshot

DATA = Path(__file__).parent / "data" / "bitstamp"
HISTORY = "/api/v2/user_transactions/"
BALANCES = "/api/v2/account_balances/"


@pytest.fixture
def bitstamp():
    with BitstampImitation() as server:
        yield server


@pytest.fixture
def add(warehouse, account, bitstamp):
    return key_and_secret_adder(warehouse, account, "bitstamp", bitstamp, "Bitstamp")


def test_full_sync_reconciles_exactly_and_books_both_legs_of_every_trade(warehouse, bitstamp, add):
    integration = add()
    sync(warehouse, integration, full=True)
    assert set(bitstamp.true_balances()) == {"BTC", "ETH", "EUR", "USDC"}
    exact(warehouse, bitstamp, integration)
    assert bitstamp.count(HISTORY) == 2, "about 1030 rows: two pages of 1000"
    with connect(warehouse) as con:
        labels = dict(con.execute("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1",
                                  [integration]).fetchall())
        eth_btc = con.execute(
            "SELECT count(*), count(*) FILTER (fee_asset = 'BTC' AND incoming_asset IS NOT NULL AND outgoing_asset IS NOT NULL) "
            "FROM core.transactions WHERE integration_id = ? AND label = 'Trade' "
            "AND 'BTC' IN (incoming_asset, outgoing_asset) AND 'ETH' IN (incoming_asset, outgoing_asset)",
            [integration]).fetchone()
    assert labels == {"Trade": TRADES + 1, "Staking": REWARD_DAYS, "Deposit": 3, "Withdrawal": 2,
                      "Non-Taxable Out": 1, "Non-Taxable In": 1, "Income": 1}
    assert eth_btc[0] > 0 and eth_btc[0] == eth_btc[1], "ETH/BTC trades: both legs, fee in BTC"


def test_incremental_sync_reads_only_what_is_new(warehouse, bitstamp, add):
    integration = add()
    sync(warehouse, integration, full=True)
    bitstamp.add_now()
    bitstamp.reset_counts()
    result = sync(warehouse, integration)
    assert (bitstamp.count(HISTORY), bitstamp.count(BALANCES), bitstamp.count()) == (1, 1, 2)
    assert result.snapshot.stats["fetched_transactions"] == 2
    exact(warehouse, bitstamp, integration)


def test_a_sync_with_nothing_new_costs_one_request_per_stream_and_changes_no_row(warehouse, bitstamp, add):
    integration = add()
    sync(warehouse, integration, full=True)
    before = snapshot(warehouse, LAYERS)
    bitstamp.reset_counts()
    sync(warehouse, integration)
    assert (bitstamp.count(HISTORY), bitstamp.count()) == (1, 2)
    assert snapshot(warehouse, LAYERS) == before


@pytest.mark.parametrize(("wrong", "reason"), [("key", "AuthenticationError"), ("secret", "AuthenticationError")])
def test_a_rejected_key_or_signature_fails_as_for_every_exchange_and_changes_nothing(warehouse, bitstamp, add, wrong, reason):
    sync(warehouse, add(), full=True)
    bad_value = "wrong-" + getattr(bitstamp, "api_key" if wrong == "key" else "secret")
    bad = add(**{wrong: bad_value}, name="Wrong")
    before = snapshot(warehouse, WAREHOUSE)
    log = Log()
    with pytest.raises(UserError) as error:
        sync(warehouse, bad, full=True, log=log)
    message = str(error.value)
    assert f"bitstamp rejected the API key of integration {bad} ({reason})" in message
    assert bad_value not in message and bad_value not in "\n".join(log.lines)
    assert snapshot(warehouse, WAREHOUSE) == before


def test_a_reused_nonce_and_a_stale_timestamp_are_refused(bitstamp, monkeypatch):
    import ccxt

    client = make_client("bitstamp", {"api_origin": bitstamp.url}, {"apiKey": bitstamp.api_key, "secret": bitstamp.secret})
    client.enableRateLimit = False  # its throttle reads the clock the test turns back
    monkeypatch.setattr(client, "uuid", lambda: "5f0e8c8e-0000-4000-8000-000000000001")
    client.privatePostAccountBalances()
    with pytest.raises(ccxt.InvalidNonce):
        client.privatePostAccountBalances()
    monkeypatch.setattr(client, "uuid", lambda: "5f0e8c8e-0000-4000-8000-000000000002")
    real = client.milliseconds()
    monkeypatch.setattr(client, "milliseconds", lambda: real - 151_000)
    with pytest.raises(ccxt.ExchangeError, match="API0017"):
        client.privatePostAccountBalances()


@pytest.mark.parametrize("seed", [1, 2, 4, 22, 28])  # seeds that fail some of the three requests
def test_a_fifth_of_requests_failing_ends_exact_or_cleanly_failed(warehouse, bitstamp, add, seed):
    faulty_sync_ends_exact_or_cleanly_failed(warehouse, bitstamp, add(), seed)


def test_the_request_budget_answers_429_and_the_sync_waits(warehouse, bitstamp, add):
    integration = add()
    bitstamp.budget, bitstamp.budget_window_s = 2, 0.5
    result = sync(warehouse, integration, full=True)
    assert result.snapshot.stats["retries"] >= 1
    exact(warehouse, bitstamp, integration)


def test_ccxts_recorded_rows_give_both_legs_and_the_fee(warehouse, bitstamp, add):
    rows = json.loads((DATA / "user_transactions.json").read_text())
    bitstamp.history.rows = sorted(rows, key=lambda r: r["id"])
    bitstamp.history.balances = {"eth": Decimal("0.005"), "usdt": Decimal("-22.37128"), "xrp": Decimal("-20")}
    integration = add(start_date="2018-01-01")
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        booked = con.execute(
            "SELECT label, outgoing_asset, outgoing_amount, incoming_asset, incoming_amount, fee_asset, fee_amount "
            "FROM core.transactions WHERE integration_id = ? ORDER BY occurred_at", [integration]).fetchall()
    assert booked == [("Withdrawal", "XRP", Decimal("20"), None, None, None, None),
                      ("Trade", "USDT", Decimal("22.26"), "ETH", Decimal("0.005"), "USDT", Decimal("0.11128"))]
    exact(warehouse, bitstamp, integration)
    sample = json.loads((DATA / "account_balances.json").read_text())[0]
    assert set(sample) == set(bitstamp._balances()[0]), "the imitation's balance rows have the recorded keys"


def test_the_key_and_secret_never_reach_the_warehouse_files(warehouse, bitstamp, add):
    sync(warehouse, add(), full=True)
    secrets = [bitstamp.api_key.encode(), bitstamp.secret.encode()]
    for path in [p for p in warehouse.parent.rglob("*") if p.is_file()]:
        assert not any(s in path.read_bytes() for s in secrets), f"credential in clear text in {path}"


def test_offset_paging_stops_where_bitstamps_does(bitstamp):
    import ccxt

    client = make_client("bitstamp", {"api_origin": bitstamp.url}, {"apiKey": bitstamp.api_key, "secret": bitstamp.secret})
    assert len(client.privatePostUserTransactions({"limit": 5, "offset": 200_000})) == 0
    with pytest.raises(ccxt.BadRequest):
        client.privatePostUserTransactions({"limit": 5, "offset": 200_001})
    with pytest.raises(ccxt.ExchangeError, match="less than or equal to 1000"):
        client.privatePostUserTransactions({"limit": 1001})


def test_a_full_resync_duplicates_nothing(warehouse, bitstamp, add):
    integration = add()
    sync(warehouse, integration, full=True)
    before = snapshot(warehouse, LAYERS)
    sync(warehouse, integration, full=True)
    assert snapshot(warehouse, LAYERS) == before
    exact(warehouse, bitstamp, integration)
