"""Wallet divergence points: the binary search on its own, then against a real anvil node."""

from __future__ import annotations

from decimal import Decimal

from pipelines.reconciliation.divergence import Step, around, calculated_at, first_divergence
from tests.wallet.conftest import wallets  # noqa: F401  (fixture; node_url and chain come from tests/conftest.py)

ETHER = 10**18


def _balance(moves: list[tuple[int, Decimal]], block: int) -> Decimal:
    return sum((amount for at, amount in moves if at <= block), Decimal(0))


def test_search_finds_the_first_disagreeing_block_in_log_reads():
    chain_moves = [(10, Decimal(5)), (500, Decimal(2)), (900, Decimal(-1))]
    recorded = [Step(10, Decimal(5), "0xa"), Step(900, Decimal(4), "0xc")]  # the +2 of block 500 is missing
    reads = []

    def balance_at(block: int) -> Decimal:
        reads.append(block)
        return _balance(chain_moves, block)

    assert first_divergence(0, 1000, balance_at, lambda b: calculated_at(recorded, b)) == 500
    assert len(set(reads)) <= 12  # about log2(1000) reads plus both ends
    assert around(recorded, 500) == (recorded[0], recorded[1])
    assert first_divergence(0, 1000, lambda b: calculated_at(recorded, b), lambda b: calculated_at(recorded, b)) is None
    assert first_divergence(0, 1000, lambda b: Decimal(1), lambda b: calculated_at(recorded, b)) == 0


def test_skipped_block_range_diverges_exactly_at_the_missed_block(wallets, chain):
    from pipelines.reconciliation.divergence import locate
    from pipelines.sync.report import reconciliation_rows
    from pipelines.warehouse import connect

    me = chain.new_address()
    start = chain.block + 1
    token = chain.deploy("TestToken", "Missed", "MISS", 6)
    chain.send(chain.faucet, me, ETHER)
    first = chain.transact(token.functions.mint(me, 2_000_000), chain.faucet)
    integration = wallets.add("Diverging", [me], start_block=start, tokens=[token.address])
    wallets.sync(integration)
    wallets.assert_balanced(integration)
    assert locate(str(wallets.warehouse), integration) == 0  # everything matches: nothing to search

    missed = chain.transact(token.functions.mint(me, 500_000), chain.faucet)  # inside the skipped range
    chain.mine(5)
    after_gap = chain.block
    later = chain.transact(token.functions.mint(me, 250_000), chain.faucet)
    wallets.query("UPDATE app.sync_state SET cursor = ? WHERE integration_id = ? AND stream = 'blocks'",
                  [str(after_gap), integration])
    wallets.sync(integration)

    assert locate(str(wallets.warehouse), integration) == 1
    with connect(wallets.warehouse) as con:
        rows = {r["asset_id"]: r for r in reconciliation_rows(con, integration, mismatches_only=True)}
    (asset_id,) = rows
    assert asset_id == f"ethereum:{token.address.lower()}"
    row = rows[asset_id]
    assert (row["status"], row["tip_code"], row["difference"]) == ("mismatch", "incoming_missing", Decimal("-0.5"))
    d = row["divergence"]
    assert (d["method"], d["divergence_block"]) == ("chain_balance", missed.blockNumber)
    assert (d["source_balance"], d["calculated"]) == (Decimal("2.5"), Decimal("2"))
    assert d["tx_before"] == "0x" + first.transactionHash.hex().removeprefix("0x")
    assert d["tx_after"] == "0x" + later.transactionHash.hex().removeprefix("0x")
    assert f"block {missed.blockNumber}" in row["tip"]


def test_spam_token_mismatch_is_ignored_and_the_rest_matches(wallets, chain):
    from pipelines.reconciliation.divergence import locate
    from pipelines.sync.report import is_mismatch, reconciliation_rows
    from pipelines.warehouse import connect

    me, spammer = chain.new_address(), chain.new_address()
    chain.send(chain.faucet, spammer, ETHER)
    start = chain.block + 1
    spam = chain.deploy("SpamToken", sender=spammer)
    chain.send(chain.faucet, me, ETHER)
    chain.transact(spam.functions.airdrop(chain.faucet, [me], 5_000_000), spammer)
    integration = wallets.add("Airdropped", [me], start_block=start)
    wallets.sync(integration)
    chain.transact(spam.functions.airdrop(chain.faucet, [me], 1_000_000), spammer)  # in a skipped range
    after_gap = chain.block
    chain.send(chain.faucet, me, ETHER)
    wallets.query("UPDATE app.sync_state SET cursor = ? WHERE integration_id = ? AND stream = 'blocks'",
                  [str(after_gap), integration])
    wallets.sync(integration)

    with connect(wallets.warehouse) as con:
        rows = {r["asset_id"]: r for r in reconciliation_rows(con, integration)}
        assert reconciliation_rows(con, integration, mismatches_only=True) == []
    spam_row = rows[f"ethereum:{spam.address.lower()}"]
    assert (spam_row["status"], spam_row["ignored"], spam_row["tip_code"]) == ("mismatch", True, "spam_token")
    assert not is_mismatch(spam_row)
    assert rows["ethereum:native"]["status"] == "match"
    assert locate(str(wallets.warehouse), integration) == 0  # ignored assets are not searched


