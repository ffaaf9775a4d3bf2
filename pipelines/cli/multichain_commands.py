"""Every chain in one place: `pipelines chains` lists the registry (`pipelines/chains.py`), and
`wallets add-multi` registers one wallet on several kinds of chain at once, from what a hardware or
multi-coin wallet shows (an EVM address, a zpub, an Ltub, a Tron address, ...).

The options of `add-multi` come from the registry, so a chain added there gets its option here.
`add-multi` runs in one warehouse transaction: one bad key and nothing is registered.
"""

from __future__ import annotations

from pipelines.cli.groups import group

#: What the option of each non-EVM kind takes (EVM has --evm and --evm-chains).
TAKES = {
    "utxo": ("KEY|ADDRESS", "account extended public key (as the wallet exports it) or address (repeatable)"),
    "tron": ("T...", "address (one)"),
    "solana": ("ADDRESS", "address (repeatable)"),
}


def register(subparsers) -> None:
    from pipelines.chains import networks
    from pipelines.registry.multichain import option

    p = subparsers.add_parser("chains", help="list every chain a wallet can be read on",
                              description="Each chain's kind, native asset, decimals and the environment variable "
                                          "its API URL is read from (only whether it is set is shown).")
    p.set_defaults(handler=_chains)
    wallets = group(subparsers, "wallets", help="wallets (one integration per chain)", dest="action")
    p = wallets.add_parser("chains", help="list every chain a wallet can be read on (as `pipelines chains`)")
    p.set_defaults(handler=_chains)
    p = wallets.add_parser(
        "add-multi", help="add one wallet on several chains (EVM, Bitcoin-family, Tron, ...)",
        description="Register what a Ledger, Trezor or Exodus shows for each chain as ONE group (default: NAME) "
                    "with one integration per chain, named 'NAME (Chain)' with id <account>-<name>-<chain>. "
                    "Everything is checked first: one invalid key or address and nothing is registered. A wallet "
                    "already registered is refused; add a chain later with only its own option.",
    )
    p.add_argument("account_id")
    p.add_argument("name")
    p.add_argument("--evm", action="append", default=[], metavar="0x...",
                   help="EVM address, EIP-55 checked (repeatable); one integration per --evm-chains chain")
    p.add_argument("--evm-chains", metavar="CHAIN,...",
                   help="comma-separated EVM chains for --evm (default ethereum)")
    for network in networks().values():
        if network.kind in TAKES:
            metavar, what = TAKES[network.kind]
            p.add_argument(option(network), action="append", default=[], dest=f"chain_{network.key}",
                           metavar=metavar, help=f"{network.name} ({network.native_symbol}) {what}")
    p.add_argument("--group", help="group name (default: the wallet's name)")
    p.set_defaults(handler=_add_multi)


def _chains(args) -> None:
    from pipelines.chains import networks
    from pipelines.cli.output import print_table

    print_table(
        ("chain", "name", "kind", "native", "decimals", "chain id", "aliases", "API variable", "set"),
        [
            (n.key, n.name, n.kind, n.native_symbol, n.native_decimals, n.chain_id, ", ".join(n.aliases),
             " or ".join(n.api_envs), "yes" if n.api_set else "no")
            for n in networks().values()
        ],
    )


def _add_multi(args) -> None:
    from pipelines.chains import networks
    from pipelines.cli.registry_commands import registry
    from pipelines.registry.multichain import add_multichain_wallet, plan

    others = {key: getattr(args, f"chain_{key}") for key in networks() if hasattr(args, f"chain_{key}")}
    chains = None if args.evm_chains is None else [c.strip() for c in args.evm_chains.split(",") if c.strip()]
    wallets = plan(args.account_id, args.name, evm=args.evm, evm_chains=chains, others=others, group=args.group)
    with registry() as con:
        ids = add_multichain_wallet(con, wallets)
    for integration_id in ids:
        print(f"integration {integration_id} added")
    print(f"group {wallets[0].group!r}: {len(ids)} integrations; sync them with `pipelines sync ID` or `pipelines sync-all`")
