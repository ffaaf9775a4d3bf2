"""Syncing the generated Solana history: balances to the lamport and token unit at one cut-off slot,
rent, fees, failed and v0 transactions, Token-2022 transfer fees, staking, paging and cursors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines.connectors.solana.rpc import SolanaRpcError
from pipelines.errors import UserError
from pipelines.imitations.solana.ledger import rent
from pipelines.imitations.solana.scenario import (
    EXCHANGE,
    FEE_TOKEN,
    MERCHANT,
    PAYOUTS,
    POOL,
    REWARD,
    SOL,
    SPAM,
    SPAMMER,
    STAKE_ACCOUNT,
    USDC,
    USDT,
    WALLET,
    token_account,
)
from tests.helpers import snapshot
from tests.reliability.worlds import layers
from tests.solana.conftest import API_KEY
from tests.tron.test_sync import TABLES, reconciliation

LAMPORT = Decimal("0.000000001")
NATIVE = "solana:native"


def truth(rpc) -> dict[str, Decimal]:
    """The imitation's own finalized holdings of the wallet (token and stake accounts' lamports in SOL), scaled exactly."""
    lamports, tokens = rpc.ledger.holdings(WALLET)
    decimals = {address: mint.decimals for address, mint in rpc.ledger.mints.items()}
    return {NATIVE: lamports * LAMPORT, **{f"solana:{mint}": Decimal(units).scaleb(-decimals[mint])
                                           for mint, units in tokens.items()}}


def test_full_sync_reconciles_exactly_with_the_imitation(rpc, add_wallet, sync, query):
    wallet = add_wallet()
    result = sync(wallet)
    rows = reconciliation(query, wallet)
    expected = {**truth(rpc), f"solana:{USDT.address}": Decimal(0)}  # the closed USDT account held 42, sent all
    assert set(rows) == set(expected) == {NATIVE, *(f"solana:{m.address}" for m in (USDC, USDT, FEE_TOKEN, SPAM))}
    for asset_id, amount in expected.items():
        synced, calculated, status, _ = rows[asset_id]
        assert synced == calculated == amount and status == "match", asset_id
    # Raw amounts stay integers; the SOL balance holds the rent of the open token accounts and the stake account.
    raw = {b.asset_id: b.raw_amount for b in result.snapshot.balances}
    lamports = rpc.ledger.final.lamports
    assert raw[NATIVE] == str(lamports[WALLET] + lamports[STAKE_ACCOUNT] + sum(
        lamports[token_account(WALLET, m)] for m in (USDC, FEE_TOKEN, SPAM)))
    assert lamports[token_account(WALLET, USDC)] == 2_039_280 and lamports[STAKE_ACCOUNT] == 5 * SOL + REWARD
    assert {b.block_number for b in result.snapshot.balances} == {rpc.ledger.final_slot}
    # The wallet's 1,005+ signatures take two pages; the four token accounts (one closed) one each.
    assert rpc.count("getSignaturesForAddress") == 2 + 4
    assert rpc.count("getTransaction") == result.fetched["transactions"] == result.snapshot.stats["new_transactions"]
    assert result.fetched["token_accounts"] == 4 and result.fetched["stake_rewards"] == 1
    assert rpc.keys_seen == {API_KEY}
    # Known mints are known; the airdrop's Token-2022 metadata names a URL: spam, ignored by reconciliation;
    # a mint with a plain name and no other evidence is unverified (reconciled, marked).
    verdicts = {r[0]: r[1:] for r in query(
        "SELECT contract, symbol, status, reason FROM raw.token_metadata WHERE integration_id = ?", wallet)}
    assert verdicts[USDC.address][:2] == ("USDC", "known") and verdicts[USDT.address][:2] == ("USDT", "known")
    assert verdicts[SPAM.address][:2] == ("GIFT", "spam") and "URL" in verdicts[SPAM.address][2]
    assert verdicts[FEE_TOKEN.address][:2] == ("FEED", "unverified")
    assert rows[f"solana:{SPAM.address}"][3] and not rows[f"solana:{USDC.address}"][3]
    assert rpc.count("getAccountInfo") == 2  # the metadata of the two mints that are not known


def test_rent_fees_failures_lookup_tables_token_2022_and_staking_are_booked(rpc, add_wallet, sync, query):
    wallet = add_wallet()
    sync(wallet)
    rows: dict[str, list] = {}
    for r in query("""SELECT external_id, label, outgoing_asset_id, outgoing_amount, incoming_asset_id, incoming_amount,
                             fee_amount, comment FROM core.transactions WHERE integration_id = ? ORDER BY tx_id""", wallet):
        rows.setdefault(r[0], []).append(r[1:])
    h = rpc.history
    usdc, fee_token, spam = (f"solana:{m.address}" for m in (USDC, FEE_TOKEN, SPAM))
    fee = Decimal("0.000005")
    # Received: the exchange paid the fee. USDC arrived on the token account (it names only that account).
    assert rows[h.sol_in] == [("Deposit", None, None, NATIVE, Decimal("10.123456789"), None, None)]
    assert rows[h.usdc_in] == [("Deposit", None, None, usdc, Decimal("250.000001"), None, None)]
    # Opening and closing its own token account moves rent within the wallet: only the fee is booked.
    assert rows[h.open_usdc] == rows[h.close_usdt] == [("Fee", None, None, None, None, fee, None)]
    assert rows[h.stake] == [("Fee", None, None, None, None, fee, None)]  # SOL into its own stake account
    # Sent: the fee is the wallet's only when it paid it (the first account key).
    assert rows[h.sol_out] == [("Withdrawal", NATIVE, Decimal("1.5"), None, None, fee, None)]
    assert rows[h.relayed] == [("Withdrawal", NATIVE, Decimal("0.25"), None, None, None, None)]
    assert rows[h.failed] == [("Fee", None, None, None, None, fee, "failed transaction: only the fee was paid")]
    # A v0 transaction: the recipient came from a lookup table; the priority fee is part of the fee.
    assert rows[h.v0_lookup] == [("Withdrawal", NATIVE, Decimal("2"), None, None, Decimal("0.000015"), None)]
    assert rows[h.swap] == [("Trade", NATIVE, Decimal("1"), usdc, Decimal("151.234567"), fee, None)]
    # Token-2022 with a 1 % transfer fee: 100 sent to the wallet, 99 arrived; the exchange also paid
    # the rent of the account it opened for the wallet (now the wallet's SOL).
    assert sorted(rows[h.fee_token_in], key=str) == sorted([
        ("Deposit", None, None, fee_token, Decimal("99"), None, None),
        ("Deposit", None, None, NATIVE, rent(182) * LAMPORT, None, None)], key=str)
    assert rows[h.fee_token_out] == [("Withdrawal", fee_token, Decimal("10"), None, None, fee, None)]
    assert ("Deposit", None, None, spam, Decimal("5000"), None, None) in rows[h.airdrop]
    [reward] = [r for key, v in rows.items() for r in v if r[0] == "Staking"]
    assert reward == ("Staking", None, None, NATIVE, REWARD * LAMPORT, None, None)
    assert h.pending not in rows
    labels = dict(query("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1", wallet))
    assert labels["Deposit"] == PAYOUTS + 7  # two each for Token-2022 and the airdrop: rent came too and labels["Trade"] == 1 and labels["Staking"] == 1


def test_incremental_sync_reads_only_new_signatures_and_nothing_new_changes_no_row(rpc, add_wallet, sync, query, warehouse):
    wallet = add_wallet()
    sync(wallet)
    # Nothing new: one signature request per address read, no transaction, no row changed.
    before = layers(warehouse, wallet)
    rpc.reset_counts()
    again = sync(wallet)
    assert again.inserted == 0 and rpc.count("getTransaction") == 0
    assert rpc.count("getSignaturesForAddress") == 5  # the wallet and its four token accounts
    assert rpc.count("getInflationReward") == 0  # the finished epoch was read
    assert layers(warehouse, wallet) == before
    # New activity: the pending deposit is finalized, USDC arrives (naming only the token account),
    # the wallet pays a merchant.
    ledger = rpc.ledger
    ledger.transact(EXCHANGE, [("token", token_account(EXCHANGE, USDC), token_account(WALLET, USDC), 42_000_001)])
    paid = ledger.transact(WALLET, [("sol", WALLET, MERCHANT, 3 * SOL)], fee=7_000)
    ledger.finalize()
    rpc.reset_counts()
    result = sync(wallet)
    assert result.fetched["transactions"] == rpc.count("getTransaction") == 3
    assert rpc.count("getSignaturesForAddress") == 5
    rows = reconciliation(query, wallet)
    for asset_id, amount in truth(rpc).items():
        assert rows[asset_id][:3] == (amount, amount, "match"), asset_id
    assert query("SELECT fee_amount FROM core.transactions WHERE external_id = ?", paid) == [(Decimal("0.000007"),)]
    # A full sync reads everything again and lands on the same rows; so does syncing twice more.
    built = layers(warehouse, wallet)
    sync(wallet, full=True)
    sync(wallet)
    assert layers(warehouse, wallet) == built


def test_a_transaction_finalized_during_the_sync_waits_for_the_next_one(rpc, add_wallet, sync, query):
    wallet = add_wallet()
    at_cutoff = truth(rpc)
    late = []

    def payout():
        late.append(rpc.ledger.transact(POOL, [("sol", POOL, WALLET, 4_321)]))
        rpc.ledger.finalize()

    # Requests 1-5: genesis, balance, two token programs, stake accounts; the 6th lists signatures.
    rpc.on_request(6, payout)
    result = sync(wallet)
    assert late and query("SELECT count(*) FROM core.transactions WHERE external_id = ?", late[0]) == [(0,)]
    rows = reconciliation(query, wallet)
    assert rows[NATIVE][:3] == (at_cutoff[NATIVE], at_cutoff[NATIVE], "match")
    assert result.snapshot.stats["slot"] < rpc.ledger.final_slot
    sync(wallet)
    rows = reconciliation(query, wallet)
    assert rows[NATIVE][:3] == (truth(rpc)[NATIVE], truth(rpc)[NATIVE], "match")


def test_a_transaction_between_the_balance_reads_repeats_the_pass(rpc, add_wallet, sync, query):
    wallet = add_wallet()

    def payout():
        rpc.ledger.transact(POOL, [("sol", POOL, WALLET, 4_321)])
        rpc.ledger.finalize()

    # Requests: genesis, getBalance, then the first token program read answers at a later slot.
    rpc.on_request(3, payout)
    result = sync(wallet)
    assert result.snapshot.stats["passes"] == 2
    assert rpc.count("getBalance") == 2 and rpc.count("getTransaction") == result.fetched["transactions"]
    rows = reconciliation(query, wallet)
    for asset_id, amount in truth(rpc).items():
        assert rows[asset_id][:3] == (amount, amount, "match"), asset_id


def test_rate_limits_are_waited_out_and_an_outage_changes_nothing(rpc, add_wallet, sync, warehouse):
    wallet = add_wallet()
    rpc.fail(429, 3, retry_after="0")
    first = sync(wallet)
    assert first.snapshot.stats["requests"] == rpc.count()  # the three refused requests were asked again
    assert rpc.count("getGenesisHash") == 4
    rpc.ledger.transact(POOL, [("sol", POOL, WALLET, 5 * SOL)])
    rpc.ledger.finalize()
    before = snapshot(warehouse, TABLES)
    rpc.on_request(3, lambda: rpc.fail(429, 10, retry_after="0"))
    with pytest.raises(SolanaRpcError, match="HTTP 429 on getTokenAccountsByOwner") as failure:
        sync(wallet)
    message = str(failure.value)
    assert "\n" not in message and API_KEY not in message and rpc.url.split("/?")[0] in message
    assert snapshot(warehouse, TABLES) == before


def test_another_network_is_refused_and_changes_nothing(warehouse, add_wallet, sync):
    from pipelines.imitations.solana import SolanaImitation
    from pipelines.registry.integrations import add_integration
    from pipelines.warehouse import connect

    add_wallet()  # the account
    with SolanaImitation(genesis="EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG") as devnet:  # devnet's genesis hash
        with connect(warehouse) as con:
            wallet = add_integration(con, "toly", "Devnet", "wallet", "solana", settings={"address": WALLET},
                                     credentials={"rpc_url": devnet.url})
        before = snapshot(warehouse, TABLES)
        with pytest.raises(UserError, match="serves another network .* not mainnet-beta"):
            sync(wallet)
        assert devnet.count() == 1 and snapshot(warehouse, TABLES) == before


def test_an_address_never_used_syncs_to_nothing(rpc, add_wallet, sync, query):
    from pipelines.imitations.solana.ledger import key_of

    wallet = add_wallet("Fresh", key_of("never used"))
    result = sync(wallet)
    assert [(b.asset_id, b.raw_amount) for b in result.snapshot.balances] == [(NATIVE, "0")]
    assert query("SELECT count(*) FROM core.transactions WHERE integration_id = ?", wallet) == [(0,)]


def test_a_token_amount_too_large_for_the_warehouse_is_left_out_and_the_rest_syncs(rpc, add_wallet, sync, query):
    from pipelines.imitations.solana.ledger import Mint, key_of

    huge = Mint(key_of("mint:huge"), 0)
    account = token_account(WALLET, huge)
    rpc.ledger.transact(SPAMMER, [("open", SPAMMER, account, WALLET, huge), ("mint", huge, account, 10**30)])
    rpc.ledger.finalize()
    wallet = add_wallet()
    result = sync(wallet)
    assert f"solana:{huge.address}" not in {b.asset_id for b in result.snapshot.balances}
    assert query("SELECT count(*) FROM core.transactions WHERE incoming_asset_id = ?", f"solana:{huge.address}") == [(0,)]
    rows = reconciliation(query, wallet)
    sol = truth(rpc)[NATIVE]  # with the rent the spammer paid for the account it opened
    assert rows[NATIVE][:3] == (sol, sol, "match")
