"""Solana wallet commands: add a Solana address read through a Solana JSON-RPC node.

The RPC URL is stored encrypted (`app.integrations.credentials`): hosted endpoints carry their key
inside it (Helius `?api-key=`), so it is never a plain argument (shell history, `ps`): it comes
from a named environment variable or from standard input.
"""

from __future__ import annotations

import sys

from pipelines.cli.credentials import from_env
from pipelines.errors import UserError


def register(subparsers) -> None:
    solana = subparsers.add_parser("solana", help="Solana wallets (SOL, SPL and Token-2022 tokens, staking)")
    actions = solana.add_subparsers(dest="action", required=True)
    p = actions.add_parser(
        "add", help="add a Solana wallet integration",
        description="Add a Solana address (base58 public key) read through Solana JSON-RPC at finalized "
                    "commitment: SOL, SPL and Token-2022 tokens, fees the wallet paid, stake accounts it "
                    "withdraws from and their rewards. Without a stored URL, each sync uses PIPELINES_SOLANA_RPC_URL.",
    )
    p.add_argument("account_id")
    p.add_argument("address", help="the wallet's Solana address (base58, 32 bytes)")
    p.add_argument("--name", default="Solana", help="integration name (default: Solana)")
    url = p.add_mutually_exclusive_group()
    url.add_argument("--rpc-url-env", metavar="VAR", help="environment variable holding the RPC URL (it may hold a key)")
    url.add_argument("--rpc-url-stdin", action="store_true", help="read the RPC URL from standard input")
    p.add_argument("--group")
    p.add_argument("--id", dest="integration_id", help="integration id (default: <account>-<name>)")
    p.set_defaults(handler=_add)


def _rpc_url(args) -> str | None:
    if args.rpc_url_env:
        return from_env(args.rpc_url_env, "for the Solana RPC URL")
    if args.rpc_url_stdin:
        url = sys.stdin.readline().strip()
        if not url:
            raise UserError("no Solana RPC URL on standard input")
        return url
    return None


def _add(args) -> None:
    from pipelines.cli.registry_commands import registry
    from pipelines.connectors.solana.registration import register_solana_wallet

    rpc_url = _rpc_url(args)
    with registry() as con:
        integration_id = register_solana_wallet(con, args.account_id, args.address, name=args.name, rpc_url=rpc_url,
                                                group=args.group, integration_id=args.integration_id)
    print(f"integration {integration_id} added")
