"""Entry point of the `pipelines` command.

Start-up must stay fast (`pipelines --help` well under 0.5 s), so this module imports nothing heavy:
each command group lives in its own module under `pipelines.cli`, registers its arguments here,
and imports Dagster, ccxt, web3 or openpyxl only inside the handler that needs them.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

#: Command-group modules; each has `register(subparsers)` and sets `handler` on its parsers.
COMMAND_MODULES = (
    "pipelines.cli.registry_commands",
    "pipelines.cli.manual_commands",
    "pipelines.cli.sync_commands",
    "pipelines.cli.maintenance_commands",
    "pipelines.cli.reconciliation_commands",
    "pipelines.cli.interchange_commands",
    "pipelines.cli.wallet_commands",
    "pipelines.cli.multichain_commands",
    "pipelines.cli.bitcoin_commands",
    "pipelines.cli.tron_commands",
    "pipelines.cli.solana_commands",
    "pipelines.cli.exchange_commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipelines",
        description="Crypto tax integrations: exchanges, wallets and manual transactions in a DuckDB warehouse.",
        epilog="exit codes: 0 done; 1 a sync failed (each failed integration named on stderr); "
        "2 rejected input (one `error: ...` line, nothing changed); 130 interrupted.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipelines.errors import UserError

    args = build_parser().parse_args(argv)
    try:
        result = args.handler(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a read-only or truncated file, a full disk, a lock held too long
        from pipelines.warehouse.failures import explain

        message = explain(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
