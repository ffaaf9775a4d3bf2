"""A Solana wallet integration read from a running Solana RPC imitation whose URL holds an API key
(Helius' `?api-key=` style). `sync` and `query` are the Tron tests' fixtures, reused."""

from __future__ import annotations

import pytest

from pipelines.imitations.solana import SolanaImitation
from pipelines.imitations.solana.scenario import WALLET
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.tron.conftest import query, sync  # noqa: F401  (fixtures)

API_KEY = "7f3c9a1e-helius-key-4b2d8e6f0a1c"


@pytest.fixture
def rpc():
    with SolanaImitation(api_key=API_KEY) as imitation:
        yield imitation


@pytest.fixture
def add_wallet(warehouse, rpc):
    """Register the scenario's Solana wallet, its RPC URL (holding the key) stored as an encrypted credential."""
    with connect(warehouse) as con:
        add_account(con, "toly", "UTC", "EUR")

    def add(name: str = "Phantom", address: str = WALLET, **settings) -> str:
        with connect(warehouse) as con:
            return add_integration(con, "toly", name, "wallet", "solana", settings={"address": address, **settings},
                                   credentials={"rpc_url": rpc.url})

    return add
