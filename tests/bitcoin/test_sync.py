"""Syncing the generated Esplora history: balances to the satoshi, netting, gap limit, cursors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines.connectors.bitcoin.esplora import EsploraError
from pipelines.imitations.esplora.scenario import BEYOND_GAP_INDEX, NEAR_GAP_INDEX, PAYOUT_INDEX, change, parties, receive

SAT = Decimal("0.00000001")


def own_addresses(*, without: tuple[int, ...] = ()) -> set[str]:
    """Every address of the test wallet that has activity can only be among these."""
    return {receive(i) for i in range(60) if i not in without} | {change(i) for i in range(30)}


def btc(sats: int) -> Decimal:
    return sats * SAT


def balances(query, integration_id):
    return query(
        """SELECT s.amount, c.amount, r.status FROM core.synced_balances s
           JOIN marts.calculated_balances c USING (integration_id, asset_id)
           JOIN marts.balance_reconciliation r USING (integration_id, asset_id)
           WHERE integration_id = ? AND asset_id = 'bitcoin:native'""", integration_id)


def test_calculated_balance_equals_synced_balance_to_the_satoshi(esplora, add_wallet, sync, query):
    wallet = add_wallet()
    result = sync(wallet)
    expected = btc(esplora.chain.balance(own_addresses(without=(BEYOND_GAP_INDEX,))))
    [(synced, calculated, status)] = balances(query, wallet)
    assert synced == calculated == expected and status == "match"
    assert result.snapshot.balances[0].raw_amount == str(int(expected / SAT))
    assert result.snapshot.balances[0].block_number == esplora.chain.tip.height


def test_each_transaction_is_its_net_effect_over_all_own_addresses(esplora, add_wallet, sync, query):
    wallet = add_wallet()
    sync(wallet)
    rows = {r[0]: r[1:] for r in query(
        """SELECT external_id, label, outgoing_amount, incoming_amount, fee_amount, comment
           FROM core.transactions WHERE integration_id = ?""", wallet)}
    history = esplora.history
    # Spend with change: only what left the wallet is outgoing; the change came back to an own address.
    assert rows[history.spend_with_change][:4] == ("Withdrawal", btc(30_000_000), None, btc(2_000))
    # Consolidation of four own inputs and a payment to self: only the fee.
    for txid, fee in ((history.consolidation, 5_000), (history.payment_to_self, 1_500)):
        assert rows[txid][:4] == ("Fee", None, None, btc(fee))
        assert rows[txid][4] == "move between own addresses: only the fee was paid"
    # Others funded part of the inputs: the wallet's net gain, no fee booked to it.
    assert rows[history.payjoin][:4] == ("Deposit", None, btc(150_000 - 100_000), None)
    assert rows[history.near_gap][:3] == ("Deposit", None, btc(2_000_000))
    assert history.beyond_gap not in rows and history.unconfirmed not in rows
    labels = dict(query("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1", wallet))
    # Two receipts (one paying two own addresses at once is one transaction), 30 pool payouts, ...
    assert labels == {"Mining": 1, "Deposit": 3 + 30 + 1 + 1, "Withdrawal": 2, "Fee": 2}
    # Every own input and output of every transaction is accounted for: ledger entries sum to the balance.
    [(total,)] = query("SELECT sum(amount) FROM core.ledger_entries WHERE integration_id = ?", wallet)
    assert total == btc(esplora.chain.balance(own_addresses(without=(BEYOND_GAP_INDEX,))))


def test_gap_limit_decides_which_addresses_are_found(esplora, add_wallet, sync, query):
    narrow, wide = add_wallet("Gap 20"), add_wallet("Gap 30", gap_limit=30)
    sync(narrow)
    sync(wide)
    found = {w: {a for (a,) in query("SELECT source_id FROM raw.records WHERE integration_id = ? AND stream = 'addresses'", w)}
             for w in (narrow, wide)}
    # Index 25 follows 19 unused addresses: inside a gap of 20. Index 51 follows 25: outside it.
    assert receive(NEAR_GAP_INDEX) in found[narrow] and receive(BEYOND_GAP_INDEX) not in found[narrow]
    assert found[wide] == found[narrow] | {receive(BEYOND_GAP_INDEX)}
    for wallet, without in ((narrow, (BEYOND_GAP_INDEX,)), (wide, ())):
        [(synced, calculated, _)] = balances(query, wallet)
        assert synced == calculated == btc(esplora.chain.balance(own_addresses(without=without)))
    assert balances(query, wide)[0][0] - balances(query, narrow)[0][0] == btc(3_000_000)


def test_incremental_sync_after_new_blocks_reads_only_new_pages(esplora, add_wallet, sync, query):
    wallet = add_wallet()
    first = sync(wallet)
    assert esplora.count("address_txs_chain") == 1  # the payout address holds two pages
    # Nothing new: no address's history is read again, only its totals.
    esplora.reset_counts()
    again = sync(wallet)
    assert again.inserted == 0 and esplora.count("address_txs") == esplora.count("address_txs_chain") == 0
    assert esplora.count("address") == first.snapshot.stats["addresses_read"]
    # Three more payouts to the two-page address, a first receipt at receive index 8, and the
    # mempool receipt to receive index 4 confirmed by the first of these blocks.
    pool = parties().pool
    for n in range(3):
        esplora.chain.pay([pool], [(receive(PAYOUT_INDEX), 200_000 + n)], fee=300)
        esplora.chain.mine()
    esplora.chain.pay([parties().payer], [(receive(8), 40_000)], fee=500)
    esplora.chain.mine()
    esplora.reset_counts()
    result = sync(wallet)
    assert result.fetched == {"transactions": 3 + 1 + 1, "addresses": first.snapshot.stats["addresses_used"] + 1, "chain": 1}
    assert result.inserted == 3 + 1 + 1 + 1  # five transactions and one newly used address
    assert esplora.count("address_txs") == 3 and esplora.count("address_txs_chain") == 0
    [(synced, calculated, status)] = balances(query, wallet)
    assert synced == calculated == btc(esplora.chain.balance(own_addresses(without=(BEYOND_GAP_INDEX,))))
    assert status == "match"
    # A full sync reads everything again and lands on the same transactions.
    before = query("SELECT * FROM core.transactions WHERE integration_id = ? ORDER BY tx_id", wallet)
    sync(wallet, full=True)
    assert query("SELECT * FROM core.transactions WHERE integration_id = ? ORDER BY tx_id", wallet) == before


def test_unconfirmed_transaction_waits_until_it_is_mined(esplora, add_wallet, sync, query):
    wallet = add_wallet()
    sync(wallet)
    pending = esplora.history.unconfirmed
    assert query("SELECT count(*) FROM raw.records WHERE source_id = ?", pending) == [(0,)]
    before = balances(query, wallet)[0][0]
    height = esplora.chain.mine()
    sync(wallet)
    assert query("SELECT label, incoming_amount FROM core.transactions WHERE external_id = ?", pending) == [
        ("Deposit", btc(7_000_000))]
    [(synced, calculated, status)] = balances(query, wallet)
    assert synced == calculated == before + btc(7_000_000) and status == "match"
    assert query("SELECT block_number FROM core.synced_balances WHERE integration_id = ?", wallet) == [(height,)]


def test_a_block_found_during_the_sync_is_read_at_one_consistent_height(esplora, add_wallet, sync, query):
    wallet = add_wallet()

    def block_with_a_receipt():
        esplora.chain.pay([parties().friend], [(receive(0), 12_345)], fee=400)
        esplora.chain.mine()

    esplora.on_request(40, block_with_a_receipt)  # well after the first pass read receive(0)
    result = sync(wallet)
    assert result.snapshot.stats["passes"] == 2
    assert result.snapshot.balances[0].block_number == esplora.chain.tip.height
    [(synced, calculated, status)] = balances(query, wallet)
    assert synced == calculated == btc(esplora.chain.balance(own_addresses(without=(BEYOND_GAP_INDEX,))))
    assert status == "match"


def test_manual_btc_on_the_wallet_books_to_the_same_asset(esplora, add_wallet, sync, query, warehouse):
    from pipelines.manual.entry import add_transaction
    from pipelines.warehouse import connect

    wallet = add_wallet()
    sync(wallet)
    with connect(warehouse) as con:
        add_transaction(con, wallet, "2025-01-05 10:00", "Deposit", incoming="0.1 BTC", comment="paper record")
    sync(wallet)
    assert query("SELECT asset_id, difference, status FROM marts.balance_reconciliation WHERE integration_id = ?",
                 wallet) == [("bitcoin:native", Decimal("0.1"), "mismatch")]  # calculated - synced


def test_rate_limits_are_waited_out_and_an_outage_changes_nothing(esplora, add_wallet, sync, query, warehouse):
    from tests.helpers import snapshot

    wallet = add_wallet()
    esplora.fail(429, 2, retry_after="0")
    first = sync(wallet)
    assert first.snapshot.stats["requests"] == esplora.count()  # the two refused requests were retried
    esplora.chain.mine()
    tables = ("raw.records", "raw.balance_snapshots", "app.sync_state", "core.transactions", "core.synced_balances")
    before = snapshot(warehouse, tables)
    esplora.on_request(30, lambda: esplora.fail(503, 10, retry_after="0"))
    with pytest.raises(EsploraError, match="HTTP 503"):
        sync(wallet)
    assert snapshot(warehouse, tables) == before


def test_confirmations_hold_back_the_newest_blocks_and_the_balance_is_read_at_the_cut_off(esplora, add_wallet, sync, query):
    wallet = add_wallet(confirmations=3)
    spend = esplora.chain.pay([receive(4)], [(parties().merchant, 1_000_000)], fee=700, change=change(2))
    height = esplora.chain.mine()
    receipt = esplora.chain.pay([parties().exchange], [(receive(0), 12_000)], fee=300)
    esplora.chain.mine()
    everything = esplora.chain.balance(own_addresses(without=(BEYOND_GAP_INDEX,)))
    result = sync(wallet)
    # The tip is height + 1, the cut-off two blocks below it: the spend, the receipt and the mempool
    # receipt the first block confirmed are not history yet, and not in the balance either.
    assert result.snapshot.balances[0].block_number == height - 1
    assert query("SELECT count(*) FROM core.transactions WHERE external_id IN (?, ?)", spend, receipt) == [(0,)]
    [(synced, calculated, status)] = balances(query, wallet)
    assert synced == calculated == btc(everything - 12_000 + 1_000_000 + 700 - 7_000_000) and status == "match"
    esplora.chain.mine()  # the spend now has three confirmations, the receipt two
    sync(wallet)
    assert query("SELECT external_id FROM core.transactions WHERE external_id IN (?, ?)", spend, receipt) == [(spend,)]
    [(synced, calculated, status)] = balances(query, wallet)
    assert synced == calculated == btc(everything - 12_000) and status == "match"