def test_a_node_that_cannot_read_old_balances_skips_the_search(wallets, chain, node_url):
    import json

    from pipelines.reconciliation.divergence import locate
    from tests.wallet.proxy import LimitedProvider

    me = chain.new_address()
    start = chain.block + 1
    chain.send(chain.faucet, me, ETHER)
    integration = wallets.add("Pruned", [me], start_block=start)
    wallets.sync(integration)
    chain.send(chain.faucet, me, ETHER)  # in a skipped range
    after_gap = chain.block
    chain.mine(1)
    wallets.query("UPDATE app.sync_state SET cursor = ? WHERE integration_id = ? AND stream = 'blocks'",
                  [str(after_gap), integration])
    wallets.sync(integration)
    assert wallets.reconciliation(integration)["ethereum:native"][2] == "mismatch"

    warnings = []

    class Log:
        def warning(self, msg):
            warnings.append(msg)

    # A provider that cannot answer balance reads (no historical state): the search gives up per asset.
    with LimitedProvider(node_url, unsupported=("eth_getBalance",)) as provider:
        settings = {"rpc_url": provider.url, "confirmations": 0, "addresses": [me], "start_block": start}
        wallets.query("UPDATE app.integrations SET settings = ? WHERE integration_id = ?",
                      [json.dumps(settings), integration])
        assert locate(str(wallets.warehouse), integration, Log()) == 0
        assert provider.refused["eth_getBalance"] >= 1
    assert warnings and "historical state" in warnings[0]


def _rebase(chain, token, holder: str, units: int) -> int:
    """Set `holder`'s balance silently (no Transfer event), as a rebasing token does: TestToken's
    balanceOf mapping is storage slot 5. anvil changes the state of the head block, so the new balance
    shows from the head on; returns that block."""
    from eth_abi import encode
    from web3 import Web3

    chain.mine(1)  # a head block of its own, after every earlier transaction
    slot = Web3.keccak(encode(["address", "uint256"], [holder, 5]))
    chain.w3.provider.make_request("anvil_setStorageAt", [token.address, "0x" + slot.hex().removeprefix("0x"),
                                                          "0x" + units.to_bytes(32, "big").hex()])
    return chain.block


def test_token_deployed_after_the_start_block_diverges_at_its_rebase(wallets, chain):
    """Before the token contract exists, eth_call answers `0x`: the wallet held 0 of it then, so the
    search must not stop at the start block but find the block where the balance changed silently."""
    from pipelines.reconciliation.divergence import locate
    from pipelines.sync.report import reconciliation_rows
    from pipelines.warehouse import connect

    me = chain.new_address()
    start = chain.block + 1
    chain.send(chain.faucet, me, ETHER)
    chain.mine(3)
    token = chain.deploy("TestToken", "Rebasing", "REB", 6)
    assert chain.block > start
    minted = chain.transact(token.functions.mint(me, 1_000_000), chain.faucet)
    chain.mine(2)
    rebased = _rebase(chain, token, me, 1_100_000)
    assert token.functions.balanceOf(me).call(block_identifier=rebased - 1) == 1_000_000
    assert token.functions.balanceOf(me).call(block_identifier=rebased) == 1_100_000
    chain.mine(2)
    integration = wallets.add("Rebased", [me], start_block=start, tokens=[token.address])
    wallets.sync(integration)

    assert locate(str(wallets.warehouse), integration) == 1
    with connect(wallets.warehouse) as con:
        (row,) = reconciliation_rows(con, integration, mismatches_only=True)
    d = row["divergence"]
    assert (d["divergence_block"], d["source_balance"], d["calculated"]) == (rebased, Decimal("1.1"), Decimal("1"))
    assert d["tx_before"] == "0x" + minted.transactionHash.hex().removeprefix("0x")
    assert f"block {rebased}" in row["tip"]
