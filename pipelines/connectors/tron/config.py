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

from pipelines.connectors.address_settings import check_http_url, parse_settings
from pipelines.connectors.tron.address import TronAddress, parse_address
from pipelines.errors import UserError

URL_ENV, KEY_ENV = "PIPELINES_TRONGRID_URL", "PIPELINES_TRONGRID_API_KEY"
URL_CREDENTIAL, KEY_CREDENTIAL = "api_url", "api_key"


def check_url(url: Any) -> str:
    return check_http_url(url, "the TronGrid API URL")


@dataclass(frozen=True)
class TronConfig:
    address: TronAddress
    max_retries: int

    @classmethod
    def parse(cls, settings: Mapping[str, Any]) -> TronConfig:
        address, retries = parse_settings(settings, "Tron", "T...")
        return cls(parse_address(address), retries)


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
