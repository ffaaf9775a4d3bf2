"""Bitvavo (HMAC signing, raw account/history) against its imitation over HTTP: exact full,
incremental and empty syncs, both legs of every trade, staking rewards, rejected credentials, the
access window, the weighted rate limit, a flaky API, and the docs' sample item."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.connectors.exchange.client import make_client
from pipelines.errors import UserError
from pipelines.imitations.bitvavo import BitvavoImitation
from pipelines.imitations.bitvavo.history import REWARD_DAYS, TRADES
from pipelines.warehouse import connect
from tests.exchange.conftest import (LAYERS, WAREHOUSE, Log, exact, faulty_sync_ends_exact_or_cleanly_failed,
                                     key_and_secret_adder, sync)
from tests.helpers import snapshot

DATA = Path(__file__).parent / "data" / "bitvavo"
HISTORY = "/v2/account/history"
BALANCE = "/v2/balance"


@pytest.fixture
def bitvavo():
    with BitvavoImitation() as server:
        yield server


@pytest.fixture
def add(warehouse, account, bitvavo):
    return key_and_secret_adder(warehouse, account, "bitvavo", bitvavo, "Bitvavo")


def client(bitvavo):
    return make_client("bitvavo", {"api_origin": bitvavo.url}, {"apiKey": bitvavo.api_key, "secret": bitvavo.secret})


def test_full_sync_reconciles_exactly_and_books_both_legs_of_every_trade(warehouse, bitvavo, add):
    integration = add()
    sync(warehouse, integration, full=True)
    assert set(bitvavo.true_balances()) == {"BTC", "ETH", "DOT", "EUR"}
    exact(warehouse, bitvavo, integration)
    assert bitvavo.count(HISTORY) == 6, "about 570 items: six pages of 100"
    with connect(warehouse) as con:
        labels = dict(con.execute("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1",
                                  [integration]).fetchall())
        one_legged = con.execute("SELECT count(*) FROM core.transactions WHERE integration_id = ? AND label = 'Trade' "
                                 "AND (incoming_asset IS NULL OR outgoing_asset IS NULL)",
                                 [integration]).fetchone()[0]
    assert labels == {"Trade": TRADES + 2, "Staking": REWARD_DAYS + 1, "Deposit": 2, "Withdrawal": 3,
                      "Non-Taxable In": 1, "Cashback": 1, "Income": 1}
    assert one_legged == 0


def test_incremental_sync_reads_only_what_is_new(warehouse, bitvavo, add):
    integration = add()
    sync(warehouse, integration, full=True)
    bitvavo.add_now()
    bitvavo.reset_counts()
    result = sync(warehouse, integration)
    assert (bitvavo.count(HISTORY), bitvavo.count(BALANCE), bitvavo.count()) == (1, 1, 2)
    assert result.snapshot.stats["fetched_history"] == 2
    exact(warehouse, bitvavo, integration)


def test_a_sync_with_nothing_new_costs_one_request_per_stream_and_changes_no_row(warehouse, bitvavo, add):
    integration = add()
    sync(warehouse, integration, full=True)
    before = snapshot(warehouse, LAYERS)
    bitvavo.reset_counts()
    sync(warehouse, integration)
    assert (bitvavo.count(HISTORY), bitvavo.count()) == (1, 2)
    assert snapshot(warehouse, LAYERS) == before


@pytest.mark.parametrize("wrong", ["key", "secret"])
def test_a_rejected_key_or_signature_fails_as_for_every_exchange_and_changes_nothing(warehouse, bitvavo, add, wrong):
    sync(warehouse, add(), full=True)
    bad_value = "1" + getattr(bitvavo, "api_key" if wrong == "key" else "secret")[1:]
    bad = add(**{wrong: bad_value}, name="Wrong")
    before = snapshot(warehouse, WAREHOUSE)
    log = Log()
    with pytest.raises(UserError) as error:
        sync(warehouse, bad, full=True, log=log)
    message = str(error.value)
    assert f"bitvavo rejected the API key of integration {bad} (AuthenticationError)" in message
    assert bad_value not in message and bad_value not in "\n".join(log.lines)
    assert snapshot(warehouse, WAREHOUSE) == before


def test_a_request_outside_the_access_window_is_refused(bitvavo, monkeypatch):
    import ccxt

    exchange = client(bitvavo)
    exchange.enableRateLimit = False  # its throttle reads the clock the test turns back
    real = exchange.milliseconds()
    monkeypatch.setattr(exchange, "milliseconds", lambda: real - 10_001)
    with pytest.raises(ccxt.AuthenticationError, match='"errorCode": 304'):
        exchange.privateGetBalance()


def test_the_weighted_rate_limit_answers_105_with_bitvavos_headers(bitvavo):
    import ccxt

    bitvavo.budget = 6
    exchange = client(bitvavo)
    exchange.privateGetBalance()  # weight 5
    assert exchange.last_response_headers["bitvavo-ratelimit-remaining"] == "1"
    exchange.privateGetAccountHistory({"maxItems": 1})  # weight 1
    with pytest.raises(ccxt.RateLimitExceeded, match='"errorCode": 105'):
        exchange.privateGetAccountHistory({"maxItems": 1})
    bitvavo.budget = 10**6
    with pytest.raises(ccxt.BadRequest, match='"errorCode": 205'):
        exchange.privateGetAccountHistory({"maxItems": 101})


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_fifth_of_requests_failing_ends_exact_or_cleanly_failed(warehouse, bitvavo, add, seed):
    faulty_sync_ends_exact_or_cleanly_failed(warehouse, bitvavo, add(), seed)


def test_the_docs_sample_item_gives_both_legs_and_the_fee(warehouse, bitvavo, add):
    bitvavo.history.items = json.loads((DATA / "account_history.json").read_text())["items"]
    bitvavo.history.balances = {"EUR": Decimal("-0.11"), "BTC": Decimal("0.0001")}
    integration = add(start_date="2020-01-01")
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        booked = con.execute(
            "SELECT label, outgoing_asset, outgoing_amount, incoming_asset, incoming_amount, fee_asset, fee_amount "
            "FROM core.transactions WHERE integration_id = ?", [integration]).fetchall()
    assert booked == [("Trade", "EUR", Decimal("0.1"), "BTC", Decimal("0.0001"), "EUR", Decimal("0.01"))]
    exact(warehouse, bitvavo, integration)
    sample = json.loads((DATA / "balance.json").read_text())[0]
    assert set(sample) == set(bitvavo._balances()[0]), "the imitation's balance rows have the recorded keys"


def test_the_key_and_secret_never_reach_the_warehouse_files(warehouse, bitvavo, add):
    sync(warehouse, add(), full=True)
    secrets = [bitvavo.api_key.encode(), bitvavo.secret.encode()]
    for path in [p for p in warehouse.parent.rglob("*") if p.is_file()]:
        assert not any(s in path.read_bytes() for s in secrets), f"credential in clear text in {path}"


def test_a_full_resync_duplicates_nothing(warehouse, bitvavo, add):
    integration = add()
    sync(warehouse, integration, full=True)
    before = snapshot(warehouse, LAYERS)
    sync(warehouse, integration, full=True)
    assert snapshot(warehouse, LAYERS) == before
    exact(warehouse, bitvavo, integration)
