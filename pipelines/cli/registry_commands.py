"""Registry commands: init, keygen, accounts, licenses, integrations and groups.

Each command runs in one warehouse transaction, so a rejected input leaves the registry unchanged.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from contextlib import contextmanager

from pipelines.cli import credentials
from pipelines.cli.groups import group
from pipelines.errors import UserError


@contextmanager
def registry():
    """A writable warehouse connection inside one transaction. Only `init` creates a warehouse: a
    mistyped PIPELINES_WAREHOUSE would otherwise make a new empty one, and `balances` would show its
    empty table as if nothing were held."""
    from pipelines.settings import warehouse_path
    from pipelines.warehouse import connect, transaction

    path = warehouse_path()
    if not path.is_file():
        raise UserError(f"no warehouse at {path} (PIPELINES_WAREHOUSE): create one with `pipelines init`")
    with connect(path) as con, transaction(con):
        yield con


def _cmd(subparsers, name: str, handler: Callable, help: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help, description=help)
    parser.set_defaults(handler=handler)
    return parser


def parse_options(pairs: list[str] | None) -> dict:
    """`key=value` settings; values that parse as JSON (numbers, lists, true) are kept typed."""
    options = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"option {pair!r} is not key=value")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def register(subparsers) -> None:
    _cmd(subparsers, "init", _init, "create or migrate the warehouse")
    _cmd(subparsers, "keygen", _keygen, "print a new encryption key for PIPELINES_SECRET_KEY")

    accounts = subparsers.add_parser("accounts", help="manage accounts").add_subparsers(dest="action", required=True)
    p = _cmd(accounts, "add", _accounts_add, "add an account")
    p.add_argument("account_id")
    p.add_argument("--timezone", required=True, help="IANA time zone, e.g. Europe/Vienna")
    p.add_argument("--base-currency", default="EUR")
    p.add_argument("--name")
    _cmd(accounts, "list", _accounts_list, "list accounts")

    licenses = subparsers.add_parser("licenses", help="manage licenses").add_subparsers(dest="action", required=True)
    p = _cmd(licenses, "set", _licenses_set, "grant a tier for a tax year")
    p.add_argument("account_id")
    p.add_argument("--tier", required=True)
    p.add_argument("--year", type=int, required=True)
    p = _cmd(licenses, "list", _licenses_list, "list licenses")
    p.add_argument("--account")
    _cmd(licenses, "tiers", _licenses_tiers, "list license tiers")

    integ = group(subparsers, "integrations", "manage integrations", dest="action")
    p = _cmd(integ, "add", _integrations_add, "add an integration")
    p.add_argument("account_id")
    p.add_argument("name")
    p.add_argument("--kind", required=True, help="exchange, wallet or manual")
    p.add_argument("--provider", help="ccxt exchange id (exchange) or chain name (wallet)")
    p.add_argument("--id", dest="integration_id", help="integration id (default: <account>-<name>)")
    p.add_argument("--group")
    p.add_argument("--option", action="append", metavar="KEY=VALUE", help="connector setting (repeatable)")
    credentials.add_arguments(p)
    p = _cmd(integ, "list", _integrations_list, "list integrations")
    p.add_argument("--account")
    p.add_argument("--archived", action="store_true", help="include archived integrations")
    p = _cmd(integ, "show", _integrations_show, "show one integration (never its credentials)")
    p.add_argument("integration_id")
    p = _cmd(integ, "rename", _integrations_rename, "rename an integration")
    p.add_argument("integration_id")
    p.add_argument("name")
    p = _cmd(integ, "group", _integrations_group, "put an integration into a group")
    p.add_argument("integration_id")
    p.add_argument("group", nargs="?", help="group name; omit with --none")
    p.add_argument("--none", action="store_true", help="take it out of its group")
    p = _cmd(integ, "archive", _integrations_archive, "archive an integration (kept, no longer synced)")
    p.add_argument("integration_id")
    p = _cmd(integ, "credentials", _integrations_credentials,
             "replace an integration's stored credentials (or --remove them)")
    p.add_argument("integration_id")
    p.add_argument("--remove", action="store_true", help="remove the stored credentials")
    credentials.add_arguments(p)
    p = _cmd(integ, "set", _integrations_set, "change an integration's settings, checked as at registration")
    p.add_argument("integration_id")
    p.add_argument("settings", nargs="*", metavar="KEY=VALUE",
                   help="a setting (JSON values are typed, e.g. markets='[\"SOL/USDT\"]'); KEY= drops it to its default")
    credentials.add_node_url_arguments(p)
    p = _cmd(integ, "convert", _integrations_convert, "convert a manual integration into a synced one")
    p.add_argument("integration_id")
    p.add_argument("--kind", required=True)
    p.add_argument("--provider", required=True)
    p.add_argument("--option", action="append", metavar="KEY=VALUE")
    credentials.add_arguments(p)

    grp = subparsers.add_parser("groups", help="manage groups").add_subparsers(dest="action", required=True)
    p = _cmd(grp, "list", _groups_list, "list groups")
    p.add_argument("--account")
    p = _cmd(grp, "rename", _groups_rename, "rename a group")
    p.add_argument("account_id")
    p.add_argument("old")
    p.add_argument("new")


def _init(args) -> None:
    from pipelines.settings import warehouse_path
    from pipelines.warehouse import connect

    with connect():
        pass
    print(f"warehouse ready: {warehouse_path()}")


def _keygen(args) -> None:
    from pipelines.crypto import generate_key

    print(generate_key())


def _accounts_add(args) -> None:
    from pipelines.registry.accounts import add_account

    with registry() as con:
        add_account(con, args.account_id, args.timezone, args.base_currency, args.name)
    print(f"account {args.account_id} added")


def _accounts_list(args) -> None:
    from pipelines.cli.output import print_table
    from pipelines.registry.accounts import list_accounts

    with registry() as con:
        print_table(("account", "name", "timezone", "base currency"), list_accounts(con))


def _licenses_set(args) -> None:
    from pipelines.registry.licenses import set_license

    with registry() as con:
        set_license(con, args.account_id, args.year, args.tier)
    print(f"license {args.tier.lower()} {args.year} set for {args.account_id}")


def _licenses_list(args) -> None:
    from pipelines.cli.output import print_table
    from pipelines.registry.licenses import list_licenses

    with registry() as con:
        print_table(("account", "tax year", "tier", "auto sync"), list_licenses(con, args.account))


def _licenses_tiers(args) -> None:
    from pipelines.cli.output import print_table
    from pipelines.registry.licenses import tiers

    with registry() as con:
        print_table(("tier", "auto sync"), tiers(con))


def _integrations_add(args) -> None:
    from pipelines.registry.integrations import add_integration

    creds = credentials.read(args)
    with registry() as con:
        integration_id = add_integration(
            con, args.account_id, args.name, args.kind, args.provider, integration_id=args.integration_id,
            group_name=args.group, settings=parse_options(args.option), credentials=creds,
        )
    print(f"integration {integration_id} added")


def _integrations_list(args) -> None:
    from pipelines.cli.output import print_table
    from pipelines.registry.integrations import list_integrations

    with registry() as con:
        rows = [
            (i.integration_id, i.account_id, i.name, i.kind, i.provider, i.group_name,
             "archived" if i.archived_at else "active")
            for i in list_integrations(con, args.account, include_archived=args.archived)
        ]
    print_table(("integration", "account", "name", "kind", "provider", "group", "state"), rows)


def _integrations_show(args) -> None:
    from pipelines.cli.output import cell
    from pipelines.connectors.exchange import reader_note
    from pipelines.registry.integrations import get_integration

    with registry() as con:
        i = get_integration(con, args.integration_id)
    for label, value in (
        ("integration", i.integration_id), ("account", i.account_id), ("name", i.name), ("kind", i.kind),
        ("provider", i.provider), ("group", i.group_name), ("settings", json.dumps(dict(i.settings), sort_keys=True)),
        ("credentials", "stored (encrypted)" if i.credentials else "none"), ("created", i.created_at),
        ("converted", i.converted_at), ("archived", i.archived_at),
        *((("reader", reader_note(i.provider)),) if i.kind == "exchange" else ()),
    ):
        print(f"{label:>12}: {cell(value)}")


def _integrations_rename(args) -> None:
    from pipelines.registry.integrations import rename

    with registry() as con:
        rename(con, args.integration_id, args.name)
    print(f"integration {args.integration_id} renamed to {args.name.strip()}")


def _integrations_group(args) -> None:
    from pipelines.registry.integrations import set_group

    if args.none == (args.group is not None):
        raise UserError("give a group name or --none")
    with registry() as con:
        set_group(con, args.integration_id, None if args.none else args.group)
    print(f"integration {args.integration_id} " + ("ungrouped" if args.none else f"in group {args.group.strip()}"))


def _integrations_archive(args) -> None:
    from pipelines.registry.integrations import archive

    with registry() as con:
        archive(con, args.integration_id)
    print(f"integration {args.integration_id} archived")


def _integrations_credentials(args) -> None:
    from pipelines.registry.integrations import replace_credentials

    creds = credentials.read(args)
    if args.remove == bool(creds):
        raise UserError("give the new credentials (environment variables, --credentials-stdin or --prompt-credentials) "
                        "or --remove")
    with registry() as con:
        replace_credentials(con, args.integration_id, creds)
    print(f"credentials of integration {args.integration_id} " + ("removed" if args.remove else "replaced"))
def _integrations_set(args) -> None:
    from pipelines.registry.integrations import change_settings

    changes = {key: None if value == "" else value for key, value in parse_options(args.settings).items()}
    urls = credentials.node_urls(args)
    if len(urls) > 1:
        raise UserError("give one node URL")
    with registry() as con:
        resync = change_settings(con, args.integration_id, changes, node_url=urls[0] if urls else None)
    print(f"integration {args.integration_id}: settings changed"
          + ("; the next sync reads its whole history again" if resync else ""))


def _integrations_convert(args) -> None:
    from pipelines.registry.integrations import convert

    creds = credentials.read(args)
    with registry() as con:
        convert(con, args.integration_id, args.kind, args.provider, settings=parse_options(args.option), credentials=creds)
    print(f"integration {args.integration_id} converted to {args.kind} ({args.provider}); its manual transactions stay")


def _groups_list(args) -> None:
    from pipelines.cli.output import print_table
    from pipelines.registry.integrations import groups

    with registry() as con:
        print_table(("account", "group", "integrations"), groups(con, args.account))


def _groups_rename(args) -> None:
    from pipelines.registry.integrations import rename_group

    with registry() as con:
        count = rename_group(con, args.account_id, args.old, args.new)
    print(f"group {args.old} renamed to {args.new.strip()} ({count} integrations)")
