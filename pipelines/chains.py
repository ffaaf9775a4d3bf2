"""The registry of EVM chains a wallet integration can read, loaded from `chains.json`.

A chain is data, not code: its id (checked against the node's `eth_chainId`, so a wallet is never
read from the wrong network), its native asset, the confirmations to wait for when a node does not
answer the `finalized` tag, and token contracts that are never probable spam. Where the node lives
is configuration too: the integration's `rpc_url` setting, else `PIPELINES_RPC_<CHAIN>`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.errors import UserError

CHAINS_FILE = Path(__file__).with_name("chains.json")


@dataclass(frozen=True)
class Chain:
    key: str  # the provider of a wallet integration, e.g. "ethereum"
    name: str
    chain_id: int
    native_symbol: str
    native_decimals: int
    confirmations: int
    aliases: tuple[str, ...] = ()
    known_tokens: tuple[str, ...] = ()

    @property
    def native_asset_id(self) -> str:
        return f"{self.key}:native"

    @property
    def rpc_env(self) -> str:
        """The environment variable holding this chain's RPC URL."""
        return "PIPELINES_RPC_" + self.key.upper().replace("-", "_")

    def rpc_url(self, override: str | None = None) -> str:
        """The node to read: the integration's own URL, else the chain's environment variable."""
        url = override or os.environ.get(self.rpc_env)
        if not url:
            raise UserError(f"no RPC URL for {self.key}: set {self.rpc_env} or the integration's rpc_url setting")
        return url


@cache
def chains() -> dict[str, Chain]:
    """Every registered chain by key, in file order."""
    data = json.loads(CHAINS_FILE.read_text())
    return {
        key: Chain(
            key=key,
            name=entry["name"],
            chain_id=int(entry["chain_id"]),
            native_symbol=entry["native_symbol"],
            native_decimals=int(entry["native_decimals"]),
            confirmations=int(entry["confirmations"]),
            aliases=tuple(entry.get("aliases", ())),
            known_tokens=tuple(t.lower() for t in entry.get("known_tokens", ())),
        )
        for key, entry in data.items()
        if not key.startswith("_")
    }


def get_chain(name: str | None) -> Chain:
    """The chain called `name` (its key or an alias, any letter case); `UserError` names the choices."""
    wanted = (name or "").strip().lower()
    for chain in chains().values():
        if wanted == chain.key or wanted in chain.aliases:
            return chain
    raise UserError(f"unknown chain {name!r}: choose one of {', '.join(chains())}")
