"""A Bitcoin wallet integration's settings, checked once and turned into keys and addresses.

Settings (JSON, no secrets): `addresses` (list), `xpubs` (list of xpub/ypub/zpub or descriptors
such as `tr(xpub...)`), `gap_limit` (consecutive unused addresses after which a key's receive or
change chain is considered exhausted; default 20, the BIP44 value) and `esplora_url` (else the
environment variable PIPELINES_ESPLORA_URL).
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
SETTINGS = ("addresses", "xpubs", "gap_limit", "esplora_url")


def _as_list(settings: Mapping[str, Any], name: str) -> list[str]:
    value = settings.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise UserError(f"setting {name!r} must be a list of strings")
    return [str(v) for v in value]


@dataclass(frozen=True)
class WalletConfig:
    keys: tuple[ExtendedKey, ...]
    addresses: tuple[OwnAddress, ...]
    gap_limit: int
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
        gap = settings.get("gap_limit", DEFAULT_GAP_LIMIT)
        if isinstance(gap, bool) or not isinstance(gap, int) and not (isinstance(gap, str) and gap.isdigit()):
            raise UserError(f"gap_limit must be a whole number, not {gap!r}")
        if not 1 <= int(gap) <= MAX_GAP_LIMIT:
            raise UserError(f"gap_limit must be between 1 and {MAX_GAP_LIMIT}, not {gap}")
        url = settings.get("esplora_url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            raise UserError(f"esplora_url must be an http(s) URL, not {url!r}")
        return cls(keys, addresses, int(gap), url)

    def explorer_url(self) -> str:
        url = self.esplora_url or os.environ.get(ESPLORA_URL_ENV)
        if not url:
            raise UserError(f"no Esplora URL: set the integration's esplora_url or {ESPLORA_URL_ENV}")
        return url
