"""Tron wallet commands: add a Tron address read through TronGrid.

The API URL and key are stored encrypted (`app.integrations.credentials`): a hosted endpoint's URL
may hold a key, and the key is a secret, so the key is never a plain argument (shell history, `ps`)
and a URL holding one can come from a named environment variable or standard input instead.
"""

from __future__ import annotations

import sys

from pipelines.cli.credentials import from_env
from pipelines.errors import UserError


def register(subparsers) -> None:
    tron = subparsers.add_parser("tron", help="Tron wallets (TRX and TRC-20 tokens through TronGrid)")
    actions = tron.add_subparsers(dest="action", required=True)
    p = actions.add_parser(
        "add", help="add a Tron wallet integration",
        description="Add a Tron address (base58, T...) read through the TronGrid v1 API: TRX, TRC-20 tokens "
                    "and the TRX burnt for bandwidth and energy. Without a stored URL or key, each sync uses "
                    "PIPELINES_TRONGRID_URL and PIPELINES_TRONGRID_API_KEY.",
    )
    p.add_argument("account_id")
    p.add_argument("name")
    p.add_argument("--address", required=True, help="the wallet's Tron address (T..., checksum checked)")
    url = p.add_mutually_exclusive_group()
    url.add_argument("--api-url", help="TronGrid base URL, stored encrypted (e.g. https://api.trongrid.io)")
    url.add_argument("--api-url-env", metavar="VAR", help="environment variable holding the URL (when it holds a key)")
    url.add_argument("--api-url-stdin", action="store_true", help="read the URL from standard input")
    p.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the TRON-PRO-API-KEY, stored encrypted")
    p.add_argument("--group")
    p.add_argument("--id", dest="integration_id", help="integration id (default: <account>-<name>)")
    p.set_defaults(handler=_add)


def _credentials(args) -> dict[str, str]:
    credentials = {}
    if args.api_url:
        credentials["api_url"] = args.api_url.strip()
    elif args.api_url_env:
        credentials["api_url"] = from_env(args.api_url_env, "for the TronGrid URL")
    elif args.api_url_stdin:
        credentials["api_url"] = sys.stdin.readline().strip()
        if not credentials["api_url"]:
            raise UserError("no TronGrid URL on standard input")
    if args.api_key_env:
        credentials["api_key"] = from_env(args.api_key_env, "for the TronGrid API key")
    return credentials


def _add(args) -> None:
    from pipelines.cli.registry_commands import registry
    from pipelines.registry.integrations import add_integration

    credentials = _credentials(args)
    with registry() as con:
        integration_id = add_integration(
            con, args.account_id, args.name, "wallet", "tron", integration_id=args.integration_id,
            group_name=args.group, settings={"address": args.address.strip()}, credentials=credentials,
        )
    print(f"integration {integration_id} added")
