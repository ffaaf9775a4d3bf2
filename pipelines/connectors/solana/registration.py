"""Registering a Solana wallet: the one function the `pipelines solana add` command and a later
multi-chain `wallets add` call. Everything is checked before the insert: the address (32-byte
base58 key) and, when a URL is given, that it answers and serves mainnet-beta (getGenesisHash), so
a typo'd host or a devnet URL is one `error:` line and nothing is stored."""

from __future__ import annotations

from pipelines.connectors.solana.config import PROVIDER, URL_CREDENTIAL, check_url
from pipelines.connectors.solana.address import parse_address
from pipelines.errors import UserError


def probe(url: str) -> None:
    """The URL answers getGenesisHash with mainnet-beta's (errors name the host only)."""
    from pipelines.connectors.solana.reads import check_network
    from pipelines.connectors.solana.rpc import SolanaRpc, SolanaRpcError

    rpc = SolanaRpc(check_url(url), retries=2)
    try:
        check_network(rpc)
    except SolanaRpcError as exc:
        raise UserError(str(exc)) from None


def register_solana_wallet(
    con, account_id: str, address: str, *, name: str = "Solana", rpc_url: str | None = None,
    group: str | None = None, integration_id: str | None = None,
) -> str:
    """Add a Solana wallet integration in the caller's transaction; returns its id. Without
    `rpc_url`, each sync reads PIPELINES_SOLANA_RPC_URL."""
    from pipelines.registry.integrations import add_integration

    address = parse_address(address)
    if rpc_url is not None:
        probe(rpc_url)
    return add_integration(con, account_id, name, "wallet", PROVIDER, integration_id=integration_id, group_name=group,
                           settings={"address": address}, credentials={URL_CREDENTIAL: rpc_url} if rpc_url else {})
