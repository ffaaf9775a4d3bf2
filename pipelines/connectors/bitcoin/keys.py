"""Addresses and extended public keys of Bitcoin and its UTXO relatives (`coins.py`): parsing,
validation and derivation (bip-utils).

A wallet integration names what it owns by plain addresses and/or account-level extended public
keys as hardware and multi-wallets export them. The key's prefix says which script its addresses
use (xpub: BIP44 P2PKH, ypub: BIP49 P2SH-P2WPKH, zpub: BIP84 P2WPKH); a descriptor wrapper
overrides it, which is the only way to say taproot (BIP86 keys are exported as plain xpubs):
`tr(xpub...)`, `wpkh(xpub...)`, `sh(wpkh(xpub...))`, `pkh(xpub...)`. All elliptic-curve maths,
Base58 and bech32/bech32m coding is bip-utils'; this module only chooses and wires. Every
function takes the coin (default Bitcoin): its key prefixes, address versions and bech32 prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from pipelines.connectors.bitcoin.coins import COINS, Coin, key_owner
from pipelines.errors import UserError

BITCOIN = COINS["bitcoin"]

RECEIVE, CHANGE = 0, 1

#: script -> the BIP whose coin configuration encodes its addresses.
SCRIPTS = {"pkh": "bip44", "sh(wpkh)": "bip49", "wpkh": "bip84", "tr": "bip86"}
PRIVATE_PREFIXES = ("xprv", "yprv", "zprv", "tprv", "uprv", "vprv", "Ltpv", "Mtpv", "dgpv")
TESTNET_PREFIXES = ("tpub", "upub", "vpub")
_DESCRIPTOR = re.compile(r"^(pkh|wpkh|sh\(wpkh|tr)\(([^()]+)\)\)?$")
#: Parts of a descriptor that are informative only (the key itself is what counts): the key origin
#: `[fingerprint/84h/0h/0h]`, the chain suffix `/0/*` or `/<0;1>/*` (both chains are always read)
#: and the `#checksum`.
_ORIGIN = re.compile(r"^\[[0-9a-fA-F]{8}(/[0-9]+[hH']?)*\]")
_CHAINS = re.compile(r"/(<0;1>|0|1)/\*$")
_CHECKSUM = re.compile(r"#[0-9a-z]{8}$")
_BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]+$")


def _conf(bip: str, coin: Coin = BITCOIN):
    """bip-utils' address configuration of `bip` for `coin`; `UserError` when the coin has none."""
    from bip_utils import Bip44Conf, Bip49Conf, Bip84Conf, Bip86Conf

    conf = getattr({"bip44": Bip44Conf, "bip49": Bip49Conf, "bip84": Bip84Conf, "bip86": Bip86Conf}[bip], coin.conf, None)
    if conf is None:
        raise UserError(f"{coin.label} has no {bip.upper()} addresses")
    return conf


@dataclass(frozen=True)
class OwnAddress:
    """An address the wallet owns; derived ones know their key (position in `xpubs`), branch and index."""

    address: str
    key: int | None = None
    branch: int | None = None
    index: int | None = None


@dataclass(frozen=True)
class ExtendedKey:
    """One account-level extended public key and the script its addresses use."""

    text: str
    script: str
    position: int
    coin: Coin = BITCOIN

    @cached_property
    def _node(self):
        from bip_utils import Bip32KeyNetVersions, Bip32Secp256k1

        version = bytes.fromhex(self.coin.keys[self.text[:4]].version)
        return Bip32Secp256k1.FromExtendedKey(self.text, Bip32KeyNetVersions(version, b"\x00" * 4))

    def address(self, branch: int, index: int) -> OwnAddress:
        conf = _conf(SCRIPTS[self.script], self.coin)
        key = self._node.ChildKey(branch).ChildKey(index).PublicKey().KeyObject()
        return OwnAddress(conf.AddrClass().EncodeKey(key, **conf.AddrParams()), self.position, branch, index)


