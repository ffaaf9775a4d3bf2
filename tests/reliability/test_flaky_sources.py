"""Flaky sources: with the exchange imitation failing a seeded random 20 % of requests (429 and 418
with Retry-After, 5xx, timeouts, invalid nonce) and the RPC endpoint failing a random 20 % of calls
(HTTP 5xx and 429, JSON-RPC error objects, dropped connections), TronGrid failing a random 20 %
(403 penalties, 503, 429) and the Solana RPC a random 20 % (429, 500, 503), the Bitpanda,
Coinbase, KuCoin, OKX, Bitstamp and Bitvavo imitations failing a random 20 % (429, 500, 503) and
the Bybit imitation a random 20 % (retCode 10006, HTTP 403, 502, 503), a sync ends with exactly the
history a clean sync of the same source gives, or fails with a clear error and leaves the whole
warehouse unchanged. It never ends green with a partial history.

Each source gets one "Clean" integration that reads it directly and one "Flaky" integration per
seed that reads it through the faults. Each syncs twice, a first (full) sync and an incremental
one after new activity; a Flaky integration whose last sync failed syncs once more without faults,
which must then be exact (a failure leaves nothing in the way). Flaky integrations with
`max_retries` 0 fail at their first fault, so both outcomes are exercised, and some of those faults
must hit a history request. Checked by breaking the connectors on purpose: a Binance or Kraken
reader that took a failed page for an empty one, or a wallet that did so with a block window, makes
this test fail ("green with another history").
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
from tests.reliability.worlds import (FAST, OWN_IMITATION_WORLDS, ExchangeWorld, WalletWorld, assert_exact, everything,
                                      layers, synced)
from tests.wallet.proxy import LimitedProvider, RandomRpcFaults

RATE = 0.2
#: A timeout costs the client this long; the imitation's slow answer comes later than that.
TIMEOUT_MS, SLOW_S = 250, 0.4
#: A failed run's first error line: what kept failing where, and (exchanges) that nothing was written.
CLEAR_ERRORS = {
    "exchange": re.compile(r"(binance|kraken) kept failing on \w+ \(\w+\) after \d+ attempts; nothing was "
                           r"written for rel-flaky-\d+"),
    "wallet": re.compile(r"\w+: no answer from the node at http://127\.0\.0\.1:\d+ \(\w+\)|\w+: .+ \(code -?\d+\)"),
    "tron": re.compile(r"TronGrid at http://127\.0\.0\.1:\d+: HTTP (403|429|503) on (account|transactions|transactions/trc20|events)"),
    "solana": re.compile(r"Solana RPC at http://127\.0\.0\.1:\d+: HTTP (429|500|503) on \w+"),
    "bitpanda": re.compile(r"bitpanda kept failing on [a-z/]+ \(HTTP (429|500|503)\) after \d+ attempts; nothing was "
                           r"written for rel-flaky-\d+"),
    "kucoin": re.compile(r"kucoin kept failing on privateGet\w+ \(\w+\) after \d+ attempts; nothing was written for "
                         r"rel-flaky-\d+"),
    "coinbase": re.compile(r"coinbase kept failing on v2Private\w+ \(\w+\) after \d+ attempts; nothing was written for rel-flaky-\d+"),
    "bybit": re.compile(r"bybit kept failing on \w+ \((RateLimitExceeded|ExchangeNotAvailable)\) after \d+ attempts; "
                        r"nothing was written for rel-flaky-\d+"),
    "bitstamp": re.compile(r"bitstamp kept failing on \w+ \(\w+\) after \d+ attempts; nothing was written for rel-flaky-\d+"),
    "bitvavo": re.compile(r"bitvavo kept failing on \w+ \(\w+\) after \d+ attempts; nothing was written for rel-flaky-\d+"),
    "okx": re.compile(r"okx kept failing on \w+ \(\w+\) after \d+ attempts; nothing was written for rel-flaky-\d+"
                      r"|okx is still preparing the bill archive of .+ for rel-flaky-\d+ .+; nothing was written"),
}


def all_tables(warehouse) -> tuple[str, ...]:
    with connect(warehouse, read_only=True) as con:
        rows = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    return tuple(r[0] for r in rows)


class FlakyExchange:
    """An exchange on the imitation; a Flaky integration has a short timeout and its own `max_retries`."""

    kind = "exchange"

    def __init__(self, warehouse, provider: str) -> None:
        self.world = ExchangeWorld(warehouse, provider)
        self.provider = provider
        # Some twenty syncs of one account within a minute: only the injected faults may refuse a
        # request, not Binance's weight budget (its Retry-After would be up to 60 s).
        self.world.imitation.apis["binance"].weight_limit = 10**9

    def add_flaky(self, name: str, max_retries: int) -> str:
        settings = {"api_origin": self.world.imitation.url, **FAST, "timeout_ms": TIMEOUT_MS, "max_retries": max_retries}
        with connect(self.world.warehouse) as con:
            return add_integration(con, "rel", name, "exchange", self.provider, settings=settings,
                                   credentials={"apiKey": self.world.account.api_key, "secret": self.world.account.secret})

    @contextlib.contextmanager
    def faulty(self, seed: int):
        """Faults on for the block; yields a list that then holds how many were injected."""
        faults, injected = self.world.imitation.faults, []
        plan = faults.randomly(self.provider, RATE, seed, retry_after=0, delay=SLOW_S)
        try:
            yield injected
        finally:
            faults.clear()
            injected.append(plan.drawn.total())

    def close(self) -> None:
        self.world.close()


class FlakyWallet:
    """An EVM wallet on anvil; a Flaky integration reads it through a proxy that fails requests when faulty."""

    kind = "wallet"

    def __init__(self, warehouse, node_url: str, chain) -> None:
        self.world = WalletWorld(warehouse, node_url, chain)
        self.proxy = LimitedProvider(node_url).__enter__()

    def add_flaky(self, name: str, max_retries: int) -> str:
        settings = {"rpc_url": self.proxy.url, "confirmations": 0, "addresses": [self.world.address],
                    "max_retries": max_retries}
        with connect(self.world.warehouse) as con:
            return add_integration(con, "rel", name, "wallet", "ethereum", settings=settings)

    @contextlib.contextmanager
    def faulty(self, seed: int):
        self.proxy.flaky, injected = RandomRpcFaults(RATE, seed), []
        try:
            yield injected
        finally:
            injected.append(self.proxy.flaky.injected.total())
            self.proxy.flaky = None

    def close(self) -> None:
        self.proxy.__exit__()


@contextlib.contextmanager
def randomly_failing(server, seed: int):
    """Faults on for the block of an imitation with `randomly(rate, seed)` and an `injected` count
    (TronGrid, Bitpanda); yields a list that then holds how many were injected."""
    injected, start = [], server.injected
    server.randomly(RATE, seed)
    try:
        yield injected
    finally:
        server.randomly(None)
        injected.append(server.injected - start)


class FlakyOwnImitation:
    """A source with an imitation of its own (every exchange but Binance and Kraken, Tron, Solana):
    the world's `imitation` fails a random share of requests when faulty, each in its API's shapes
    (Bitpanda's JSON:API errors, KuCoin's 429000, Bybit's 10006, TronGrid's 403 penalties ...)."""

    def __init__(self, warehouse, world_class) -> None:
        self.kind = world_class.provider
        self.world = world_class(warehouse)

    def add_flaky(self, name: str, max_retries: int) -> str:
        return self.world.add(name, max_retries=max_retries)

    def faulty(self, seed: int):
        return randomly_failing(self.world.imitation, seed)

    def close(self) -> None:
        self.world.close()


#: One Flaky integration per (seed, max_retries): with 5 retries a sync nearly always ends exact;
#: with 0 its first fault fails it (or, if a connector skipped what failed, shows a partial history).
#: Some of those faults must hit a history request (not the markets or the balance), or a skipped
#: page could not show: these calls' names in an error prove one did.
HISTORY_CALLS = {
    "exchange": re.compile(r"failing on (privateGetMyTrades|sapiGetCapital\w+|privatePost(Ledgers|TradesHistory|\w+Status)) "),
    "wallet": re.compile(r"^(trace_filter|trace_transaction|eth_getLogs|eth_getTransactionReceipt|eth_getBlockByNumber): "),
    "tron": re.compile(r" on transactions"),
    "solana": re.compile(r" on (getSignaturesForAddress|getTransaction)$"),
    "bitpanda": re.compile(r" on (trades|wallets/transactions|fiatwallets/transactions) "),
    "kucoin": re.compile(r"failing on privateGet(AccountsLedgers|Deposits|Withdrawals) "),
    "coinbase": re.compile(r" on v2PrivateGetAccountsAccountIdTransactions "),
    "bybit": re.compile(r" on privateGetV5(AccountTransactionLog|Asset\w+(Record|List|History)|EarnYield) "),
    "bitstamp": re.compile(r" on privatePostUserTransactions "),
    "bitvavo": re.compile(r" on privateGetAccountHistory "),
    "okx": re.compile(r"failing on privateGet(AccountBills|AccountBillsArchive|AssetBillsHistory|TradeFillsHistory) "),
}
PLANS = ((1, 5), (2, 2), *((seed, 0) for seed in range(9, 14)))


@pytest.fixture(params=["binance", "kraken", "wallet", *OWN_IMITATION_WORLDS])
def source(request, warehouse):
    if request.param in OWN_IMITATION_WORLDS:
        made = FlakyOwnImitation(warehouse, OWN_IMITATION_WORLDS[request.param])
    elif request.param == "wallet":
        made = FlakyWallet(warehouse, request.getfixturevalue("node_url"), request.getfixturevalue("chain"))
    else:
        made = FlakyExchange(warehouse, request.param)
    yield made
    made.close()


def test_a_flaky_source_gives_the_exact_history_or_a_clear_failure_that_changes_nothing(warehouse, source, record_property):
    world = source.world
    clean = world.add("Clean")
    flaky = {seed: source.add_flaky(f"Flaky {seed}", retries) for seed, retries in PLANS}
    tables = all_tables(warehouse)
    injected, outcomes, errors = 0, {seed: [] for seed in flaky}, []
    for round_ in range(2):
        if round_:
            world.new_activity()
        synced(clean)
        for seed, integration in flaky.items():
            before = everything(warehouse, tables)
            with source.faulty(seed * 100 + round_) as count:
                [outcome] = sync([integration])
            injected += count[0]
            outcomes[seed].append("green" if outcome.success else "failed")
            if outcome.success:
                assert layers(warehouse, integration) == layers(warehouse, clean), f"seed {seed}: green with another history"
                assert_exact(warehouse, integration, world.truth())
            else:
                errors.append(outcome.error)
                assert CLEAR_ERRORS[source.kind].fullmatch(outcome.error or ""), (seed, outcome.error)
                assert everything(warehouse, tables) == before, f"seed {seed}: a failed sync changed the warehouse"
    assert injected > 0, "no fault was injected: the test proved nothing"
    assert any(HISTORY_CALLS[source.kind].search(e) for e in errors), f"no history request failed for good: {errors}"
    for seed, integration in flaky.items():
        if outcomes[seed][-1] == "failed":
            synced(integration)  # the source recovered: the next sync is exact
            assert layers(warehouse, integration) == layers(warehouse, clean), f"seed {seed}: not exact after recovery"
            assert_exact(warehouse, integration, world.truth())
    record_property("faults", injected)
    record_property("outcomes", outcomes)


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


@pytest.mark.parametrize(("error", "transient", "call_failure", "range_error", "unsupported"), [
    ({"code": 3, "message": "execution reverted"}, False, True, False, False),
    ({"code": -32603, "message": "EVM error InvalidFEOpcode"}, False, True, False, False),  # anvil's invalid opcode
    ({"code": -32603, "message": "internal error"}, True, False, False, False),
    ({"code": 429, "message": "Your app has exceeded its compute units per second capacity"}, True, False, False, False),
    ({"code": -32005, "message": "project ID request rate exceeded"}, True, False, False, False),
    ({"code": -32005, "message": "query returned more than 10000 results"}, False, False, True, False),
    ({"code": -32000, "message": "service temporarily not available"}, True, False, False, False),
    ({"code": -32601, "message": "the method trace_filter does not exist/is not available"}, False, False, False, True),
])
def test_error_answers_are_told_apart(error, transient, call_failure, range_error, unsupported):
    """Retried (transient), kept as the call's answer (call failure), a smaller range, or another
    history method: a busy provider's answer is only ever the first."""
    rpc_error = RpcError("eth_call", error)
    assert (rpc_error.is_transient, rpc_error.is_call_failure, rpc_error.is_range_error, rpc_error.is_unsupported) == (
        transient, call_failure, range_error, unsupported)
