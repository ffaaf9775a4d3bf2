"""Bitcoin's UTXO relatives read through a Blockbook imitation: the same scan, normalize query and
guarantees as Bitcoin through Esplora (exact reconciliation, incremental reads, nothing changed
by a sync with nothing new or by bad input), in the coin's own asset."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines.connectors.bitcoin.blockbook import Blockbook, BlockbookError
from pipelines.imitations.esplora.scenario import BEYOND_GAP_INDEX, PAYOUT_INDEX, account_key
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.helpers import snapshot

SAT = Decimal("0.00000001")
TABLES = ("raw.records", "raw.balance_snapshots", "app.sync_state", "core.transactions", "core.ledger_entries",
          "core.synced_balances")


def own(wallet, *, without: tuple[int, ...] = (BEYOND_GAP_INDEX,)) -> set[str]:
    return {wallet.receive(i) for i in range(60) if i not in without} | {wallet.change(i) for i in range(30)}


@pytest.fixture
def add_coin_wallet(warehouse):
    """Register a wallet of the imitation's coin (its zpub, its URL) or of `coin` with other settings."""
    with connect(warehouse) as con:
        add_account(con, "satoshi", "UTC", "EUR")

    def add(imitation, name: str = "Trezor", coin: str | None = None, **settings) -> str:
        settings = {"xpubs": [imitation.wallet.key], "blockbook_url": imitation.url, **settings}
        with connect(warehouse) as con:
            return add_integration(con, "satoshi", name, "wallet", coin or imitation.wallet.coin.name, settings=settings)

    return add


def reconciliation(query, wallet):
    return query("SELECT asset_id, synced, calculated, status FROM marts.balance_reconciliation WHERE integration_id = ?",
                 wallet)


def test_full_sync_reconciles_exactly_in_the_coins_own_asset(blockbook, add_coin_wallet, sync, query):
    coin = blockbook.wallet.coin
    wallet = add_coin_wallet(blockbook)
    result = sync(wallet)
    expected = blockbook.chain.balance(own(blockbook.wallet)) * SAT
    assert reconciliation(query, wallet) == [(coin.asset_id, expected, expected, "match")]
    assert result.snapshot.balances[0].raw_amount == str(int(expected / SAT))
    assert result.snapshot.balances[0].block_number == blockbook.chain.tip.height
    rows = {r[0]: r[1:] for r in query(
        """SELECT external_id, label, outgoing_asset_id, outgoing_amount, incoming_amount, fee_asset, fee_amount
           FROM core.transactions WHERE integration_id = ?""", wallet)}
    history = blockbook.history
    assert rows[history.spend_with_change] == (
        "Withdrawal", coin.asset_id, 30_000_000 * SAT, None, coin.symbol, 2_000 * SAT)
    assert rows[history.consolidation][0] == "Fee" and rows[history.payjoin][3] == 50_000 * SAT
    assert history.beyond_gap not in rows and history.unconfirmed not in rows  # outside the gap; in the mempool
    labels = dict(query("SELECT label, count(*) FROM core.transactions WHERE integration_id = ? GROUP BY 1", wallet))
    assert labels == {"Mining": 1, "Deposit": 3 + 30 + 1 + 1, "Withdrawal": 2, "Fee": 2}
    assert query("SELECT DISTINCT asset_id FROM core.ledger_entries WHERE integration_id = ?", wallet) == [(coin.asset_id,)]


def test_incremental_sync_reads_only_new_pages_and_nothing_new_changes_no_row(
        litecoin, add_coin_wallet, sync, query, warehouse, monkeypatch):
    monkeypatch.setattr(Blockbook, "page_size", 10)  # the payout address's 31 transactions: four pages
    wallet = add_coin_wallet(litecoin)
    first = sync(wallet)
    read = first.snapshot.stats["addresses_read"]
    assert litecoin.count("address_txs") == first.snapshot.stats["addresses_used"] + 3  # three more payout pages
    # Nothing new: every address's totals are read again, no transaction page, no row changes (the
    # balance is observed again: same amount at the same block, a new observation time).
    history = ("raw.records", "core.transactions", "core.ledger_entries")
    before = snapshot(warehouse, history), reconciliation(query, wallet)
    litecoin.reset_counts()
    again = sync(wallet)
    assert again.inserted == 0 and litecoin.count("address_txs") == 0 and litecoin.count("address") == read
    assert (snapshot(warehouse, history), reconciliation(query, wallet)) == before
    assert again.snapshot.balances[0].block_number == first.snapshot.balances[0].block_number
    # Three payouts to the four-page address and a first receipt at receive index 8: one page each.
    pool, payer = litecoin.wallet.parties().pool, litecoin.wallet.parties().payer
    for n in range(3):
        litecoin.chain.pay([pool], [(litecoin.wallet.receive(PAYOUT_INDEX), 200_000 + n)], fee=300)
        litecoin.chain.mine()
    litecoin.chain.pay([payer], [(litecoin.wallet.receive(8), 40_000)], fee=500)
    litecoin.chain.mine()
    litecoin.reset_counts()
    result = sync(wallet)
    # The three payouts, the receipt, and the mempool receipt to receive index 4 the first block confirmed.
    assert result.fetched["transactions"] == 3 + 1 + 1
    assert litecoin.count("address_txs") == 3  # receive 4, the payout address (its first page) and receive 8
    expected = litecoin.chain.balance(own(litecoin.wallet)) * SAT
    assert reconciliation(query, wallet) == [("litecoin:native", expected, expected, "match")]


