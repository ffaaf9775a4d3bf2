"""A Tron wallet integration's settings and where its TronGrid URL and API key come from.

Settings (JSON, no secrets): `address` (one base58 address; a wallet's other addresses are
integrations of their own in the same group) and `max_retries` (of a rate-limited or failing
request, default 5). The API URL and the API key are credentials, stored encrypted: a hosted
endpoint's URL may hold a key and the key itself is a secret (`api_url`, `api_key`). Without
them the environment decides at each sync: PIPELINES_TRONGRID_URL and PIPELINES_TRONGRID_API_KEY.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.connectors.tron.address import TronAddress, parse_address
from pipelines.errors import UserError

URL_ENV, KEY_ENV = "PIPELINES_TRONGRID_URL", "PIPELINES_TRONGRID_API_KEY"
URL_CREDENTIAL, KEY_CREDENTIAL = "api_url", "api_key"
SETTINGS = ("address", "max_retries")
MAX_RETRIES = 20


def check_url(url: Any) -> str:
    if not str(url).startswith(("http://", "https://")):
        raise UserError("the TronGrid API URL must be an http:// or https:// URL")
    return str(url)


@dataclass(frozen=True)
class TronConfig:
    address: TronAddress
    max_retries: int

    @classmethod
    def parse(cls, settings: Mapping[str, Any]) -> TronConfig:
        unknown = sorted(set(settings) - set(SETTINGS))
        if unknown:
            raise UserError(f"unknown Tron wallet setting(s) {', '.join(unknown)}: use {', '.join(SETTINGS)}")
        if not settings.get("address"):
            raise UserError("a Tron wallet needs its address (T...)")
        retries = settings.get("max_retries", 5)
        if isinstance(retries, bool) or not str(retries).isdigit() or int(retries) > MAX_RETRIES:
            raise UserError(f"max_retries must be a whole number from 0 to {MAX_RETRIES}, not {retries!r}")
        return cls(parse_address(settings["address"]), int(retries))


def check_credentials(credentials: Mapping[str, str]) -> None:
    extra = sorted(set(credentials) - {URL_CREDENTIAL, KEY_CREDENTIAL})
    if extra:
        raise UserError(f"a Tron wallet's only credentials are {URL_CREDENTIAL} and {KEY_CREDENTIAL}, not {', '.join(extra)}")
    if URL_CREDENTIAL in credentials:
        check_url(credentials[URL_CREDENTIAL])


def endpoint(credentials: Mapping[str, str]) -> tuple[str, str | None]:
    """(API URL, API key or None): the stored credentials, else the environment."""
    url = credentials.get(URL_CREDENTIAL) or os.environ.get(URL_ENV)
    if not url:
        raise UserError(f"no TronGrid URL: store one with `pipelines tron add --api-url` or set {URL_ENV}")
    return check_url(url), credentials.get(KEY_CREDENTIAL) or os.environ.get(KEY_ENV) or None
