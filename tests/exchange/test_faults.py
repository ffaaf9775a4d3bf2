"""Faults the imitation injects: survived with retries, or reported with nothing written."""

from __future__ import annotations

import pytest

from pipelines.connectors.exchange.client import ExchangeUnavailable
from pipelines.errors import UserError
from pipelines.imitations.exchange import ExchangeImitation
from pipelines.warehouse import connect
from tests.exchange.conftest import WAREHOUSE, Log, amounts, mismatched, sync
from tests.helpers import snapshot

#: A private endpoint of each exchange that every sync calls.
HISTORY = {"binance": "/myTrades", "kraken": "/Ledgers"}
BALANCE = {"binance": "/api/v3/account", "kraken": "/BalanceEx"}


def assert_complete(warehouse, imitation, provider, integration):
    assert amounts(warehouse, "marts.calculated_balances", integration) == getattr(imitation, provider).true_balances()
    assert mismatched(warehouse, integration) == set()


@pytest.mark.parametrize("provider", ["binance", "kraken"])
@pytest.mark.parametrize("status", [429, 418])
def test_rate_limits_are_retried_after_retry_after(warehouse, imitation, exchange, provider, status):
    integration = exchange(provider)
    imitation.faults.rate_limit(provider, path=BALANCE[provider], status=status, retry_after=1)
    log = Log()
    result = sync(warehouse, integration, full=True, log=log)
    assert result.snapshot.stats["retries"] == 1
    # The server's Retry-After (1 s) wins over the configured 0.02 s backoff.
    assert any("retry 1/5 in 1.00s" in line for line in log.lines), log.lines
    assert_complete(warehouse, imitation, provider, integration)


@pytest.mark.parametrize("provider", ["binance", "kraken"])
@pytest.mark.parametrize("fault", ["server_error", "invalid_nonce", "slow"])
def test_transient_faults_are_survived(warehouse, imitation, exchange, provider, fault):
    integration = exchange(provider)
    if fault == "server_error":
        imitation.faults.server_error(provider, path=HISTORY[provider], status=503, times=2)
    elif fault == "invalid_nonce":
        imitation.faults.invalid_nonce(provider, path=HISTORY[provider])
    else:  # slower than the integration's 1.5 s timeout: ccxt raises RequestTimeout
        imitation.faults.slow(provider, 2.0, path=HISTORY[provider])
    result = sync(warehouse, integration, full=True)
    assert result.snapshot.stats["retries"] == (2 if fault == "server_error" else 1)
    assert imitation.faults.served >= 1
    assert_complete(warehouse, imitation, provider, integration)


@pytest.mark.parametrize("provider", ["binance", "kraken"])
def test_an_exchange_that_keeps_failing_fails_the_run_and_writes_nothing(warehouse, imitation, exchange, provider):
    integration = exchange(provider)
    sync(warehouse, integration, full=True)
    getattr(imitation, provider).add_activity()
    before = snapshot(warehouse, WAREHOUSE)
    imitation.faults.server_error(provider, path=HISTORY[provider], status=502, times=100)
    with pytest.raises(ExchangeUnavailable, match="after 6 attempts; nothing was written"):
        sync(warehouse, integration)
    assert snapshot(warehouse, WAREHOUSE) == before


@pytest.mark.parametrize(("provider", "budget"), [
    ("binance", {"binance_weight_limit": 100, "weight_window_s": 1.0}),  # 429 + Retry-After per 1 s window
    ("kraken", {"kraken_counter_max": 6, "kraken_decay_per_s": 10}),  # EAPI:Rate limit exceeded until decayed
])
def test_request_budgets_are_honoured(warehouse, exchange, account, provider, budget):
    """A tiny budget: the exchange refuses calls for a while and the sync still completes."""
    with ExchangeImitation(seed=3, **budget) as small:
        account_ = getattr(small, provider)
        integration = exchange(provider, name="Budget", api_origin=small.url,
                               credentials={"apiKey": account_.api_key, "secret": account_.secret})
        result = sync(warehouse, integration, full=True)
        assert result.snapshot.stats["retries"] >= 1
        assert amounts(warehouse, "marts.calculated_balances", integration) == account_.true_balances()


