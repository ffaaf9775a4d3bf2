"""Solana's constants and a Solana wallet integration's settings, in one place.

The chain's facts (native SOL with 9 decimals, mainnet's genesis hash, the token programs, the
well-known mints, the default RPC URL variable) live here so a chain registry can read them
later. Settings (JSON, no secrets): `address` (one base58 account; a wallet's other accounts are
integrations of their own) and `max_retries` (of a rate-limited or failing request, default 5).
The RPC URL is a credential, stored encrypted (`rpc_url`): hosted endpoints put their key in it
(Helius `?api-key=`, QuickNode's path). Without a stored one each sync uses PIPELINES_SOLANA_RPC_URL.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.connectors.address_settings import check_http_url, parse_settings
from pipelines.connectors.solana.address import parse_address
from pipelines.errors import UserError

PROVIDER = "solana"
NATIVE_ID, NATIVE, NATIVE_DECIMALS = "solana:native", "SOL", 9
#: getGenesisHash of mainnet-beta: a devnet or testnet URL answers another one and is refused.
MAINNET_GENESIS = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d"
TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
TOKEN_PROGRAMS = (TOKEN_PROGRAM, TOKEN_2022_PROGRAM)
STAKE_PROGRAM = "Stake11111111111111111111111111111111111111"
#: A stake account's withdraw authority starts at this byte of its data (after the 4-byte state
#: tag, 8 bytes rent-exempt reserve and the 32-byte staker): getProgramAccounts filters on it.
WITHDRAWER_OFFSET = 44
#: Mints that are never spam (raw.wallet_chains.known_tokens): {mint: (symbol, name)}, base58 case kept.
KNOWN_MINTS = {
    "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v": ("USDC", "USD Coin"),
    "Es9vMFrzaCERmJfrF4H2FdWY2aCDg7dbVAd6bYUhA3c2": ("USDT", "USDT"),
}
URL_ENV = "PIPELINES_SOLANA_RPC_URL"
URL_CREDENTIAL = "rpc_url"


def asset_id(mint: str | None) -> str:
    """`solana:native` for SOL, `solana:<mint>` for a token (base58 is case-sensitive: never folded)."""
    return NATIVE_ID if mint is None else f"{PROVIDER}:{mint}"


def check_url(url: Any) -> str:
    return check_http_url(url, "the Solana RPC URL")


@dataclass(frozen=True)
class SolanaConfig:
    address: str
    max_retries: int

    @classmethod
    def parse(cls, settings: Mapping[str, Any]) -> SolanaConfig:
        address, retries = parse_settings(settings, "Solana", "base58")
        return cls(parse_address(address), retries)


def check_credentials(credentials: Mapping[str, str]) -> None:
    extra = sorted(set(credentials) - {URL_CREDENTIAL})
    if extra:
        raise UserError(f"a Solana wallet's only credential is {URL_CREDENTIAL}, not {', '.join(extra)}")
    if URL_CREDENTIAL in credentials:
        check_url(credentials[URL_CREDENTIAL])


def endpoint(credentials: Mapping[str, str]) -> str:
    """The RPC URL: the stored credential, else the environment."""
    url = credentials.get(URL_CREDENTIAL) or os.environ.get(URL_ENV)
    if not url:
        raise UserError(f"no Solana RPC URL: store one with `pipelines solana add --rpc-url-env` or set {URL_ENV}")
    return check_url(url)
