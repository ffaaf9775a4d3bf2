"""Bitcoin's UTXO relatives read through a Blockbook imitation: the same scan, normalize query and
guarantees as Bitcoin through Esplora (exact reconciliation, incremental reads, nothing changed
by a sync with nothing new or by bad input), in the coin's own asset."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

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
        settings = {"xpubs": [imitation.wallet.key], **settings}
        with connect(warehouse) as con:
            return add_integration(con, "satoshi", name, "wallet", coin or imitation.wallet.coin.name, settings=settings,
                                   credentials={"blockbook_url": imitation.url})

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
        blockbook, add_coin_wallet, sync, query, warehouse, monkeypatch):
    monkeypatch.setattr(Blockbook, "page_size", 10)  # the payout address's 31 transactions: four pages
    wallet = add_coin_wallet(blockbook)
    first = sync(wallet)
    read = first.snapshot.stats["addresses_read"]
    assert blockbook.count("address_txs") == first.snapshot.stats["addresses_used"] + 3  # three more payout pages
    # Nothing new: every address's totals are read again, no transaction page, no row changes (the
    # balance is observed again: same amount at the same block, a new observation time).
    history = ("raw.records", "core.transactions", "core.ledger_entries")
    before = snapshot(warehouse, history), reconciliation(query, wallet)
    blockbook.reset_counts()
    again = sync(wallet)
    assert again.inserted == 0 and blockbook.count("address_txs") == 0 and blockbook.count("address") == read
    assert (snapshot(warehouse, history), reconciliation(query, wallet)) == before
    assert again.snapshot.balances[0].block_number == first.snapshot.balances[0].block_number
    # Three payouts to the four-page address and a first receipt at receive index 8: one page each.
    pool, payer = blockbook.wallet.parties().pool, blockbook.wallet.parties().payer
    for n in range(3):
        blockbook.chain.pay([pool], [(blockbook.wallet.receive(PAYOUT_INDEX), 200_000 + n)], fee=300)
        blockbook.chain.mine()
    blockbook.chain.pay([payer], [(blockbook.wallet.receive(8), 40_000)], fee=500)
    blockbook.chain.mine()
    blockbook.reset_counts()
    result = sync(wallet)
    # The three payouts, the receipt, and the mempool receipt to receive index 4 the first block confirmed.
    assert result.fetched["transactions"] == 3 + 1 + 1
    assert blockbook.count("address_txs") == 3  # receive 4, the payout address (its first page) and receive 8
    expected = blockbook.chain.balance(own(blockbook.wallet)) * SAT
    assert reconciliation(query, wallet) == [(blockbook.wallet.coin.asset_id, expected, expected, "match")]


def test_rate_limits_are_waited_out_and_an_outage_changes_nothing(blockbook, add_coin_wallet, sync, warehouse):
    wallet = add_coin_wallet(blockbook)
    blockbook.fail(429, 2, retry_after="0")
    first = sync(wallet)
    assert first.snapshot.stats["requests"] == blockbook.count()  # the two refused requests were retried
    blockbook.chain.mine()
    before = snapshot(warehouse, TABLES)
    blockbook.on_request(20, lambda: blockbook.fail(502, 10, retry_after="0"))
    with pytest.raises(BlockbookError, match="HTTP 502"):
        sync(wallet)
    assert snapshot(warehouse, TABLES) == before


@pytest.mark.parametrize(("coin", "option", "value", "message"), [
    ("litecoin", "--address", "LYBmmhHSciRQ5kUsEdyAFxzVTbKkKqtypA", "invalid Litecoin address 'LYBmmhHSciRQ5kUsEdyAFxzVTbKkKqtypA'"),
    ("litecoin", "--address", "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "expected a Litecoin address starting with L, M or ltc1"),
    ("litecoin", "--address", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "expected a Litecoin address starting with L, M or ltc1"),
    ("litecoin", "--xpub", account_key("bip49", 0), "is a Bitcoin key, not a Litecoin one (Ltub/Mtub/zpub)"),
    ("litecoin", "--xpub", account_key("bip44", 0, "litecoin")[:-2] + "zz", "not a valid extended public key"),
    ("dogecoin", "--address", "DBus3bamQjgJULBJtYXpEzDWQRwF5iwxgD", "invalid Dogecoin address"),
    ("dogecoin", "--address", "LYBmmhHSciRQ5kUsEdyAFxzVTbKkKqtypB", "expected a Dogecoin address starting with D, 9 or A"),
    ("dogecoin", "--xpub", account_key("bip84", 0), "is a Bitcoin key, not a Dogecoin one (dgub)"),
    ("dogecoin", "--xpub", account_key("bip44", 0, "litecoin"), "is a Litecoin key, not a Dogecoin one"),
    ("bitcoin-cash", "--address", "bitcoincash:qqyx49mu0kkn9ftfj6hje6g2wfer34yfnq5tahq3q7", "invalid Bitcoin Cash address"),
    ("bitcoin-cash", "--address", "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "expected a Bitcoin Cash address"),
    ("bitcoin-cash", "--xpub", account_key("bip44", 0, "dogecoin"), "is a Dogecoin key, not a Bitcoin Cash one (xpub)"),
    ("bitcoin-cash", "--xpub", account_key("bip84", 0), "is a Bitcoin key, not a Bitcoin Cash one (xpub)"),
])
def test_bad_input_is_one_line_and_adds_nothing(cli, warehouse, coin, option, value, message):
    cli("accounts", "add", "satoshi", "--timezone", "UTC")
    before = snapshot(warehouse, ("app.integrations",))
    bad = cli("bitcoin", "add", "satoshi", "Trezor", "--coin", coin, option, value, "--blockbook-url", "http://127.0.0.1:9")
    assert bad.code == 2 and bad.err.count("\n") == 1 and message in bad.err, bad
    assert snapshot(warehouse, ("app.integrations",)) == before


@pytest.mark.parametrize(("coin", "bip", "first"), [
    ("litecoin", "bip84", "ltc1qjmxnz78nmc8nq77wuxh25n2es7rzm5c2rkk4wh"),
    ("dogecoin", "bip44", "DBus3bamQjgJULBJtYXpEzDWQRwF5iwxgC"),
    ("bitcoin-cash", "bip44", "bitcoincash:qqyx49mu0kkn9ftfj6hje6g2wfer34yfnq5tahq3q6"),
])
def test_each_coin_derives_its_own_addresses(cli, coin, bip, first):
    """m/<bip>'/<coin type>'/0'/0/0 of the BIP39 test mnemonic, in the coin's own encoding."""
    shown = cli("bitcoin", "addresses", "--coin", coin, account_key(bip, 0, coin), "--count", "1")
    assert shown.code == 0 and shown.out.split() == ["0/0", first]


def test_bitcoin_cash_legacy_addresses_are_kept_as_cashaddr():
    """The CashAddr specification's example pair: the legacy form is stored as Blockbook names it."""
    from pipelines.connectors.bitcoin.coins import COINS
    from pipelines.connectors.bitcoin.config import WalletConfig

    config = WalletConfig.parse({"addresses": ["1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu",
                                               "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"]}, COINS["bitcoin-cash"])
    assert {a.address for a in config.addresses} == {"bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"}


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