@pytest.mark.parametrize("wrong", ["key", "secret"])
@pytest.mark.parametrize("provider", ["binance", "kraken"])
def test_wrong_key_fails_clearly_and_leaves_the_warehouse_unchanged(warehouse, imitation, exchange, provider, wrong):
    """Every way an exchange refuses the credentials gives one message: a wrong key (Binance -2015,
    Kraken `EAPI:Invalid key`) and a wrong secret (Binance -1022, Kraken `EAPI:Invalid signature`,
    which ccxt raises as a plain ExchangeError)."""
    good = exchange(provider)
    sync(warehouse, good, full=True)
    key, secret = getattr(imitation, provider).api_key, getattr(imitation, provider).secret
    wrong_secret = "c2VjcmV0LXRoYXQtaXMtd3Jvbmc=" if provider == "kraken" else "wrong" + secret[5:]
    credentials = {"apiKey": key, "secret": wrong_secret} if wrong == "secret" else {"apiKey": "x" + key[1:], "secret": secret}
    bad = exchange(provider, name="Wrong key", credentials=credentials)
    before = snapshot(warehouse, WAREHOUSE)
    with pytest.raises(UserError) as error:
        sync(warehouse, bad, full=True)
    message = str(error.value)
    assert f"{provider} rejected the API key of integration {bad}" in message
    assert wrong_secret not in message and secret not in message
    assert snapshot(warehouse, WAREHOUSE) == before


def test_revoked_key_fails_only_that_integrations_run(warehouse, imitation, exchange):
    """Through Dagster (one run per integration): Binance's revoked key fails, Kraken syncs on."""
    from pipelines.runner import sync as run_sync

    binance, kraken = exchange("binance"), exchange("kraken")
    imitation.faults.reject_key("binance")
    outcomes = {o.integration_id: o for o in run_sync([binance, kraken], full=True)}
    assert not outcomes[binance].success
    assert "rejected the API key" in outcomes[binance].error
    assert imitation.binance.secret not in outcomes[binance].error
    assert outcomes[kraken].success
    with connect(warehouse) as con:
        assert con.execute("SELECT count(*) FROM raw.records WHERE integration_id = ?", [binance]).fetchone()[0] == 0
    assert_complete(warehouse, imitation, "kraken", kraken)


def test_binance_delisted_market_mismatches_exactly_the_affected_assets(warehouse, imitation, exchange):
    imitation.faults.delist("binance", "SOL/USDT")
    integration = exchange("binance")
    log = Log()
    sync(warehouse, integration, full=True, log=log)
    history = imitation.binance.history
    truth, seen = history.balances(), history.balances(exclude_markets=frozenset({"SOL/USDT"}))
    affected = {a for a in truth.keys() | seen.keys() if truth.get(a) != seen.get(a)}
    assert {"SOL", "USDT"} <= affected
    assert mismatched(warehouse, integration) == affected
    assert amounts(warehouse, "core.synced_balances", integration) == truth
    assert amounts(warehouse, "marts.calculated_balances", integration) == {a: v for a, v in seen.items()}


def test_kraken_delisted_market_is_caught_by_the_ledger(warehouse, imitation, exchange):
    imitation.faults.delist("kraken", "SOL/EUR")
    integration = exchange("kraken")
    sync(warehouse, integration, full=True)
    with connect(warehouse) as con:
        trades = con.execute(
            "SELECT count(*) FROM raw.records WHERE integration_id = ? AND stream = 'trades'", [integration]).fetchone()[0]
    delisted = [t for t in imitation.kraken.history.trades if t.market == "SOL/EUR"]
    assert delisted and trades == len(imitation.kraken.history.trades) - len(delisted)
    assert_complete(warehouse, imitation, "kraken", integration)


def test_a_delisted_market_warns_on_a_fresh_integration(warehouse, imitation, exchange):
    """Binance keeps a delisted market in exchangeInfo (status BREAK) but no longer returns its
    trades: the first sync of a new integration already says so, not only syncs that had it in
    their cursor; the rest of the history is read."""
    market = max({t.market for t in imitation.binance.history.trades},
                  key=lambda m: sum(t.market == m for t in imitation.binance.history.trades))
    imitation.faults.delist("binance", market)
    log = Log()
    integration = exchange("binance")
    sync(warehouse, integration, full=True, log=log)
    warned = [line for line in log.lines if "no longer listed" in line]
    assert warned == [f"{integration}: market {market.replace('/', '')} is no longer listed; its trades cannot be fetched"]
    with connect(warehouse) as con:
        assert con.execute("SELECT count(*) FROM raw.records WHERE integration_id = ? AND stream = 'trades'",
                           [integration]).fetchone()[0] > 0
