"""One wallet on several kinds of chain (`wallets add-multi`) through the CLI on a real registry:
one group, one integration per chain; any invalid value is one error line naming its option and
registers nothing; re-running adds nothing. Registration reads no source, so no imitation runs."""

from __future__ import annotations

import json

import pytest

from pipelines.imitations.esplora.scenario import account_key
from pipelines.imitations.tron.scenario import WALLET as TRON
from tests.helpers import snapshot

EVM = "0x52908400098527886E0F7030069857D2E4169EE7"  # an EIP-55 test vector (mixed case carries the checksum)
BITCOIN_ADDRESS = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
TPUB = "tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M"
REGISTRY = ("app.accounts", "app.integrations")


def ledger(*extra: str) -> list[str]:
    """What a Ledger Live user copies: one EVM address, Bitcoin's zpub (and an old address), Litecoin's
    Ltub, Dogecoin's dgub, a Bitcoin Cash xpub and a Tron address."""
    return ["wallets", "add-multi", "alice", "Ledger", "--evm", EVM, "--evm-chains", "ethereum,arbitrum",
            "--bitcoin", account_key("bip84", 0), "--bitcoin", BITCOIN_ADDRESS,
            "--litecoin", account_key("bip44", 0, "litecoin"), "--dogecoin", account_key("bip44", 0, "dogecoin"),
            "--bitcoin-cash", account_key("bip44", 0, "bitcoin-cash"), "--tron", TRON, *extra]


def query(warehouse, sql: str) -> list[tuple]:
    from pipelines.warehouse import connect

    with connect(warehouse) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def alice(cli):
    assert cli("accounts", "add", "alice", "--timezone", "Europe/Vienna").code == 0
    return cli


def test_one_group_with_one_integration_per_chain_and_a_rerun_adds_nothing(alice, warehouse):
    added = alice(*ledger())
    assert added.code == 0, added
    rows = query(warehouse, """SELECT integration_id, name, provider, group_name, settings FROM app.integrations
                               ORDER BY integration_id""")
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("alice-ledger-arbitrum", "Ledger (Arbitrum One)", "arbitrum", "Ledger"),
        ("alice-ledger-bitcoin", "Ledger (Bitcoin)", "bitcoin", "Ledger"),
        ("alice-ledger-bitcoin-cash", "Ledger (Bitcoin Cash)", "bitcoin-cash", "Ledger"),
        ("alice-ledger-dogecoin", "Ledger (Dogecoin)", "dogecoin", "Ledger"),
        ("alice-ledger-ethereum", "Ledger (Ethereum)", "ethereum", "Ledger"),
        ("alice-ledger-litecoin", "Ledger (Litecoin)", "litecoin", "Ledger"),
        ("alice-ledger-tron", "Ledger (Tron)", "tron", "Ledger"),
    ]
    settings = {r[0]: json.loads(r[4]) for r in rows}
    assert settings["alice-ledger-bitcoin"] == {"xpubs": [account_key("bip84", 0)], "addresses": [BITCOIN_ADDRESS]}
    assert settings["alice-ledger-litecoin"] == {"xpubs": [account_key("bip44", 0, "litecoin")]}
    assert settings["alice-ledger-tron"] == {"address": TRON}
    assert settings["alice-ledger-ethereum"]["addresses"] == [EVM]
    assert added.out.count(" added\n") == 7 and "group 'Ledger': 7 integrations" in added.out

    before = snapshot(warehouse, REGISTRY)
    again = alice(*ledger())
    assert again.code == 2 and again.err.count("\n") == 1
    assert "already registered: alice-ledger-arbitrum, alice-ledger-bitcoin," in again.err
    assert snapshot(warehouse, REGISTRY) == before
    # A chain added later is its own option alone, in the same group.
    later = alice("wallets", "add-multi", "alice", "Ledger", "--evm", EVM, "--evm-chains", "base")
    assert later.code == 0 and "alice-ledger-base added" in later.out
    assert query(warehouse, "SELECT group_name FROM app.integrations WHERE integration_id = 'alice-ledger-base'"
                 ) == [("Ledger",)]


@pytest.mark.parametrize(("change", "message"), [
    # Each invalid value comes after chains that were fine (EVM is registered first): they are undone.
    (("--dogecoin", account_key("bip44", 0, "litecoin")), "--dogecoin: extended key Ltub"),
    (("--bitcoin", TPUB), "--bitcoin: extended key tpubDC8m...bQ1M is a testnet key"),
    (("--bitcoin", account_key("bip84", 0)[:-1] + "x"), "is not a valid extended public key"),
    (("--litecoin", BITCOIN_ADDRESS), "--litecoin: invalid Litecoin address"),
    (("--tron", TRON[:-1] + ("A" if TRON[-1] != "A" else "B")), "--tron: invalid Tron address"),
    (("--evm", EVM[:-2] + "e7"), "--evm: address"),
    (("--evm-chains", "ethereum,bitcoin"), "--evm-chains: bitcoin is not an EVM chain (give it its own option --bitcoin)"),
    (("--solana", "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4"), "--solana: invalid Solana address"),
])
def test_one_invalid_value_registers_nothing(alice, warehouse, change, message):
    before = snapshot(warehouse, REGISTRY)
    args = ledger()
    option, value = change
    if option in ("--tron", "--evm", "--evm-chains"):
        args[args.index(option) + 1] = value  # replaces the valid value (Tron and EVM take one here)
    else:
        args += [option, value]
    bad = alice(*args)
    assert bad.code == 2 and bad.err.startswith("error: ") and bad.err.count("\n") == 1, bad
    assert message in bad.err, bad.err
    if "Ltub" in message:
        assert "is a Litecoin key, not a Dogecoin one" in bad.err
    assert snapshot(warehouse, REGISTRY) == before


def test_a_solana_address_joins_the_group_by_the_solana_add_code_path(alice, warehouse):
    added = alice(*ledger("--solana", "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"))
    assert added.code == 0 and "alice-ledger-solana added" in added.out and "8 integrations" in added.out
    assert query(warehouse, "SELECT provider, group_name, settings->>'address' FROM app.integrations "
                 "WHERE integration_id = 'alice-ledger-solana'") == [
        ("solana", "Ledger", "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T")]


@pytest.mark.parametrize(("args", "message"), [
    ((), "name at least one chain"),
    (("--evm-chains", "base"), "--evm-chains: give the address to read on them with --evm"),
    (("--evm", EVM, "--evm-chains", ","), "--evm-chains: name at least one EVM chain"),
    (("--evm", EVM, "--evm-chains", "ethereum,solana-ish"), "--evm-chains: unknown chain 'solana-ish'"),
    (("--evm", EVM, "--evm-chains", "eth,mainnet"), "--evm-chains: a chain is named twice"),
    (("--tron", TRON, "--tron", TRON), "--tron: a Tron wallet integration reads one address"),
])
def test_options_that_name_nothing_or_too_much_are_refused(alice, warehouse, args, message):
    before = snapshot(warehouse, REGISTRY)
    bad = alice("wallets", "add-multi", "alice", "Ledger", *args)
    assert bad.code == 2 and message in bad.err and bad.err.count("\n") == 1, bad
    assert snapshot(warehouse, REGISTRY) == before
