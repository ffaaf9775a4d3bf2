"""Keys and addresses: the published BIP test vectors, and clear errors for anything invalid."""

from __future__ import annotations

import pytest

from pipelines.connectors.bitcoin.keys import CHANGE, RECEIVE, parse_address, parse_key
from pipelines.errors import UserError
from pipelines.imitations.esplora.scenario import account_key
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.helpers import snapshot

# First receive and change addresses of the mnemonic "abandon ... about", account 0, as published
# in BIP84 and BIP86 (and the BIP44/BIP49 vectors every wallet library tests against).
VECTORS = [
    ("bip44", "{}", "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", "1J3J6EvPrv8q6AC3VCjWV45Uf3nssNMRtH"),
    ("bip49", "{}", "37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf", "34K56kSjgUCUSD8GTtuF7c9Zzwokbs6uZ7"),
    ("bip84", "{}", "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el"),
    ("bip86", "tr({})", "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr",
     "bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7"),
]
ZPUB = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"


@pytest.mark.parametrize(("bip", "form", "receive", "change"), VECTORS)
def test_derivation_matches_the_bip_test_vectors(bip, form, receive, change):
    key = parse_key(form.format(account_key(bip, 0)))
    assert key.address(RECEIVE, 0).address == receive
    assert key.address(CHANGE, 0).address == change


def test_descriptors_and_key_origins_choose_the_script():
    xpub = account_key("bip44", 0)
    assert parse_key(f"wpkh([73c5da0a/84h/0h/0h]{ZPUB})").address(RECEIVE, 0).address == VECTORS[2][2]
    taproot = f"tr([73c5da0a/86h/0h/0h]{account_key('bip86', 0)}/<0;1>/*)#abcdefgh"
    assert parse_key(taproot).address(CHANGE, 0).address == VECTORS[3][3]
    assert parse_key(f"pkh({xpub})").script == "pkh" and parse_key(f"sh(wpkh({xpub}))").script == "sh(wpkh)"
    # The same key as wpkh(xpub...) derives segwit addresses from the same public keys.
    assert parse_key(f"wpkh({xpub})").address(RECEIVE, 0).address.startswith("bc1q")


@pytest.mark.parametrize(("text", "message"), [
    (ZPUB[:-1] + "t", "not a valid extended public key"),
    ("xprv9s21ZrQH143K3GJpoapnV8SFfukcVBSfeCficPSGfubmSFDxo1kuHnLisriDvSnRRuL2Qrg5ggqHKNVpxR86QEC8w35uxmGoggxtQTPvfUu",
     "PRIVATE key"),
    ("tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M",
     "testnet"),
    ("hello", "expected a Bitcoin key: xpub/ypub/zpub"),
    (f"sh(wpkh({ZPUB})", "unbalanced descriptor"),
])
def test_invalid_keys_are_named_clearly(text, message):
    with pytest.raises(UserError, match=message):
        parse_key(text)


@pytest.mark.parametrize(("text", "message"), [
    ("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyv", "checksum"),
    ("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabB", "checksum"),
    ("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "expected a mainnet address"),
    ("0x52908400098527886E0F7030069857D2E4169EE7", "expected a mainnet address"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "unsupported witness version"),
])
def test_invalid_addresses_are_named_clearly(text, message):
    with pytest.raises(UserError, match=message):
        parse_address(text)


def test_addresses_are_normalized_and_typed():
    parsed = parse_address("  BC1QCR8TE4KR609GCAWUTMRZA0J4XV80JY8Z306FYU ")
    assert (parsed.address, parsed.script_type) == (VECTORS[2][2], "v0_p2wpkh")
    assert parsed.scriptpubkey == "0014c0cebcd6c3d3ca8c75dc5ec62ebe55330ef910e2"
    assert parse_address(VECTORS[0][2]).scriptpubkey == "76a914d986ed01b7a22225a70edbf2ba7cfb63a15cb3aa88ac"


@pytest.mark.parametrize(("settings", "message"), [
    ({}, "at least one address or extended public key"),
    ({"xpubs": ["zpub-nonsense"]}, "not a valid extended public key"),
    ({"addresses": ["bc1qnotanaddress"]}, "invalid Bitcoin address"),
    ({"xpubs": [ZPUB], "gap_limit": 0}, "gap_limit must be between"),
    ({"xpubs": [ZPUB], "gap_limit": "many"}, "gap_limit must be a whole number"),
    ({"xpubs": [ZPUB], "gap": 30}, "unknown Bitcoin wallet setting"),
    ({"xpubs": [ZPUB], "esplora_url": "ftp://x"}, "esplora_url must be an http"),
])
def test_an_invalid_wallet_is_rejected_before_anything_is_stored(warehouse, settings, message):
    with connect(warehouse) as con:
        add_account(con, "satoshi", "UTC", "EUR")
    before = snapshot(warehouse)
    with connect(warehouse) as con, pytest.raises(UserError, match=message):
        add_integration(con, "satoshi", "Ledger", "wallet", "bitcoin", settings=settings)
    assert snapshot(warehouse) == before


def test_a_bitcoin_wallet_takes_no_credentials_but_a_blockbook_url(warehouse):
    with connect(warehouse) as con:
        add_account(con, "satoshi", "UTC", "EUR")
        with pytest.raises(UserError, match="only the credential blockbook_url, not apiKey"):
            add_integration(con, "satoshi", "Ledger", "wallet", "bitcoin", settings={"xpubs": [ZPUB]},
                            credentials={"apiKey": "x"})
        with pytest.raises(UserError, match="Blockbook URL must start with http:// or https://"):
            add_integration(con, "satoshi", "Ledger", "wallet", "litecoin", settings={"xpubs": [ZPUB]},
                            credentials={"blockbook_url": "ftp://example.org/key"})
