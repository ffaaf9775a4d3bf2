"""A Bitcoin (or Litecoin, ...: `coins.py`) wallet integration's settings, checked once and turned
into keys and addresses.

Settings (JSON, no secrets): `addresses` (list), `xpubs` (list of xpub/ypub/zpub or descriptors
such as `tr(xpub...)`), `gap_limit` (consecutive unused addresses after which a key's receive or
change chain is considered exhausted; default 20, the BIP44 value; raise it for a wallet that
handed out more unused addresses in a row), `confirmations` (a transaction is history once it has
this many; default 1: every mined block counts, 6 stays clear of chain reorganisations),
`esplora_url` (Bitcoin only; else the environment variable PIPELINES_ESPLORA_URL) and
and, as the only credential (stored encrypted: a hosted Blockbook's URL often holds its API key,
e.g. `https://go.getblock.io/<key>/`), `blockbook_url` (else PIPELINES_BLOCKBOOK_URL_<COIN>, e.g.
PIPELINES_BLOCKBOOK_URL_LITECOIN). Bitcoin reads through Esplora unless a Blockbook URL is given;
the other coins read through Blockbook.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.connectors.bitcoin.blockbook import Blockbook
from pipelines.connectors.bitcoin.coins import Coin
from pipelines.connectors.bitcoin.esplora import Esplora
from pipelines.connectors.bitcoin.keys import BITCOIN, ExtendedKey, OwnAddress, parse_address, parse_key
from pipelines.errors import UserError

DEFAULT_GAP_LIMIT = 20
MAX_GAP_LIMIT = 1000
ESPLORA_URL_ENV = "PIPELINES_ESPLORA_URL"
MAX_CONFIRMATIONS = 100
BLOCKBOOK_URL_ENV = "PIPELINES_BLOCKBOOK_URL_{}"
BLOCKBOOK_CREDENTIAL = "blockbook_url"
SETTINGS = ("addresses", "xpubs", "gap_limit", "confirmations", "esplora_url")


def blockbook_env(coin: Coin) -> str:
    """The environment variable holding `coin`'s default Blockbook URL (PIPELINES_BLOCKBOOK_URL_BITCOIN_CASH)."""
    return BLOCKBOOK_URL_ENV.format(coin.name.upper().replace("-", "_"))


def _as_list(settings: Mapping[str, Any], name: str) -> list[str]:
    value = settings.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise UserError(f"setting {name!r} must be a list of strings")
    return [str(v) for v in value]


def _whole(settings: Mapping[str, Any], name: str, default: int, maximum: int) -> int:
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) and not (isinstance(value, str) and value.isdigit()):
        raise UserError(f"{name} must be a whole number, not {value!r}")
    if not 1 <= int(value) <= maximum:
        raise UserError(f"{name} must be between 1 and {maximum}, not {value}")
    return int(value)


@dataclass(frozen=True)
class WalletConfig:
    keys: tuple[ExtendedKey, ...]
    addresses: tuple[OwnAddress, ...]
    gap_limit: int
    confirmations: int
    esplora_url: str | None
    coin: Coin = BITCOIN

    @classmethod
    def parse(cls, settings: Mapping[str, Any], coin: Coin = BITCOIN) -> WalletConfig:
        unknown = sorted(set(settings) - set(SETTINGS))
        if unknown:
            raise UserError(f"unknown {coin.label} wallet setting(s) {', '.join(unknown)}: use {', '.join(SETTINGS)}")
        keys = tuple(parse_key(text, i, coin) for i, text in enumerate(_as_list(settings, "xpubs")))
        addresses = tuple(OwnAddress(parse_address(a, coin).address) for a in _as_list(settings, "addresses"))
        if not keys and not addresses:
            raise UserError(f"a {coin.label} wallet needs at least one address or extended public key ({coin.key_hint})")
        gap = _whole(settings, "gap_limit", DEFAULT_GAP_LIMIT, MAX_GAP_LIMIT)
        confirmations = _whole(settings, "confirmations", 1, MAX_CONFIRMATIONS)
        url = settings.get("esplora_url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            raise UserError(f"esplora_url must be an http(s) URL, not {url!r}")
        if url is not None and coin is not BITCOIN:
            raise UserError(f"esplora_url is for Bitcoin wallets: a {coin.label} wallet reads through a Blockbook")
        return cls(keys, addresses, gap, confirmations, url, coin)

    @staticmethod
    def check_credentials(credentials: Mapping[str, str]) -> None:
        """The only credential is the Blockbook URL, an http(s) one (shown without its path: it may be a key)."""
        extra = sorted(set(credentials) - {BLOCKBOOK_CREDENTIAL})
        if extra:
            raise UserError(f"a wallet of this kind takes only the credential {BLOCKBOOK_CREDENTIAL}, not {', '.join(extra)}")
        url = credentials.get(BLOCKBOOK_CREDENTIAL)
        if url is not None and not str(url).startswith(("http://", "https://")):
            raise UserError(f"the Blockbook URL must start with http:// or https://, not {str(url)[:8]!r}...")

    def explorer(self, credentials: Mapping[str, str]) -> Esplora:
        """The client to read through: Blockbook for every coin but Bitcoin, which has a choice."""
        env = blockbook_env(self.coin)
        blockbook = credentials.get(BLOCKBOOK_CREDENTIAL) or os.environ.get(env)
        if self.coin is BITCOIN and not blockbook:
            url = self.esplora_url or os.environ.get(ESPLORA_URL_ENV)
            if not url:
                raise UserError(f"no Esplora URL: set the integration's esplora_url or {ESPLORA_URL_ENV}")
            return Esplora(url)
        if not blockbook:
            raise UserError(f"no Blockbook URL: give the integration one (--blockbook-url) or set {env}")
        return Blockbook(blockbook, self.coin)
