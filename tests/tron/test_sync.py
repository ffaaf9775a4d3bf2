"""Syncing the generated Tron history: balances to the sun and token unit, fees, paging, cursors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines.connectors.tron.trongrid import TronGridError
from pipelines.imitations.tron.scenario import EXCHANGE, MERCHANT, PAYOUTS, POOL, SPAM, TRX, USDT, WALLET
from tests.helpers import snapshot
from tests.reliability.worlds import layers

SUN = Decimal("0.000001")
TABLES = ("raw.records", "raw.balance_snapshots", "app.sync_state", "core.transactions", "core.synced_balances",
          "core.ledger_entries")


def reconciliation(query, integration_id):
    return {r[0]: r[1:] for r in query(
        """SELECT asset_id, synced, calculated, status, ignored FROM marts.balance_reconciliation
           WHERE integration_id = ? ORDER BY asset_id""", integration_id)}


def truth(trongrid) -> dict[str, Decimal]:
    """The imitation's own balances of the wallet after its confirmed transactions, scaled exactly."""
    sun, tokens = trongrid.ledger.holdings(WALLET)
    return {"tron:native": sun * SUN,
            **{f"tron:{t.contract}": Decimal(units).scaleb(-t.decimals) for t, units in tokens.items()}}


def test_full_sync_reconciles_exactly_with_the_imitation(trongrid, add_wallet, sync, query):
    wallet = add_wallet()
    result = sync(wallet)
    rows = reconciliation(query, wallet)
    expected = truth(trongrid)
    assert set(rows) == set(expected) == {"tron:native", f"tron:{USDT.contract}", f"tron:{SPAM.contract}"}
    for asset_id, amount in expected.items():
        synced, calculated, status, _ = rows[asset_id]
        assert synced == calculated == amount and status == "match", asset_id
    # The raw amounts stay integers: sun and token base units as TronGrid reports them.
    raw = {b.asset_id: b.raw_amount for b in result.snapshot.balances}
    assert raw["tron:native"] == str(trongrid.ledger.holdings(WALLET)[0])
    assert trongrid.ledger.staked(WALLET) == (60 * TRX, 40 * TRX)  # held outside the liquid balance, counted
    assert raw[f"tron:{SPAM.contract}"] == str(5_000 * 10**18)
    # Two pages of transactions (205 payouts beside the others), one of TRC-20 transfers, and two
    # account reads; the API key travelled in its header on every request.
    assert trongrid.count("transactions") == 2 and trongrid.count("trc20") == 1 and trongrid.count("account") == 2
    assert trongrid.keys_seen == {"5c1f3e2a-tron-pro-key-9d8e7f6a5b4c"}
    # The unsolicited airdrop is booked but marked as probable spam (ignored by reconciliation).
    assert rows[f"tron:{SPAM.contract}"][3] and not rows[f"tron:{USDT.contract}"][3]


def test_fees_failed_calls_and_swaps_are_booked(trongrid, add_wallet, sync, query):
    wallet = add_wallet()
    sync(wallet)
    rows = {r[0]: r[1:] for r in query(
        """SELECT external_id, label, outgoing_asset_id, outgoing_amount, incoming_asset_id, incoming_amount,
                  fee_asset_id, fee_amount, comment FROM core.transactions WHERE integration_id = ?""", wallet)}
    h = trongrid.history
    usdt = f"tron:{USDT.contract}"
    # Received: the sender burnt the fee, not the wallet.
    assert rows[h.trx_in] == ("Deposit", None, None, "tron:native", Decimal("1000.123456"), None, None, None)
    assert rows[h.usdt_in] == ("Deposit", None, None, usdt, Decimal("2500.123456"), None, None, None)
    # Sent to a new account: bandwidth plus 1 TRX for activating it.
    assert rows[h.trx_out_new_account] == ("Withdrawal", "tron:native", Decimal("150.5"), None, None,
                                           "tron:native", Decimal("1.1"), None)
    # A USDT transfer: the TRX burnt for energy and bandwidth is the fee.
    assert rows[h.usdt_out] == ("Withdrawal", usdt, Decimal("1000"), None, None, "tron:native", Decimal("14.1898"), None)
    # A failed call moved nothing but still burnt its fee.
    assert rows[h.failed_call] == ("Fee", None, None, None, None, "tron:native", Decimal("8.745"),
                                   "failed contract call (REVERT): only the fee was paid")
    # TRX sent with a call and USDT received in the same transaction: a trade.
    assert rows[h.swap] == ("Trade", "tron:native", Decimal("10"), usdt, Decimal("2.912345"), "tron:native",
                            Decimal("27.101"), None)
    assert rows[h.airdrop][0] == "Deposit" and rows[h.airdrop][4] == Decimal(5000)
    assert rows[h.airdrop][7] is None  # a token's verdict lives in raw.token_metadata, never on its rows
    # Staking keeps the TRX the wallet's: only the bandwidth burnt is booked; unstaking cost nothing.
    assert rows[h.stake] == ("Fee", None, None, None, None, "tron:native", Decimal("0.276"), None)
    # A TRC-10 transfer's amount is token units: no TRX moved (TRC-10 tokens are not read).
    assert h.unstake not in rows and h.trc10 not in rows and h.unconfirmed not in rows
    labels = dict(query("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1", wallet))
    assert labels == {"Deposit": 3 + PAYOUTS, "Withdrawal": 2, "Fee": 2, "Trade": 1}