def test_rate_limits_are_waited_out_and_an_outage_changes_nothing(litecoin, add_coin_wallet, sync, warehouse):
    wallet = add_coin_wallet(litecoin)
    litecoin.fail(429, 2, retry_after="0")
    first = sync(wallet)
    assert first.snapshot.stats["requests"] == litecoin.count()  # the two refused requests were retried
    litecoin.chain.mine()
    before = snapshot(warehouse, TABLES)
    litecoin.on_request(20, lambda: litecoin.fail(502, 10, retry_after="0"))
    with pytest.raises(BlockbookError, match="HTTP 502"):
        sync(wallet)
    assert snapshot(warehouse, TABLES) == before


BITCOIN_LEGACY = "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA"


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--address", "LYBmmhHSciRQ5kUsEdyAFxzVTbKkKqtypA", "invalid Litecoin address 'LYBmmhHSciRQ5kUsEdyAFxzVTbKkKqtypA'"),
    ("--address", "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "expected a Litecoin address starting with L, M or ltc1"),
    ("--address", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "expected a Litecoin address starting with L, M or ltc1"),
    ("--xpub", account_key("bip49", 0), "is a Bitcoin key, not a Litecoin one (Ltub/Mtub/zpub)"),
    ("--xpub", account_key("bip44", 0, "litecoin")[:-2] + "zz", "not a valid extended public key"),
])
def test_bad_input_is_one_line_and_adds_nothing(cli, warehouse, litecoin, option, value, message):
    cli("accounts", "add", "satoshi", "--timezone", "UTC")
    before = snapshot(warehouse, ("app.integrations",))
    bad = cli("bitcoin", "add", "satoshi", "Trezor LTC", "--coin", "litecoin", option, value,
              "--blockbook-url", litecoin.url)
    assert bad.code == 2 and bad.err.count("\n") == 1 and message in bad.err, bad
    assert snapshot(warehouse, ("app.integrations",)) == before


def test_a_litecoin_key_is_no_bitcoin_key(cli):
    shown = cli("bitcoin", "addresses", account_key("bip44", 0, "litecoin"))
    assert shown.code == 2 and "is a Litecoin key, not a Bitcoin one" in shown.err


def test_cli_wallet_from_the_environment_url_and_an_unreachable_blockbook(cli, warehouse, litecoin, monkeypatch):
    cli("accounts", "add", "satoshi", "--timezone", "UTC")
    monkeypatch.setenv("PIPELINES_BLOCKBOOK_URL_LITECOIN", litecoin.url)
    added = cli("bitcoin", "add", "satoshi", "Trezor LTC", "--coin", "litecoin", "--xpub", litecoin.wallet.key)
    assert added.code == 0, added
    assert cli("sync", "satoshi-trezor-ltc").code == 0
    expected = litecoin.chain.balance(own(litecoin.wallet)) * SAT
    with connect(warehouse) as con:
        assert reconciliation(lambda sql, *p: con.execute(sql, list(p)).fetchall(), "satoshi-trezor-ltc") == [
            ("litecoin:native", expected, expected, "match")]
    litecoin.chain.mine()
    litecoin.__exit__()  # the Blockbook goes down
    before = snapshot(warehouse, TABLES)
    down = cli("sync", "satoshi-trezor-ltc")
    [line] = [line for line in down.err.splitlines() if line.startswith("error:")]
    assert down.code == 1 and "http://127.0.0.1" in line and "/api" in line, down
    assert snapshot(warehouse, TABLES) == before


def test_a_blockbook_of_another_coin_is_refused_before_any_address_is_read(litecoin, add_coin_wallet, sync):
    from pipelines.errors import UserError

    bitcoin = add_coin_wallet(litecoin, "Bitcoin", coin="bitcoin", xpubs=[account_key("bip84", 0)])
    with pytest.raises(UserError, match="indexes 'Litecoin', not Bitcoin"):
        sync(bitcoin)
    assert litecoin.count() == 1
