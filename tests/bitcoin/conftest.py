"""A Bitcoin wallet integration (the test mnemonic's zpub) read from a running Esplora imitation."""

from __future__ import annotations

import pytest

from pipelines.imitations.esplora import EsploraImitation
from pipelines.imitations.esplora.scenario import wallet_zpub
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.sync.build import build
from pipelines.sync.extract import ExtractResult, extract
from pipelines.warehouse import connect, transaction


class Quiet:
    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        pass


@pytest.fixture
def esplora():
    with EsploraImitation() as imitation:
        yield imitation


@pytest.fixture
def add_wallet(warehouse, esplora):
    """Register a Bitcoin wallet with the given settings (the test zpub by default); returns its id."""
    with connect(warehouse) as con:
        add_account(con, "satoshi", "UTC", "EUR")

    def add(name: str = "Cold Storage", **settings) -> str:
        settings = {"xpubs": [wallet_zpub()], "esplora_url": esplora.url, **settings}
        with connect(warehouse) as con:
            return add_integration(con, "satoshi", name, "wallet", "bitcoin", settings=settings)

    return add


@pytest.fixture
def sync(warehouse):
    """Extract, then build every layer in one transaction, as the Dagster assets do."""

    def run(integration_id: str, *, full: bool = False) -> ExtractResult:
        result = extract(integration_id, full=full, log=Quiet())
        with connect(warehouse) as con, transaction(con):
            build(con, [integration_id])
        return result

    return run


@pytest.fixture
def query(warehouse):
    def run(sql: str, *params):
        with connect(warehouse) as con:
            return con.execute(sql, list(params)).fetchall()

    return run


def blockbook_of(coin: str):
    """A Blockbook imitation of `coin` serving the generated history for the test mnemonic's zpub on it."""
    from pipelines.connectors.bitcoin.coins import COINS
    from pipelines.imitations.blockbook import BlockbookImitation
    from pipelines.imitations.esplora.scenario import Wallet

    return BlockbookImitation(Wallet(COINS[coin]))


@pytest.fixture
def litecoin():
    with blockbook_of("litecoin") as imitation:
        yield imitation


@pytest.fixture(params=["litecoin", "dogecoin", "bitcoin-cash", "bitcoin"])
def blockbook(request):
    """Each coin read through a Blockbook, one test run per coin."""
    with blockbook_of(request.param) as imitation:
        yield imitation