def test_incremental_sync_reads_only_what_is_new_and_nothing_new_changes_no_row(trongrid, add_wallet, sync, query, warehouse):
    wallet = add_wallet()
    sync(wallet)
    # Nothing new: one page of each history (the newest entry is the known one), no row changes.
    before = layers(warehouse, wallet)
    trongrid.reset_counts()
    again = sync(wallet)
    assert again.inserted == 0
    assert trongrid.count("transactions") == trongrid.count("trc20") == 1 and trongrid.count("account") == 2
    assert layers(warehouse, wallet) == before
    # New activity: the pending receipt is confirmed, USDT comes in, the wallet pays a merchant.
    ledger = trongrid.ledger
    ledger.confirm()
    ledger.call(EXCHANGE, USDT.contract, events=[(USDT, EXCHANGE, WALLET, 42_000_001)], net_fee=345_000, energy_fee=13_844_800)
    paid = ledger.transfer(WALLET, MERCHANT, 3 * TRX, net_fee=268_000)
    ledger.confirm()
    trongrid.reset_counts()
    result = sync(wallet)
    assert result.fetched["transactions"] == 3 and result.fetched["trc20_transfers"] == 1
    assert trongrid.count("transactions") == trongrid.count("trc20") == 1  # the first page held all that is new
    rows = reconciliation(query, wallet)
    for asset_id, amount in truth(trongrid).items():
        assert rows[asset_id][:3] == (amount, amount, "match"), asset_id
    assert query("SELECT fee_amount FROM core.transactions WHERE external_id = ?", paid) == [(Decimal("0.268"),)]
    # A full sync reads everything again and lands on the same transactions.
    built = query("SELECT * FROM core.transactions WHERE integration_id = ? ORDER BY tx_id", wallet)
    sync(wallet, full=True)
    assert query("SELECT * FROM core.transactions WHERE integration_id = ? ORDER BY tx_id", wallet) == built


def test_a_transaction_landing_during_the_sync_is_read_consistently(trongrid, add_wallet, sync, query):
    wallet = add_wallet()

    def payout():
        trongrid.ledger.transfer(POOL, WALLET, 4_321, net_fee=268_000)
        trongrid.ledger.confirm()

    trongrid.on_request(3, payout)  # after the first account read and the first history page
    result = sync(wallet)
    assert result.snapshot.stats["passes"] == 2
    rows = reconciliation(query, wallet)
    assert rows["tron:native"][:3] == (truth(trongrid)["tron:native"],) * 2 + ("match",)


def test_rate_limits_are_waited_out_and_an_outage_changes_nothing(trongrid, add_wallet, sync, warehouse):
    wallet = add_wallet()
    trongrid.fail(429, 2, retry_after="0")
    trongrid.fail(403, 1, penalty_s=0)  # TronGrid's own "too fast": suspended for N seconds
    trongrid.fail(503, 1, retry_after="0")
    first = sync(wallet)
    assert first.snapshot.stats["requests"] == trongrid.count() == 6 + 4  # six reads (one the URL airdrop's events), four refused first
    trongrid.ledger.transfer(POOL, WALLET, 5 * TRX)
    trongrid.ledger.confirm()
    before = snapshot(warehouse, TABLES)
    trongrid.on_request(2, lambda: trongrid.fail(503, 10, retry_after="0"))
    with pytest.raises(TronGridError, match="HTTP 503") as failure:
        sync(wallet)
    assert "\n" not in str(failure.value) and trongrid.url.split(":")[-1] in str(failure.value)
    assert snapshot(warehouse, TABLES) == before


def test_an_address_never_activated_syncs_to_nothing(trongrid, add_wallet, sync, query):
    from pipelines.imitations.tron.ledger import address_of

    wallet = add_wallet("Fresh", address_of("never used"))
    result = sync(wallet)
    assert [(b.asset_id, b.raw_amount) for b in result.snapshot.balances] == [("tron:native", "0")]
    assert query("SELECT count(*) FROM core.transactions WHERE integration_id = ?", wallet) == [(0,)]
