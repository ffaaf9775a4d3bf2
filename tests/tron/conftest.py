"""A Tron wallet integration read from a running TronGrid imitation (with an API key required)."""

from __future__ import annotations

import pytest

from pipelines.imitations.tron import TronGridImitation
from pipelines.imitations.tron.scenario import WALLET
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.sync.build import build
from pipelines.sync.extract import ExtractResult, extract
from pipelines.warehouse import connect, transaction

API_KEY = "5c1f3e2a-tron-pro-key-9d8e7f6a5b4c"


class Quiet:
    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        pass


@pytest.fixture
def trongrid():
    with TronGridImitation(api_key=API_KEY) as imitation:
        yield imitation


@pytest.fixture
def add_wallet(warehouse, trongrid):
    """Register the scenario's Tron wallet, its URL and API key stored as encrypted credentials."""
    with connect(warehouse) as con:
        add_account(con, "justin", "UTC", "EUR")

    def add(name: str = "TronLink", address: str = WALLET) -> str:
        with connect(warehouse) as con:
            return add_integration(con, "justin", name, "wallet", "tron", settings={"address": address},
                                   credentials={"api_url": trongrid.url, "api_key": API_KEY})

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
