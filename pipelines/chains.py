"""The registry of every chain a wallet integration can read: the EVM chains of `chains.json`, and
(`networks()`) the others, each read from the module that reads it.

An EVM chain is data, not code: its id (checked against the node's `eth_chainId`, so a wallet is never
read from the wrong network), its native asset, the confirmations to wait for when a node does not
answer the `finalized` tag, and token contracts that are never probable spam. Where the node lives
is configuration too: the integration's `rpc_url` setting, else `PIPELINES_RPC_<CHAIN>`.

`networks()` lists all chains with their kind (evm, utxo, tron, solana), native asset and the
environment variable a sync reads its API from. The facts of the non-EVM chains stay where their
connector reads them (`connectors/bitcoin/coins.py` and `config.py`, `connectors/tron/`), so the
list can never disagree with a sync; only Solana, whose connector is not here yet, is stated here.
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


@dataclass(frozen=True)
class Network:
    """One chain of any kind (a Network, beside the EVM-only `Chain`), as `pipelines chains` lists
    it. `api_envs` are the environment variables a sync reads the chain's API URL from when the
    integration stores none, the default first (Bitcoin reads Esplora unless a Blockbook URL is set)."""

    key: str  # the wallet integration's provider
    name: str
    kind: str  # evm | utxo | tron | solana: its reader and registration (not the integration's kind)
    native_symbol: str
    native_decimals: int
    api_envs: tuple[str, ...]
    chain_id: int | None = None
    aliases: tuple[str, ...] = ()

    @property
    def api_set(self) -> bool:
        """Whether one of the variables is set (its value is never shown: it may hold an API key)."""
        return any(os.environ.get(name) for name in self.api_envs)


@cache
def networks() -> dict[str, Network]:
    """Every chain by key: the EVM chains in file order, then the UTXO coins, Tron and Solana."""
    from pipelines.connectors.bitcoin.coins import COINS
    from pipelines.connectors.bitcoin.config import ESPLORA_URL_ENV, blockbook_env
    from pipelines.connectors.tron import config as tron_config
    from pipelines.connectors.solana import config as solana
    from pipelines.connectors.tron import connector as tron

    listed = [
        Network(c.key, c.name, "evm", c.native_symbol, c.native_decimals, (c.rpc_env,), c.chain_id, c.aliases)
        for c in chains().values()
    ]
    listed += [
        Network(coin.name, coin.label, "utxo", coin.symbol, coin.decimals,
                ((ESPLORA_URL_ENV,) if coin.name == "bitcoin" else ()) + (blockbook_env(coin),))
        for coin in COINS.values()
    ]
    listed += [Network(tron.PROVIDER, "Tron", "tron", tron.NATIVE, tron.NATIVE_DECIMALS, (tron_config.URL_ENV,)),
               Network(solana.PROVIDER, "Solana", "solana", solana.NATIVE, solana.NATIVE_DECIMALS, (solana.URL_ENV,))]
    return {n.key: n for n in listed}


def get_network(name: str | None) -> Network:
    """The chain of any kind called `name` (a key, or an EVM chain's alias); `UserError` names the choices."""
    wanted = (name or "").strip().lower()
    if wanted in networks():
        return networks()[wanted]
    if wanted in {a for c in chains().values() for a in c.aliases}:
        return networks()[get_chain(wanted).key]
    raise UserError(f"unknown chain {name!r}: choose one of {', '.join(networks())}")


def get_chain(name: str | None) -> Chain:
    """The chain called `name` (its key or an alias, any letter case); `UserError` names the choices."""
    wanted = (name or "").strip().lower()
    for chain in chains().values():
        if wanted == chain.key or wanted in chain.aliases:
            return chain
    raise UserError(f"unknown chain {name!r}: choose one of {', '.join(chains())}")
