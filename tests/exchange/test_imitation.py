"""The imitation enforces the real APIs' limits and signatures, as ccxt sees them over HTTP."""

from __future__ import annotations

import ccxt
import pytest

from pipelines.connectors.exchange.client import make_client

DAY_MS = 86_400_000


def client(imitation, provider: str, **credentials):
    account = getattr(imitation, provider)
    creds = {"apiKey": account.api_key, "secret": account.secret, **credentials}
    return make_client(provider, {"api_origin": imitation.url, "rate_limit_ms": 0.01}, creds)


def test_binance_windows_and_page_sizes(imitation):
    binance = client(imitation, "binance")
    now = binance.milliseconds()
    with pytest.raises(ccxt.BadRequest, match="More than 24 hours"):
        binance.privateGetMyTrades({"symbol": "BTCUSDT", "startTime": now - 2 * DAY_MS, "endTime": now})
    with pytest.raises(ccxt.BadRequest, match="within 0-90 days"):
        binance.sapiGetCapitalDepositHisrec({"startTime": now - 91 * DAY_MS, "endTime": now})
    with pytest.raises(ccxt.BadRequest, match="legal range"):
        binance.privateGetMyTrades({"symbol": "BTCUSDT", "fromId": 0, "limit": 1001})
    page = binance.privateGetMyTrades({"symbol": "BTCUSDT", "fromId": 0, "limit": 1000})
    assert len(page) == 1000 and [int(r["id"]) for r in page] == sorted(int(r["id"]) for r in page)
    with pytest.raises(ccxt.BadSymbol):
        binance.privateGetMyTrades({"symbol": "NOPEUSDT"})


def test_binance_rejects_bad_signatures_and_stale_timestamps(imitation):
    with pytest.raises(ccxt.AuthenticationError, match="Signature for this request is not valid"):
        client(imitation, "binance", secret="0" * 64).privateGetAccount()
    stale = client(imitation, "binance")
    stale.options["timeDifference"] = 120_000  # a clock two minutes behind the server
    with pytest.raises(ccxt.InvalidNonce, match="outside of the recvWindow"):
        stale.privateGetAccount()


def test_kraken_pages_newest_first_and_requires_increasing_nonces(imitation):
    kraken = client(imitation, "kraken")
    first = kraken.privatePostLedgers({})["result"]
    times = [row["time"] for row in first["ledger"].values()]
    assert len(times) == 50 < first["count"] and times == sorted(times, reverse=True)
    second = kraken.privatePostLedgers({"ofs": 50})["result"]["ledger"]
    assert not set(second) & set(first["ledger"]) and max(r["time"] for r in second.values()) <= min(times)
    replay = client(imitation, "kraken")
    replay.incrementing_nonce = lambda: 1  # a nonce below the last one used with this key
    with pytest.raises(ccxt.InvalidNonce):
        replay.privatePostBalanceEx()
    with pytest.raises(ccxt.ExchangeError, match="EAPI:Invalid signature"):  # Kraken's answer to a wrong secret
        client(imitation, "kraken", secret="d3Jvbmc=").privatePostBalanceEx()
