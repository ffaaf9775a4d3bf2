"""Interchange commands: import and export tracker CSV files, and manage superseded duplicates."""

from __future__ import annotations

from pathlib import Path

from pipelines.cli.groups import group
from pipelines.cli.registry_commands import _cmd, registry

#: CLI format name -> what it is (names match pipelines.interchange.csvfile.FORMATS).
FORMATS = {
    "koinly": "Koinly universal CSV (times in UTC)",
    "cointracking": "CoinTracking CSV import layout (times in UTC unless --timezone)",
    "blockpit-csv": "Blockpit CSV export (semicolons, times in UTC)",
    "bitpanda-export": "Bitpanda transaction history export into its integration (what the API brought is skipped)",
    "kraken-export": "Kraken ledgers export into its integration (refids the API brought are skipped)",
    "binance-export": "Binance transaction history statement into its integration (matched on time, coin, change)",
}


def register(subparsers) -> None:
    imp = group(subparsers, "import", "import transactions from a file", dest="format")
    for name, what in FORMATS.items():
        p = _cmd(imp, name, _import, f"import a {what}; all rows or none")
        p.set_defaults(format_name=name)
        p.add_argument("integration_id")
        p.add_argument("file", type=Path)
        if name == "cointracking":
            p.add_argument("--timezone", help="IANA zone the file's times are in: the CoinTracking account's (default UTC)")

    p = _cmd(subparsers, "export", _export, "export built transactions as a tracker CSV file")
    trackers = tuple(f for f in FORMATS if not f.endswith("-export"))  # an exchange's export is read, never written
    p.add_argument("format_name", metavar="FORMAT", choices=trackers, help=", ".join(trackers))
    owner = p.add_mutually_exclusive_group(required=True)
    owner.add_argument("--integration", dest="integration_id")
    owner.add_argument("--account", dest="account_id")
    p.add_argument("path", type=Path)
    p.add_argument("--timezone", help="zone for CoinTracking times (default UTC)")

    integ = group(subparsers, "integrations", "manage integrations", dest="action")
    p = _cmd(integ, "duplicates", _duplicates, "list manual transactions superseded by synced twins")
    p.add_argument("integration_id")
    p = _cmd(integ, "restore-duplicate", _restore, "count a superseded manual transaction again")
    p.add_argument("integration_id")
    p.add_argument("manual_id")


def _import(args) -> None:
    from pipelines.interchange.csvfile import import_file

    with registry() as con:
        result = import_file(con, args.format_name, args.integration_id, args.file, getattr(args, "timezone", None))
    print(f"{args.file.name}: {result.rows} rows, {result.imported} imported, {result.skipped} already present; "
          f"run `pipelines sync {args.integration_id}` to update balances")


def _export(args) -> None:
    from pipelines.interchange.csvfile import export_file

    with registry() as con:
        count = export_file(con, args.format_name, args.path, integration_id=args.integration_id,
                            account_id=args.account_id, timezone=args.timezone)
    print(f"{count} transactions written to {args.path}")


def _duplicates(args) -> None:
    from pipelines.cli.output import print_table
    from pipelines.interchange.supersede import list_duplicates

    with registry() as con:
        rows = list_duplicates(con, args.integration_id)
    print_table(("manual_id", "state", "reason", "manual at (UTC)", "label", "manual", "synced twin", "synced at (UTC)",
                 "synced", "marked", "restored"), rows)


def _restore(args) -> None:
    from pipelines.interchange.supersede import restore

    with registry() as con:
        restore(con, args.integration_id, args.manual_id)
    print(f"{args.manual_id} restored; run `pipelines sync {args.integration_id}` to count it again")
