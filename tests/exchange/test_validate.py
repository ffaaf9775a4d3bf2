"""Adding exchange integrations: any ccxt id, checked settings and credentials, nothing stored on error."""

from __future__ import annotations

import re

import pytest

from pipelines.errors import UserError
from pipelines.registry.integrations import add_integration, get_integration
from pipelines.warehouse import connect

KEYS = {"apiKey": "k", "secret": "s"}


@pytest.mark.parametrize("provider", ["binance", "Kraken", "bitstamp", "coinbase"])
def test_any_ccxt_exchange_id_is_a_provider(warehouse, account, provider):
    with connect(warehouse) as con:
        integration = add_integration(con, account, provider, "exchange", provider,
                                      settings={"api_origin": "https://gateway.example:8443"}, credentials=KEYS)
        stored = get_integration(con, integration)
    assert stored.provider == provider.lower()
    assert stored.credentials and "k" not in stored.settings.values()


@pytest.mark.parametrize(("provider", "settings", "credentials", "message"), [
    ("binanse", {}, KEYS, "unknown exchange 'binanse'"),
    ("binance", {}, {"apiKey": "k"}, "binance needs the credentials secret"),
    ("binance", {"api_origin": "ftp://x"}, KEYS, "api_origin 'ftp://x' must look like https://host[:port]"),
    ("binance", {"api_origin": "http://127.0.0.1:1/api"}, KEYS, "(no path)"),
    ("binance", {"markets": "BTC/USDT"}, KEYS, "setting markets must be a JSON list"),
    ("kraken", {"start_date": "last year"}, KEYS, "is not an ISO date"),
    ("kraken", {"retry_backoff_s": "fast"}, KEYS, "setting retry_backoff_s must be a number"),
])
def test_invalid_exchange_integrations_are_rejected(warehouse, account, provider, settings, credentials, message):
    with connect(warehouse) as con:
        with pytest.raises(UserError, match=re.escape(message)):
            add_integration(con, account, "X", "exchange", provider, settings=settings, credentials=credentials)
        assert con.execute("SELECT count(*) FROM app.integrations").fetchone()[0] == 0
