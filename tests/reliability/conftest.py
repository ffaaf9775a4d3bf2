"""Worlds for the reliability tests: exchanges on the imitation, an EVM wallet on anvil (`node_url` and
`chain` from tests/conftest.py), a Bitcoin wallet on the Esplora imitation."""

from __future__ import annotations

import pytest

from tests.reliability.worlds import BitcoinWorld, ExchangeWorld, WalletWorld


@pytest.fixture(params=["binance", "kraken", "wallet", "bitcoin"])
def world(request, warehouse):
    if request.param == "bitcoin":
        made = BitcoinWorld(warehouse)
    elif request.param == "wallet":
        made = WalletWorld(warehouse, request.getfixturevalue("node_url"), request.getfixturevalue("chain"))
    else:
        made = ExchangeWorld(warehouse, request.param)
    yield made
    made.close()
