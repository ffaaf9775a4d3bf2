"""Providers with limits (through a proxy in front of the real anvil node): range splitting, the
block-scan fallback without trace_filter, and a node on the wrong chain."""

from __future__ import annotations

import pytest

from pipelines.errors import UserError
from tests.wallet.proxy import LimitedProvider

ETHER = 10**18


def test_log_and_trace_ranges_halve_on_too_many_results_and_grow_back(wallets, chain, node_url):
    me = chain.new_address()
    start = chain.block + 1
    token = chain.deploy("TestToken", "Busy", "BUSY", 6)
    chain.send(chain.faucet, me, ETHER)
    for i in range(12):  # 12 transfers in, spread over ~60 blocks
        chain.transact(token.functions.mint(me, 1_000 + i), chain.faucet)
        chain.send(chain.faucet, me, 1 + i)
        chain.mine(3)
    with LimitedProvider(node_url, max_results=3) as provider:
        integration = wallets.add("Busy", [me], start_block=start, rpc_url=provider.url, max_block_range=64)
        result = wallets.sync(integration)
    stats = result.snapshot.stats
    assert provider.refused["eth_getLogs"] > 0 and provider.refused["trace_filter"] > 0
    assert stats["ranges/halvings"] > 0 and stats["ranges/windows"] > 4
    assert stats["ranges/last_span"] > 1  # it grew again after the busy stretch
    assert result.fetched["token_transfers"] == 12 and result.fetched["native_transfers"] == 13
    wallets.assert_balanced(integration)


def test_node_without_trace_filter_falls_back_to_a_block_scan(wallets, chain, node_url):
    me, friend = chain.new_address(), chain.new_address()
    start = chain.block + 1
    token = chain.deploy("TestToken", "Scanned", "SCAN", 18)
    forwarder = chain.deploy("EthForwarder")
    chain.send(chain.faucet, me, ETHER)
    chain.transact(token.functions.mint(me, 5 * ETHER), chain.faucet)
    chain.transact(token.functions.transfer(friend, ETHER), me)
    chain.send(me, friend, ETHER // 5)
    chain.transact(token.functions.transfer(friend, 10 * ETHER), me, gas=100_000)  # fails, pays gas
    with LimitedProvider(node_url, unsupported=("trace_filter", "trace_transaction")) as provider:
        integration = wallets.add("Scanned", [me], start_block=start, rpc_url=provider.url)
        result = wallets.sync(integration)
        assert result.snapshot.stats["history_method"] == "block_scan"
        wallets.assert_balanced(integration)

        # Ether a contract sends is invisible without traces: only the native balance disagrees.
        chain.transact(forwarder.functions.forward(me, 4_242), chain.faucet, value=4_242)
        wallets.sync(integration)
    rec = wallets.reconciliation(integration)
    assert {a for a, (_, _, status) in rec.items() if status != "match"} == {"ethereum:native"}
    synced, calculated, _ = rec["ethereum:native"]
    assert (synced - calculated).scaleb(18) == 4_242


def test_block_scan_is_bounded_per_sync(wallets, chain):
    me = chain.new_address()
    start = chain.block + 1
    chain.send(chain.faucet, me, 3)
    chain.mine(20)
    chain.send(chain.faucet, me, 4)
    integration = wallets.add("Bounded", [me], start_block=start, history="scan", max_scan_blocks=10)
    first = wallets.sync(integration)
    assert first.snapshot.stats["to_block"] == start + 9 and first.fetched["native_transfers"] == 1
    wallets.assert_balanced(integration)  # the balance is read at the block the history stops at
    while int(wallets.sync(integration).snapshot.cursors["blocks"]) < chain.block:
        pass
    rec = wallets.assert_balanced(integration)
    assert rec["ethereum:native"][0].scaleb(18) == 7


def test_a_node_on_another_chain_is_refused(wallets, chain):
    integration = wallets.add("Wrong chain", [chain.new_address()], provider="polygon")
    with pytest.raises(UserError, match="answers as chain 1, not Polygon PoS"):
        wallets.sync(integration)
    assert wallets.query("SELECT count(*) FROM raw.records WHERE integration_id = ?", [integration]) == [(0,)]
