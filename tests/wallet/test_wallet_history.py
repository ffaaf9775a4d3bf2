"""Wallet history against a real anvil node: every kind of move, and balances that agree to the wei."""

from __future__ import annotations

import json
from decimal import Decimal

ETHER = 10**18


def _receipt_fee(receipt) -> int:
    return receipt.gasUsed * receipt.effectiveGasPrice


def test_every_kind_of_move_balances_to_the_wei(wallets, chain):
    me, friend = chain.new_address(), chain.new_address()
    chain.send(chain.faucet, friend, ETHER)  # the spammer pays its own gas
    start = chain.block + 1
    real = chain.deploy("TestToken", "Real Token", "REAL", 6)
    old = chain.deploy("Bytes32Token", 1_000)
    fee_token = chain.deploy("FeeOnTransferToken")
    forwarder = chain.deploy("EthForwarder")
    spam = chain.deploy("SpamToken", sender=friend)

    chain.send(chain.faucet, me, 2 * ETHER)                                           # ETH in
    paid = [chain.send(me, friend, ETHER // 4)]                                       # ETH out
    chain.transact(real.functions.mint(me, 7_500_000), chain.faucet)                  # token in
    paid.append(chain.transact(real.functions.transfer(friend, 1_250_000), me))       # token out
    failed = chain.transact(real.functions.transfer(friend, 10**12), me, gas=100_000)  # reverts, pays gas
    paid.append(failed)
    paid.append(chain.send(me, me, ETHER // 10))                                      # self-transfer
    chain.transact(forwarder.functions.forward(me, 12_345), chain.faucet, value=12_345)  # internal ETH in
    chain.transact(forwarder.functions.forwardThenUndo(me, 777), chain.faucet, value=777)  # undone: no move
    chain.send(chain.faucet, forwarder.address, 999)
    destroyed = chain.w3.eth.get_balance(forwarder.address) + 1  # 777 stayed there after the undo
    chain.transact(forwarder.functions.destroyTo(me), chain.faucet, value=1)          # SELFDESTRUCT sends it all
    chain.transact(old.functions.transfer(me, 40), chain.faucet)                      # bytes32, no decimals
    paid.append(chain.transact(old.functions.transfer(friend, 15), me))
    chain.transact(fee_token.functions.mint(me, 10 * ETHER), chain.faucet)
    paid.append(chain.transact(fee_token.functions.transfer(friend, 4 * ETHER), me))  # 1% burnt on the way
    chain.transact(spam.functions.airdrop(chain.faucet, [me], 5_000_000), friend)     # spoofed sender
    assert failed.status == 0

    integration = wallets.add("Main", [me], start_block=start)
    result = wallets.sync(integration)
    assert result.snapshot.stats["history_method"] == "trace_filter"

    rec = wallets.assert_balanced(integration)
    native = "ethereum:native"
    fees = sum(_receipt_fee(r) for r in paid)
    expected_wei = 2 * ETHER - ETHER // 4 - fees + 12_345 + destroyed
    assert rec[native][0] == Decimal(expected_wei).scaleb(-18)
    assert rec[f"ethereum:{real.address.lower()}"][0] == Decimal("6.25")
    assert rec[f"ethereum:{old.address.lower()}"][0] == Decimal(25)  # no decimals(): whole units
    assert rec[f"ethereum:{fee_token.address.lower()}"][0] == Decimal(6)  # the sender pays the burnt part
    assert rec[f"ethereum:{spam.address.lower()}"][0] == Decimal(5)

    rows = wallets.query(
        "SELECT label, outgoing_asset, outgoing_amount, incoming_asset, incoming_amount, fee_amount, comment, external_id "
        "FROM core.transactions WHERE integration_id = ?", [integration],
    )
    by_hash = {r[7]: r for r in rows}
    assert by_hash[failed.transactionHash.to_0x_hex()][:6] == ("Fee", None, None, None, None, Decimal(_receipt_fee(failed)).scaleb(-18))
    assert "failed" in by_hash[failed.transactionHash.to_0x_hex()][6]
    assert "self-transfer" in by_hash[paid[3].transactionHash.to_0x_hex()][6]
    internal = [r for r in rows if r[3] == "ETH" and r[4] in (Decimal(12_345).scaleb(-18), Decimal(destroyed).scaleb(-18))]
    assert len(internal) == 2
    assert not [r for r in rows if r[4] == Decimal(777).scaleb(-18)]  # the undone internal send moved nothing
    # The spam token calls itself USDT but keeps its own asset id and is flagged for imitating the
    # listed USDT; the tokens the wallet sent are known.
    verdicts = {s: (st, r) for s, st, r in wallets.query(
        "SELECT symbol, status, reason FROM raw.token_metadata WHERE integration_id = ?", [integration])}
    sent = ("known", "the wallet sent a transaction that moved it")
    assert verdicts == {"REAL": sent, "OLD": sent, "FEE": sent, "USDT": (
        "spam", "imitates the listed token USDT 0xdac17f958d2ee523a2206206994597c13d831ec7")}
    # Raw payloads keep the node's own encoding: hex quantities, not numbers or decimals.
    payload = json.loads(wallets.query(
        "SELECT payload FROM raw.records WHERE integration_id = ? AND stream = 'token_transfers' LIMIT 1", [integration]
    )[0][0])
    assert payload["data"].startswith("0x") and len(payload["data"]) == 66


def test_incremental_sync_reads_only_new_blocks(wallets, chain):
    me, friend = chain.new_address(), chain.new_address()
    start = chain.block + 1
    token = chain.deploy("TestToken", "Incremental", "INC", 18)
    chain.send(chain.faucet, me, ETHER)
    chain.transact(token.functions.mint(me, 3 * ETHER), chain.faucet)
    integration = wallets.add("Incremental", [me], start_block=start, tokens=[token.address])

    first = wallets.sync(integration)
    wallets.assert_balanced(integration)
    first_block = int(first.snapshot.cursors["blocks"])
    assert first.inserted > 0

    again = wallets.sync(integration)
    assert again.inserted == 0 and int(again.snapshot.cursors["blocks"]) == first_block
    assert again.snapshot.stats["from_block"] == first_block + 1

    chain.send(me, friend, ETHER // 3)
    chain.transact(token.functions.transfer(friend, ETHER), me)
    chain.send(friend, me, 5)
    second = wallets.sync(integration)
    assert second.snapshot.stats["from_block"] == first_block + 1
    assert second.fetched == {"native_transfers": 2, "token_transfers": 1, "receipts": 2, "chain": 1}
    rec = wallets.assert_balanced(integration)
    assert rec[f"ethereum:{token.address.lower()}"][0] == 2
    counts = wallets.query(
        "SELECT stream, count(*), count(DISTINCT source_id) FROM raw.records WHERE integration_id = ? GROUP BY ALL",
        [integration],
    )
    assert all(total == distinct for _, total, distinct in counts)


def test_skipped_block_range_mismatches_exactly_the_affected_assets(wallets, chain):
    me = chain.new_address()
    start = chain.block + 1
    kept = chain.deploy("TestToken", "Kept", "KEPT", 6)
    missed = chain.deploy("TestToken", "Missed", "MISS", 6)
    chain.send(chain.faucet, me, ETHER)
    chain.transact(kept.functions.mint(me, 1_000_000), chain.faucet)
    chain.transact(missed.functions.mint(me, 2_000_000), chain.faucet)
    tokens = [kept.address, missed.address]
    integration = wallets.add("Skipping", [me], start_block=start, tokens=tokens)
    wallets.sync(integration)
    wallets.assert_balanced(integration)

    before_gap = chain.block
    chain.transact(missed.functions.mint(me, 500_000), chain.faucet)  # only MISS moves in the gap
    chain.mine(3)
    after_gap = chain.block
    chain.transact(kept.functions.mint(me, 250_000), chain.faucet)
    chain.send(chain.faucet, me, 7)
    # Pretend an earlier sync already read the gap: the cursor jumps over it.
    wallets.query("UPDATE app.sync_state SET cursor = ? WHERE integration_id = ? AND stream = 'blocks'",
                  [str(after_gap), integration])
    assert after_gap > before_gap
    wallets.sync(integration)

    rec = wallets.reconciliation(integration)
    mismatched = {asset_id for asset_id, (_, _, status) in rec.items() if status != "match"}
    assert mismatched == {f"ethereum:{missed.address.lower()}"}
    synced, calculated, _ = rec[f"ethereum:{missed.address.lower()}"]
    assert synced - calculated == Decimal("0.5")


def test_only_finalized_blocks_are_read_by_default(wallets, chain):
    me = chain.new_address()
    start = chain.block + 1
    chain.send(chain.faucet, me, 11)
    integration = wallets.add("Finalized", [me], start_block=start, confirmations=None)
    chain.mine(70)  # anvil finalizes head - 64
    chain.send(chain.faucet, me, 22)  # not final yet
    first = wallets.sync(integration)
    finalized = chain.w3.eth.get_block("finalized").number
    assert int(first.snapshot.cursors["blocks"]) == finalized < chain.block
    rec = wallets.assert_balanced(integration)  # both sides at the finalized block
    assert rec["ethereum:native"][0].scaleb(18) == 11
    chain.mine(64)
    wallets.sync(integration)
    assert wallets.assert_balanced(integration)["ethereum:native"][0].scaleb(18) == 33


def test_moves_between_two_addresses_of_one_wallet_leave_only_the_fee(wallets, chain):
    first, second, friend = chain.new_address(), chain.new_address(), chain.new_address()
    start = chain.block + 1
    token = chain.deploy("TestToken", "Pair", "PAIR", 18)
    chain.send(chain.faucet, first, ETHER)
    chain.transact(token.functions.mint(first, 10 * ETHER), chain.faucet)
    internal = [chain.send(first, second, ETHER // 2), chain.transact(token.functions.transfer(second, 4 * ETHER), first)]
    chain.transact(token.functions.transfer(friend, ETHER), second, gas=100_000)  # paid with ether from first
    integration = wallets.add("Two addresses", [first, second], start_block=start)
    wallets.sync(integration)
    rec = wallets.assert_balanced(integration)
    assert rec[f"ethereum:{token.address.lower()}"][0] == 9
    rows = wallets.query(
        "SELECT label, fee_amount FROM core.transactions WHERE integration_id = ? AND external_id IN (?, ?)",
        [integration, *(r.transactionHash.to_0x_hex() for r in internal)],
    )
    assert sorted(rows) == sorted(("Fee", Decimal(_receipt_fee(r)).scaleb(-18)) for r in internal)


def test_amounts_too_large_to_sum_never_break_the_sync(wallets, chain):
    """Anyone can send a wallet tokens: two airdrops of 6 * 10^19 units each fit DECIMAL(38,18) alone,
    but their sum overflowed it and failed every later sync of the wallet. Amounts are kept below
    10^15, as everywhere else, so such a transfer is left out like one that does not fit at all."""
    me, other, spammer = chain.new_address(), chain.new_address(), chain.new_address()
    chain.send(chain.faucet, spammer, ETHER)
    start = chain.block + 1
    spam = chain.deploy("SpamToken", sender=spammer)
    huge = 6 * 10**19 * 10**6  # the token has 6 decimals
    chain.send(chain.faucet, me, ETHER)
    chain.send(chain.faucet, other, ETHER)
    chain.transact(spam.functions.airdrop(chain.faucet, [me, other], huge), spammer)
    chain.transact(spam.functions.airdrop(chain.faucet, [me], huge), spammer)
    # Its balance is left out like its transfers, or it would mismatch (and sum over the account).
    for name, address in (("Spammed twice", me), ("Spammed once", other)):
        integration = wallets.add(name, [address], start_block=start)
        wallets.sync(integration)
        rec = wallets.assert_balanced(integration)
        assert rec["ethereum:native"][0] == 1
        assert f"ethereum:{spam.address.lower()}" not in rec
        assert wallets.query("SELECT count(*) FROM core.transactions WHERE integration_id = ?", [integration]) == [(1,)]