def parse_key(text: str, position: int = 0, coin: Coin = BITCOIN) -> ExtendedKey:
    """An extended public key of `coin`, bare or in a descriptor wrapper; `UserError` says what is wrong."""
    cleaned = _CHECKSUM.sub("", str(text).strip())
    match = _DESCRIPTOR.match(cleaned)
    script, key = (match.group(1).replace("sh(wpkh", "sh(wpkh)"), match.group(2)) if match else (None, cleaned)
    key = _CHAINS.sub("", _ORIGIN.sub("", key))
    shown = f"{key[:8]}...{key[-4:]}" if len(key) > 12 else key
    if match and cleaned.startswith("sh(wpkh") != cleaned.endswith("))"):
        raise UserError(f"extended key {shown}: unbalanced descriptor {cleaned[:8]}...")
    if key[:4] in PRIVATE_PREFIXES:
        raise UserError(f"extended key {shown} is a PRIVATE key: never share it; export the account's public key ({coin.key_hint})")
    if key[:4] in TESTNET_PREFIXES:
        raise UserError(f"extended key {shown} is a testnet key; only {coin.label} mainnet keys ({coin.key_hint}) are supported")
    if key[:4] not in coin.keys:
        owner = key_owner(key[:4])
        if owner is not None:
            raise UserError(f"extended key {shown} is a {owner.label} key, not a {coin.label} one ({coin.key_hint})")
        taproot = " (optionally as tr(xpub...) for taproot)" if coin is BITCOIN else ""
        raise UserError(f"extended key {shown}: expected a {coin.label} key: {coin.key_hint}{taproot}")
    extended = ExtendedKey(key, script or coin.keys[key[:4]].script, position, coin)
    try:
        _conf(SCRIPTS[extended.script], coin)
        node = extended._node
    except UserError:
        raise
    except Exception as exc:  # bip-utils raises several types (checksum, length, version, point)
        raise UserError(f"extended key {shown} is not a valid extended public key ({exc})") from None
    if not node.IsPublicOnly():
        raise UserError(f"extended key {shown} is not a public key")
    return extended


@dataclass(frozen=True)
class ParsedAddress:
    """A mainnet address with its script type and output script (as Esplora reports them)."""

    address: str
    script_type: str
    scriptpubkey: str


def parse_address(text: str, coin: Coin = BITCOIN) -> ParsedAddress:
    """Check a mainnet address of `coin` (Base58Check P2PKH/P2SH or bech32/bech32m segwit) and normalize it."""
    from bip_utils import Base58Decoder
    from bip_utils.bech32 import SegwitBech32Decoder

    address = str(text).strip()
    try:
        if coin.cashaddr:
            return _cashaddr(address, coin)
        if coin.hrp and address.lower().startswith(f"{coin.hrp}1"):
            address = address.lower()
            version, program = SegwitBech32Decoder.Decode(coin.hrp, address)
            kinds = {(0, 20): "v0_p2wpkh", (0, 32): "v0_p2wsh", (1, 32): "v1_p2tr"}
            script_type = kinds.get((version, len(program)))
            if script_type is None:
                raise ValueError(f"unsupported witness version {version} / program of {len(program)} bytes")
            op = "00" if version == 0 else f"{0x50 + version:02x}"
            return ParsedAddress(address, script_type, f"{op}{len(program):02x}{program.hex()}")
        if not _BASE58.match(address) or any(address.lower().startswith(f"{c.hrp}1") for c in COINS.values() if c.hrp):
            raise ValueError(f"expected {coin.address_hint}")
        payload = Base58Decoder.CheckDecode(address)
        if len(payload) != 21 or payload[0] not in (coin.p2pkh, coin.p2sh):
            raise ValueError(f"expected {coin.address_hint}")
        digest = payload[1:].hex()
        if payload[0] == coin.p2pkh:
            return ParsedAddress(address, "p2pkh", f"76a914{digest}88ac")
        return ParsedAddress(address, "p2sh", f"a914{digest}87")
    except Exception as exc:
        raise UserError(f"invalid {coin.label} address {address!r}: {exc}") from None


def _cashaddr(address: str, coin: Coin) -> ParsedAddress:
    """A Bitcoin Cash address, CashAddr (with or without its `bitcoincash:` prefix) or legacy Base58,
    always written back as CashAddr with the prefix: how a Blockbook of Bitcoin Cash names addresses."""
    from bip_utils import Base58Decoder
    from bip_utils.bech32 import BchBech32Decoder, BchBech32Encoder

    prefix = f"{coin.cashaddr}:"
    if _BASE58.match(address) and address[:1] in ("1", "3"):
        payload = Base58Decoder.CheckDecode(address)
        if len(payload) != 21 or payload[0] not in (coin.p2pkh, coin.p2sh):
            raise ValueError(f"expected {coin.address_hint}")
        version, digest = (b"\x00" if payload[0] == coin.p2pkh else b"\x08"), payload[1:]
    else:
        written = address.lower() if address.lower().startswith(prefix) else f"{prefix}{address.lower()}"
        if address[:1] not in ("q", "p", "Q", "P") and not address.lower().startswith(prefix):
            raise ValueError(f"expected {coin.address_hint}")
        version, digest = BchBech32Decoder.Decode(coin.cashaddr, written)
        if len(digest) != 20 or version not in (b"\x00", b"\x08"):
            raise ValueError("not a P2PKH or P2SH CashAddr")
    cashaddr = BchBech32Encoder.Encode(coin.cashaddr, version, digest)
    if version == b"\x00":
        return ParsedAddress(cashaddr, "p2pkh", f"76a914{digest.hex()}88ac")
    return ParsedAddress(cashaddr, "p2sh", f"a914{digest.hex()}87")
