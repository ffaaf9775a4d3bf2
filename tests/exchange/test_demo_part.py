"""The demo's exchange part: Binance shows the delisted market's mismatch, Kraken, Bitpanda and Coinbase match."""

from __future__ import annotations

import contextlib
import os

from pipelines.assets.prices import ORIGIN_ENV
from pipelines.demo_parts import exchange as demo_exchange
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import list_integrations
from pipelines.warehouse import connect
from tests.exchange.conftest import mismatched, sync


def test_demo_part_registers_the_exchanges_with_one_seeded_gap(warehouse, monkeypatch):
    monkeypatch.delenv(ORIGIN_ENV, raising=False)
    with contextlib.ExitStack() as stack:
        with connect(warehouse) as con:
            add_account(con, "demo", "Europe/Vienna", "EUR")
            demo_exchange.setup(con, "demo", stack)
            integrations = {i.provider: i for i in list_integrations(con, "demo")}
        assert set(integrations) == {"binance", "kraken", "bitpanda", "coinbase"}
        assert os.environ[ORIGIN_ENV] == integrations["kraken"].settings["api_origin"]
        for integration in integrations.values():
            assert "secret" not in integration.settings and integration.credentials  # encrypted, not in settings
            sync(warehouse, integration.integration_id, full=True)
        assert {"SOL", "USDT"} <= mismatched(warehouse, integrations["binance"].integration_id)
        assert mismatched(warehouse, integrations["kraken"].integration_id) == set()
        assert mismatched(warehouse, integrations["bitpanda"].integration_id) == set()
        assert mismatched(warehouse, integrations["coinbase"].integration_id) == set()
