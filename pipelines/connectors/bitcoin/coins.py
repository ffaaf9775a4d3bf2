"""The UTXO coins a Bitcoin-style wallet integration reads, and what differs between them.

Bitcoin, Litecoin, Dogecoin and Bitcoin Cash share the transaction model (inputs spend earlier
outputs, the fee is what the inputs leave over), BIP32 derivation and the gap-limit scan; they
differ in the extended-key version bytes (Litecoin's Ltub/Mtub, Dogecoin's dgub), the address
encodings (Base58Check version bytes, the bech32 prefix) and the coin type in the derivation path.
One `Coin` holds those differences; everything else is shared code. The integration's provider is
the coin's `name`, so its native asset is `<name>:native` (raw.wallet_chains, chain_assets.sql).
Bitcoin and Bitcoin Cash share the xpub prefix and legacy address versions, as Litecoin and
Bitcoin share zpub: such a key or address is accepted for either coin (nothing in it says which).
pipelines/connectors/__init__.py lists the coins beside Bitcoin again (SAME_AS), without importing.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.errors import UserError


@dataclass(frozen=True)
class KeyKind:
    """An extended-key prefix: its public version bytes, the BIP whose addresses it derives and
    the script those addresses use."""

    version: str
    bip: str
    script: str


@dataclass(frozen=True)
class Coin:
    name: str  # the integration's provider and the chain part of its asset id
    label: str
    symbol: str
    conf: str  # the bip-utils configuration name (Bip44Conf.<conf>, Bip84Conf.<conf>, ...)
    keys: dict[str, KeyKind]
    p2pkh: int  # Base58Check version byte of pay-to-public-key-hash addresses
    p2sh: int | None
    hrp: str | None  # bech32 prefix of segwit addresses (None: the coin has no segwit)
    address_hint: str
    blockbook_coin: str  # the `blockbook.coin` a Blockbook of this coin reports on /api
    cashaddr: str | None = None  # Bitcoin Cash's address prefix: its addresses are written `bitcoincash:q...`
    decimals: int = 8  # of the native asset: every coin here counts in satoshi-like units of 10^-8

    @property
    def asset_id(self) -> str:
        return f"{self.name}:native"

    @property
    def key_hint(self) -> str:
        return "/".join(self.keys)


_XPUB, _YPUB, _ZPUB = "0488b21e", "049d7cb2", "04b24746"

COINS: dict[str, Coin] = {coin.name: coin for coin in (
    Coin("bitcoin", "Bitcoin", "BTC", "BitcoinMainNet",
         {"xpub": KeyKind(_XPUB, "bip44", "pkh"), "ypub": KeyKind(_YPUB, "bip49", "sh(wpkh)"),
          "zpub": KeyKind(_ZPUB, "bip84", "wpkh")},
         0x00, 0x05, "bc", "a mainnet address starting with 1, 3 or bc1", "Bitcoin"),
    Coin("litecoin", "Litecoin", "LTC", "LitecoinMainNet",
         {"Ltub": KeyKind("019da462", "bip44", "pkh"), "Mtub": KeyKind("01b26ef6", "bip49", "sh(wpkh)"),
          "zpub": KeyKind(_ZPUB, "bip84", "wpkh")},
         0x30, 0x32, "ltc", "a Litecoin address starting with L, M or ltc1", "Litecoin"),
    Coin("dogecoin", "Dogecoin", "DOGE", "DogecoinMainNet", {"dgub": KeyKind("02facafd", "bip44", "pkh")},
         0x1E, 0x16, None, "a Dogecoin address starting with D, 9 or A", "Dogecoin"),
    Coin("bitcoin-cash", "Bitcoin Cash", "BCH", "BitcoinCashMainNet", {"xpub": KeyKind(_XPUB, "bip44", "pkh")},
         0x00, 0x05, None, "a Bitcoin Cash address: bitcoincash:q... or p..., or legacy 1... or 3...", "Bcash",
         cashaddr="bitcoincash"),
)}


def coin(name: str | None) -> Coin:
    """The coin an integration's provider names; `UserError` lists the supported ones."""
    found = COINS.get((name or "").strip().lower())
    if found is None:
        raise UserError(f"unknown UTXO coin {name!r}: choose one of {', '.join(COINS)}")
    return found


def key_owner(prefix: str) -> Coin | None:
    """The first coin whose extended keys start with `prefix` (to name a key of the wrong network)."""
    return next((c for c in COINS.values() if prefix in c.keys), None)
