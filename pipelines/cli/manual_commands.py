"""Manual-transaction commands: the Excel template, its import, and single entries."""

from __future__ import annotations

from pathlib import Path

from pipelines.cli.groups import group
from pipelines.cli.registry_commands import _cmd, registry


def register(subparsers) -> None:
    p = _cmd(subparsers, "template", _template, "write the Excel import template")
    p.add_argument("path", type=Path)

    imp = group(subparsers, "import", "import transactions from a file", dest="format")
    p = _cmd(imp, "excel", _import_excel, "import a filled-in Excel template (dates in UTC); all rows or none")
    p.add_argument("integration_id")
    p.add_argument("file", type=Path)

    tx = subparsers.add_parser("transactions", help="manual transactions").add_subparsers(dest="action", required=True)
    p = _cmd(tx, "add", _add, "enter one transaction in the account's local time")
    p.add_argument("integration_id")
    p.add_argument("--date", required=True, help="local date and time, e.g. '2024-03-31 14:30:00'")
    p.add_argument("--label", required=True, help="Trade, Deposit, Withdrawal, Staking, ... (see `pipelines template`)")
    p.add_argument("--out", dest="outgoing", metavar="'AMOUNT ASSET'", help="outgoing side, e.g. '0.5 BTC'")
    p.add_argument("--in", dest="incoming", metavar="'AMOUNT ASSET'", help="incoming side, e.g. '20000 EUR'")
    p.add_argument("--fee", metavar="'AMOUNT ASSET'")
    p.add_argument("--comment")
    p.add_argument("--trx-id", dest="external_id")
    p.add_argument("--fold", choices=("earlier", "later"), help="which of two identical local times at a DST change")
    p.add_argument("--utc", action="store_true", help="the date is UTC, not the account's local time")
    p.add_argument("--allow-duplicate", action="store_true", help="add it even if the same transaction exists")
    p = _cmd(tx, "list", _list, "list an integration's transactions")
    p.add_argument("integration_id")
    p.add_argument("--origin", choices=("manual", "synced"))
    p.add_argument("--limit", type=int, default=100)
    p = _cmd(tx, "delete", _delete, "delete a manual transaction")
    p.add_argument("integration_id")
    p.add_argument("tx_id")


def _template(args) -> None:
    from pipelines.manual.template import write_template

    print(f"template written: {write_template(args.path)}")


def _import_excel(args) -> None:
    from pipelines.manual.excel_import import import_excel

    with registry() as con:
        result = import_excel(con, args.integration_id, args.file)
    print(f"{args.file.name}: {result.rows} rows, {result.imported} imported, {result.skipped} already present; "
          f"run `pipelines sync {args.integration_id}` to update balances")


def _add(args) -> None:
    from pipelines.manual.entry import add_transaction

    with registry() as con:
        tx_id, utc = add_transaction(
            con, args.integration_id, args.date, args.label, outgoing=args.outgoing, incoming=args.incoming,
            fee=args.fee, comment=args.comment, external_id=args.external_id, fold=args.fold, utc=args.utc,
            allow_duplicate=args.allow_duplicate,
        )
    print(f"transaction {tx_id} added at {utc:%Y-%m-%d %H:%M:%S} UTC; run `pipelines sync {args.integration_id}` to update balances")


def _list(args) -> None:
    from zoneinfo import ZoneInfo

    from pipelines.cli.output import print_table
    from pipelines.registry.accounts import get_account
    from pipelines.registry.integrations import get_integration
    from pipelines.sqlfiles import sql

    with registry() as con:
        integration = get_integration(con, args.integration_id)
        tz = ZoneInfo(get_account(con, integration.account_id)["timezone"])
        rows = con.execute(
            sql("queries/transactions_list"),
            {"integration_id": args.integration_id, "origin": args.origin, "limit": args.limit},
        ).fetchall()
    local = lambda t: t.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    print_table(
        ("tx_id", "UTC", f"local ({tz.key})", "label", "origin", "out", "in", "fee", "comment", "state"),
        [(r[0], f"{r[1]:%Y-%m-%d %H:%M:%S}", local(r[1]), *r[2:]) for r in rows],
    )


def _delete(args) -> None:
    from pipelines.manual.entry import delete_transaction

    with registry() as con:
        delete_transaction(con, args.integration_id, args.tx_id)
    print(f"transaction {args.tx_id} deleted; run `pipelines sync {args.integration_id}` to update balances")