def test_a_key_in_the_blockbook_url_is_stored_encrypted_and_never_shown(cli, warehouse, monkeypatch, tmp_path):
    from pipelines.connectors.bitcoin.coins import COINS
    from pipelines.imitations.blockbook import BlockbookImitation
    from pipelines.imitations.esplora.scenario import Wallet

    key = "gb-secret-0123456789abcdef"
    with BlockbookImitation(Wallet(COINS["dogecoin"]), api_key=key) as dogecoin:
        cli("accounts", "add", "satoshi", "--timezone", "UTC")
        monkeypatch.setenv("DOGE_BOOK", dogecoin.url)
        added = cli("bitcoin", "add", "satoshi", "Trezor DOGE", "--coin", "dogecoin", "--xpub", dogecoin.wallet.key,
                    "--blockbook-url-env", "DOGE_BOOK")
        assert added.code == 0, added
        synced = cli("sync", "satoshi-trezor-doge")
        shown = cli("integrations", "show", "satoshi-trezor-doge")
        assert synced.code == 0 and key not in synced.out + synced.err + shown.out + shown.err
        dogecoin.fail(503, 50, retry_after="0")  # an error names the host and path, not the key
        failed = cli("sync", "satoshi-trezor-doge")
        assert failed.code == 1 and "HTTP 503" in failed.err and key not in failed.out + failed.err
    expected = dogecoin.chain.balance(own(dogecoin.wallet)) * SAT
    with connect(warehouse) as con:
        assert con.execute("SELECT synced, calculated FROM marts.balance_reconciliation").fetchall() == [(expected, expected)]
    assert key.encode() not in Path(warehouse).read_bytes()
