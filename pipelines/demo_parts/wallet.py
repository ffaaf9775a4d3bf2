"""Demo: an EVM wallet on a local anvil node (standing in for Ethereum, chain id 1) with ether in
and out, a token bought and partly sent on, ether a contract paid in an internal transaction, a
failed transaction that still cost gas, and a spam airdrop; its balances match to the wei."""

from __future__ import annotations

import contextlib

ETHER = 10**18


def make_history(url: str) -> tuple[str, int]:
    """Activity for a fresh address; returns the address and the block before its first move."""
    from pipelines.connectors.wallet.devnode import DevChain

    chain = DevChain(url)
    me, friend = chain.new_address(), chain.new_address()
    start = chain.block + 1
    chain.send(chain.faucet, friend, ETHER)
    usd = chain.deploy("TestToken", "Demo Dollar", "DUSD", 6)
    forwarder = chain.deploy("EthForwarder")
    spam = chain.deploy("SpamToken", sender=friend)
    chain.send(chain.faucet, me, 3 * ETHER)
    chain.transact(usd.functions.mint(me, 2_500_000_000), chain.faucet)
    chain.transact(usd.functions.transfer(friend, 400_000_000), me)
    chain.send(me, friend, ETHER // 2)
    chain.transact(forwarder.functions.forward(me, ETHER // 20), chain.faucet, value=ETHER // 20)
    chain.transact(usd.functions.transfer(friend, 10**15), me, gas=100_000)  # reverts: only gas is paid
    chain.transact(spam.functions.airdrop(chain.faucet, [me], 1_000_000_000), friend)
    return me, start


def setup(con, account_id: str, stack: contextlib.ExitStack) -> None:
    from pipelines.connectors.wallet.devnode import anvil
    from pipelines.connectors.wallet.registration import add_wallet

    url = stack.enter_context(anvil(chain_id=1))
    address, start = make_history(url)
    add_wallet(
        con, account_id, "MetaMask", [address], ["ethereum"], group="Wallets", rpc_urls={"ethereum": url},
        settings={"confirmations": 0, "start_block": start},
    )
