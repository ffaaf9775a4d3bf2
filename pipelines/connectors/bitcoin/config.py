"""A Bitcoin wallet integration's settings, checked once and turned into keys and addresses.

Settings (JSON, no secrets): `addresses` (list), `xpubs` (list of xpub/ypub/zpub or descriptors
such as `tr(xpub...)`), `gap_limit` (consecutive unused addresses after which a key's receive or
change chain is considered exhausted; default 20, the BIP44 value; raise it for a wallet that
handed out more unused addresses in a row), `confirmations` (a transaction is history once it has
this many; default 1: every mined block counts, 6 stays clear of chain reorganisations) and
`esplora_url` (else the environment variable PIPELINES_ESPLORA_URL).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.connectors.bitcoin.keys import ExtendedKey, OwnAddress, parse_address, parse_key
from pipelines.errors import UserError

DEFAULT_GAP_LIMIT = 20
MAX_GAP_LIMIT = 1000
ESPLORA_URL_ENV = "PIPELINES_ESPLORA_URL"
MAX_CONFIRMATIONS = 100
SETTINGS = ("addresses", "xpubs", "gap_limit", "confirmations", "esplora_url")


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

    @classmethod
    def parse(cls, settings: Mapping[str, Any]) -> WalletConfig:
        unknown = sorted(set(settings) - set(SETTINGS))
        if unknown:
            raise UserError(f"unknown Bitcoin wallet setting(s) {', '.join(unknown)}: use {', '.join(SETTINGS)}")
        keys = tuple(parse_key(text, i) for i, text in enumerate(_as_list(settings, "xpubs")))
        addresses = tuple(OwnAddress(parse_address(a).address) for a in _as_list(settings, "addresses"))
        if not keys and not addresses:
            raise UserError("a Bitcoin wallet needs at least one address or extended public key (xpub/ypub/zpub)")
        gap = _whole(settings, "gap_limit", DEFAULT_GAP_LIMIT, MAX_GAP_LIMIT)
        confirmations = _whole(settings, "confirmations", 1, MAX_CONFIRMATIONS)
        url = settings.get("esplora_url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            raise UserError(f"esplora_url must be an http(s) URL, not {url!r}")
        return cls(keys, addresses, gap, confirmations, url)

    def explorer_url(self) -> str:
        url = self.esplora_url or os.environ.get(ESPLORA_URL_ENV)
        if not url:
            raise UserError(f"no Esplora URL: set the integration's esplora_url or {ESPLORA_URL_ENV}")
        return url
