"""Wallet commands: add an EVM wallet on one or more chains, trust or ignore one of its tokens
(`multichain_commands.py` adds the listing of every chain and the wallet on several kinds of chain).

`wallets add` runs in one warehouse transaction, so a bad address or an unknown chain leaves the
registry unchanged even when other chains were fine.
"""

from __future__ import annotations

from pipelines.cli import credentials
from pipelines.cli.groups import group
from pipelines.errors import UserError


def register(subparsers) -> None:
    actions = group(subparsers, "wallets", help="wallets (one integration per chain)", dest="action")
    p = actions.add_parser("add", help="add a wallet on one or more EVM chains",
                           description="Add public addresses on EVM chains: one wallet integration per chain, "
                                       "grouped together (the group defaults to the wallet's name).")
    p.add_argument("account_id")
    p.add_argument("name")
    p.add_argument("--address", action="append", required=True, help="public address, EIP-55 checked (repeatable)")
    p.add_argument("--chain", action="append", required=True, help="chain name, e.g. ethereum (repeatable)")
    p.add_argument("--group", help="group name (default: the wallet's name)")
    p.add_argument("--id", dest="integration_id",
                   help="integration id (default: <account>-<name>); with several chains each gets <id>-<chain>")
    p.add_argument("--rpc-url", action="append", metavar="[CHAIN=]URL",
                   help="node URL, stored encrypted (default: PIPELINES_RPC_<CHAIN>); CHAIN= is needed with several chains")
    p.add_argument("--token", action="append", metavar="[CHAIN=]CONTRACT",
                   help="token contract to always read a balance for (never flagged as spam)")
    p.add_argument("--confirmations", type=int,
                   help="read up to head minus this many blocks instead of the 'finalized' block")
    credentials.add_node_url_arguments(p)
    p.set_defaults(handler=_add)
    p = actions.add_parser("token", help="trust or ignore one token of a wallet integration",
                           description="The user decides last: --trust counts a token as known, --ignore as spam, "
                                       "over every automatic rule; --auto gives it back to the rules.")
    p.add_argument("integration_id")
    p.add_argument("contract", help="the token contract (0x... on EVM chains, T... on Tron: its case is kept)")
    choice = p.add_mutually_exclusive_group(required=True)
    choice.add_argument("--trust", dest="decision", action="store_const", const="trust")
    choice.add_argument("--ignore", dest="decision", action="store_const", const="ignore")
    choice.add_argument("--auto", dest="decision", action="store_const", const=None)
    p.set_defaults(handler=_token)


def _add(args) -> None:
    from pipelines.cli.registry_commands import registry
    from pipelines.connectors.wallet.registration import add_wallet, per_chain

    urls = per_chain([*(args.rpc_url or []), *credentials.node_urls(args)], args.chain, "node URL", secret=True)
    if any(len(v) > 1 for v in urls.values()):
        raise UserError("give one node URL per chain")
    settings = {} if args.confirmations is None else {"confirmations": args.confirmations}
    with registry() as con:
        ids = add_wallet(
            con, args.account_id, args.name, args.address, args.chain, group=args.group, integration_id=args.integration_id,
            rpc_urls={k: v[0] for k, v in urls.items()}, tokens=per_chain(args.token, args.chain, "--token"),
            settings=settings,
        )
    for integration_id in ids:
        print(f"integration {integration_id} added")


def _token(args) -> None:
    from pipelines.cli.registry_commands import registry
    from pipelines.registry.token_decisions import decide

    with registry() as con:
        asset_id = decide(con, args.integration_id, args.contract, args.decision)
    verdict = {"trust": "trusted", "ignore": "ignored"}.get(args.decision, "left to the automatic rules")
    print(f"{asset_id} {verdict} in {args.integration_id}; run `pipelines sync {args.integration_id}` to update balances")
