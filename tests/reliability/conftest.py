"""Worlds for the reliability tests: an exchange on the imitation, an EVM wallet on anvil."""

from __future__ import annotations

import pytest

from tests.reliability.worlds import BitcoinWorld, ExchangeWorld, WalletWorld


@pytest.fixture(scope="session")
def node_url():
    from pipelines.connectors.wallet.devnode import anvil

    with anvil(chain_id=1) as url:
        yield url


@pytest.fixture(scope="session")
def chain(node_url):
    from pipelines.connectors.wallet.devnode import DevChain

    return DevChain(node_url)


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
