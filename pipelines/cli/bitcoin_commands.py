"""Bitcoin wallet commands: add a wallet from extended public keys and/or addresses, change its gap
limit, and show the addresses a key derives (so a user can check them against their hardware
wallet before syncing). `--coin` makes the wallet one of Bitcoin's UTXO relatives (Litecoin,
Dogecoin, Bitcoin Cash),
read through a Blockbook; everything else is the same command.
"""

from __future__ import annotations

from pipelines.cli.credentials import from_env
from pipelines.errors import UserError


def register(subparsers) -> None:
    from pipelines.connectors.bitcoin.coins import COINS

    coins = {"choices": list(COINS), "default": "bitcoin", "help": "the coin (default bitcoin)"}
    bitcoin = subparsers.add_parser("bitcoin", help="Bitcoin, Litecoin, Dogecoin and Bitcoin Cash wallets (extended public keys and addresses)")
    actions = bitcoin.add_subparsers(dest="action", required=True)
    p = actions.add_parser(
        "add", help="add a Bitcoin wallet integration",
        description="Add a Bitcoin wallet read through an Esplora API: account-level extended public keys "
                    "(xpub = BIP44, ypub = BIP49, zpub = BIP84, tr(xpub...) = BIP86 taproot) and/or addresses; "
                    "--coin litecoin (Ltub, Mtub, zpub; L/M/ltc1 addresses), dogecoin (dgub; D addresses) or "
                    "bitcoin-cash (xpub; bitcoincash:q... or legacy addresses) reads through a Blockbook.",
    )
    p.add_argument("account_id")
    p.add_argument("name")
    p.add_argument("--xpub", action="append", default=[], metavar="KEY", help="extended public key (repeatable)")
    p.add_argument("--address", action="append", default=[], help="address (repeatable)")
    p.add_argument("--gap-limit", type=int,
                   help="consecutive unused addresses that end a key's scan (default 20; raise it when a "
                        "wallet skipped more addresses)")
    p.add_argument("--confirmations", type=int,
                   help="confirmations before a transaction is history (default 1; 6 stays clear of reorgs)")
    p.add_argument("--coin", **coins)
    p.add_argument("--esplora-url", help="Esplora API base URL, Bitcoin only (default: PIPELINES_ESPLORA_URL)")
    url = p.add_mutually_exclusive_group()
    url.add_argument("--blockbook-url",
                     help="Blockbook base URL, stored encrypted (default: PIPELINES_BLOCKBOOK_URL_<COIN>, e.g. "
                          "..._LITECOIN); Bitcoin reads through it instead of Esplora when given")
    url.add_argument("--blockbook-url-env", metavar="VAR",
                     help="environment variable holding the Blockbook URL (when it holds an API key)")
    p.add_argument("--group")
    p.add_argument("--id", dest="integration_id", help="integration id (default: <account>-<name>)")
    p.set_defaults(handler=_add)
    p = actions.add_parser(
        "gap-limit", help="change a Bitcoin wallet's gap limit",
        description="Set how many consecutive unused addresses end the scan of a key's receive and change "
                    "chains. Raise it when a wallet handed out more unused addresses than that; the next "
                    "sync reads the newly reachable addresses (no full sync needed).",
    )
    p.add_argument("integration_id")
    p.add_argument("gap_limit", type=int)
    p.set_defaults(handler=_gap_limit)
    p = actions.add_parser("addresses", help="print the first addresses an extended public key derives")
    p.add_argument("key", help="xpub/ypub/zpub or a descriptor such as tr(xpub...); Ltub/Mtub/zpub, dgub, xpub with --coin")
    p.add_argument("--coin", **coins)
    p.add_argument("--count", type=int, default=5)
    p.add_argument("--change", action="store_true", help="the change chain instead of the receive chain")
    p.set_defaults(handler=_addresses)


def _add(args) -> None:
    from pipelines.cli.registry_commands import registry
    from pipelines.registry.integrations import add_integration

    settings = {"xpubs": args.xpub, "addresses": args.address}
    for name in ("gap_limit", "confirmations"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    if args.esplora_url:
        settings["esplora_url"] = args.esplora_url
    credentials = {}
    if args.blockbook_url or args.blockbook_url_env:
        credentials["blockbook_url"] = args.blockbook_url or from_env(args.blockbook_url_env, "for the Blockbook URL")
    settings = {k: v for k, v in settings.items() if v != []}
    with registry() as con:
        integration_id = add_integration(
            con, args.account_id, args.name, "wallet", args.coin, integration_id=args.integration_id,
            group_name=args.group, settings=settings, credentials=credentials,
        )
    print(f"integration {integration_id} added")


def _gap_limit(args) -> None:
    from pipelines.cli.registry_commands import registry
    from pipelines.connectors import connector_name
    from pipelines.registry.integrations import change_settings, get_integration

    with registry() as con:
        integration = get_integration(con, args.integration_id)
        if connector_name(integration.kind, integration.provider) != "wallet/bitcoin":
            raise UserError(f"integration {args.integration_id!r} is not a Bitcoin wallet")
        change_settings(con, args.integration_id, {"gap_limit": args.gap_limit})
    print(f"integration {args.integration_id}: gap limit {args.gap_limit}")


def _addresses(args) -> None:
    from pipelines.connectors.bitcoin.coins import coin
    from pipelines.connectors.bitcoin.keys import CHANGE, RECEIVE, parse_key

    if not 1 <= args.count <= 1000:
        raise UserError("--count must be between 1 and 1000")
    key = parse_key(args.key, coin=coin(args.coin))
    branch = CHANGE if args.change else RECEIVE
    for index in range(args.count):
        print(f"{branch}/{index}\t{key.address(branch, index).address}")
