"""The settings of a wallet read by one address through one hosted HTTP API (Tron's TronGrid,
Solana's RPC): `address` and `max_retries`, checked the same way for every such chain, so a user
meets the same messages whichever chain they add."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelines.errors import UserError

SETTINGS = ("address", "max_retries")
MAX_RETRIES = 20


def check_http_url(url: Any, what: str) -> str:
    """`url` as a string, or a UserError naming `what` ("the TronGrid API URL") when it is no http(s) URL."""
    if not str(url).startswith(("http://", "https://")):
        raise UserError(f"{what} must be an http:// or https:// URL")
    return str(url)


def parse_settings(settings: Mapping[str, Any], chain: str, address_hint: str) -> tuple[str, int]:
    """(the address as given, max_retries, default 5) of a `chain` wallet; the address's own format
    is the chain's to check. `address_hint` says what an address looks like ("T...")."""
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise UserError(f"unknown {chain} wallet setting(s) {', '.join(unknown)}: use {', '.join(SETTINGS)}")
    if not settings.get("address"):
        raise UserError(f"a {chain} wallet needs its address ({address_hint})")
    retries = settings.get("max_retries", 5)
    if isinstance(retries, bool) or not str(retries).isdigit() or int(retries) > MAX_RETRIES:
        raise UserError(f"max_retries must be a whole number from 0 to {MAX_RETRIES}, not {retries!r}")
    return settings["address"], int(retries)
