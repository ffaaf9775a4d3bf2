"""Flaky sources: with the exchange imitation failing a seeded random 20 % of requests (429 and 418
with Retry-After, 5xx, timeouts, invalid nonce) and the RPC endpoint failing a random 20 % of calls
(HTTP 5xx and 429, JSON-RPC error objects, dropped connections), a sync ends with exactly the
history a clean sync of the same source gives, or fails with a clear error and leaves the whole
warehouse unchanged. It never ends green with a partial history.

Each case registers two integrations of one source: "Clean" reads it directly, "Flaky" through the
faults. Both sync twice, a first (full) sync and an incremental one after new activity; a Flaky
sync that failed is followed by a clean one, which must then be exact (a failure leaves nothing in
the way). Cases with `max_retries` 0 (and some with 2) fail, so both outcomes are exercised.
"""

from __future__ import annotations

import contextlib
import re

import pytest

from pipelines.connectors.wallet import tokens
from pipelines.connectors.wallet.rpc import Node, RpcError
from pipelines.registry.integrations import add_integration
from pipelines.runner import sync
from pipelines.warehouse import connect
from tests.reliability.worlds import FAST, ExchangeWorld, WalletWorld, assert_exact, everything, layers
from tests.wallet.proxy import LimitedProvider, RandomRpcFaults

RATE = 0.2
#: A timeout costs the client this long; the imitation's slow answer comes later than that.
TIMEOUT_MS, SLOW_S = 250, 0.4
#: A failed run's first error line: what kept failing where, and (exchanges) that nothing was written.
CLEAR_ERRORS = {
    "exchange": re.compile(r"pipelines\.connectors\.exchange\.client\.ExchangeUnavailable: (binance|kraken) kept "
                           r"failing on \w+ \(\w+\) after \d+ attempts; nothing was written for rel-flaky"),
    "wallet": re.compile(r"pipelines\.connectors\.wallet\.rpc\.(NodeUnreachable: \w+: no answer from the node at "
                         r"http://127\.0\.0\.1:\d+ \(\w+\)|RpcError: \w+: .+ \(code -?\d+\))"),
}


def all_tables(warehouse) -> tuple[str, ...]:
    with connect(warehouse, read_only=True) as con:
        rows = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    return tuple(r[0] for r in rows)


class FlakyExchange:
    """An exchange on the imitation; Flaky has a short timeout and `max_retries`."""

    kind = "exchange"

    def __init__(self, warehouse, provider: str, max_retries: int) -> None:
        self.world = ExchangeWorld(warehouse, provider)
        self.provider, self.max_retries, self.injected = provider, max_retries, 0

    def add_flaky(self) -> str:
        settings = {"api_origin": self.world.imitation.url, **FAST, "timeout_ms": TIMEOUT_MS, "max_retries": self.max_retries}
        with connect(self.world.warehouse) as con:
            return add_integration(con, "rel", "Flaky", "exchange", self.provider, settings=settings,
                                   credentials={"apiKey": self.world.account.api_key, "secret": self.world.account.secret})

    @contextlib.contextmanager
    def faulty(self, seed: int):
        faults = self.world.imitation.faults
        plan = faults.randomly(self.provider, RATE, seed, retry_after=0, delay=SLOW_S)
        try:
            yield
        finally:
            faults.clear()
            self.injected += plan.drawn.total()

    def close(self) -> None:
        self.world.close()


class FlakyWallet:
    """An EVM wallet on anvil; Flaky reads it through a proxy that fails requests when faulty."""

    kind = "wallet"

    def __init__(self, warehouse, node_url: str, chain, max_retries: int) -> None:
        self.world = WalletWorld(warehouse, node_url, chain)
        self.proxy = LimitedProvider(node_url).__enter__()
        self.max_retries, self.injected = max_retries, 0

    def add_flaky(self) -> str:
        settings = {"rpc_url": self.proxy.url, "confirmations": 0, "addresses": [self.world.address],
                    "max_retries": self.max_retries}
        with connect(self.world.warehouse) as con:
            return add_integration(con, "rel", "Flaky", "wallet", "ethereum", settings=settings)

    @contextlib.contextmanager
    def faulty(self, seed: int):
        self.proxy.flaky = RandomRpcFaults(RATE, seed)
        try:
            yield
        finally:
            self.injected += self.proxy.flaky.injected.total()
            self.proxy.flaky = None

    def close(self) -> None:
        self.proxy.__exit__()


#: (source, seed, max_retries of the Flaky integration)
CASES = [(source, seed, retries) for source in ("binance", "kraken", "wallet") for seed, retries in ((1, 5), (2, 2), (3, 0))]


@pytest.fixture(params=CASES, ids=[f"{p}-seed{s}-retries{r}" for p, s, r in CASES])
def source(request, warehouse):
    provider, seed, retries = request.param
    if provider == "wallet":
        made = FlakyWallet(warehouse, request.getfixturevalue("node_url"), request.getfixturevalue("chain"), retries)
    else:
        made = FlakyExchange(warehouse, provider, retries)
    made.seed = seed
    yield made
    made.close()


def synced(integration_id: str) -> None:
    [outcome] = sync([integration_id])
    assert outcome.success, outcome.error


def test_a_flaky_source_gives_the_exact_history_or_a_clear_failure_that_changes_nothing(warehouse, source, record_property):
    world = source.world
    clean, flaky = world.add("Clean"), source.add_flaky()
    tables = all_tables(warehouse)
    outcomes = []
    for round_ in range(2):
        if round_:
            world.new_activity()
        synced(clean)
        before = everything(warehouse, tables)
        with source.faulty(source.seed * 100 + round_):
            [outcome] = sync([flaky])
        outcomes.append(outcome)
        if outcome.success:
            assert layers(warehouse, flaky) == layers(warehouse, clean), f"green with another history ({outcome})"
            assert_exact(warehouse, flaky, world.truth())
        else:
            assert CLEAR_ERRORS[source.kind].fullmatch(outcome.error or ""), outcome.error
            assert everything(warehouse, tables) == before, f"a failed sync changed the warehouse ({outcome.error})"
    assert source.injected > 0, "no fault was injected: the test proved nothing"
    if not outcomes[-1].success:
        synced(flaky)  # the source recovered: the next sync is exact
        assert layers(warehouse, flaky) == layers(warehouse, clean)
        assert_exact(warehouse, flaky, world.truth())
    record_property("faults", source.injected)
    record_property("outcomes", " ".join("green" if o.success else "failed" for o in outcomes))


def test_a_busy_providers_error_is_never_taken_for_a_tokens_answer(node_url, chain):
    """A token without `decimals()` reverts, and its amounts are whole units; a rate-limited
    `eth_call` says nothing about the token. Taken as its answer, the token would be booked with
    0 decimals (and remembered so) in a sync that ends green."""
    token = chain.deploy("TestToken", "Busy", "BSY", 18)
    with LimitedProvider(node_url, flaky=RandomRpcFaults(1.0, seed=0, kinds=("rpc_error",))) as proxy:
        node = Node(proxy.url, retries=1)
        with pytest.raises(RpcError) as error:
            tokens.metadata(node, [token.address], chain.w3.eth.block_number)
    assert error.value.is_transient and node.retried == 1
