"""`pipelines demo` (the README's first command): a small account with one integration of each kind,
synced through the real pipeline, its balances and mismatches printed.

Each demo part registers its integrations and starts what it needs (the exchange imitation, a local
chain) inside one `ExitStack`; the demo account is rebuilt from scratch on every run, so running
it twice gives the same result. The account has no license, so the daily automatic sync never
tries the demo's sources after the demo has stopped them.
"""

from __future__ import annotations

import contextlib
import os
from importlib import import_module

from pipelines.settings import secret_key_file

ACCOUNT = "demo"
#: Modules with `setup(con, account_id, stack)`; each adds its integrations to the demo account.
DEMO_PARTS = (
    "pipelines.demo_parts.manual",
    "pipelines.demo_parts.exchange",
    "pipelines.demo_parts.wallet",
    "pipelines.demo_parts.bitcoin",
    "pipelines.demo_parts.solana",
)


def demo_source_not_running():
    """The error of a demo integration synced after the demo ended: its imitation or local chain ran
    only while `pipelines demo` did. The demo account has no license, so the daily automatic sync
    leaves these integrations out; a Sync All that includes them fails for them with this sentence."""
    from pipelines.errors import UserError

    return UserError("demo source not running (its imitation or local chain stops when `pipelines demo` ends); "
                     "run `pipelines demo` again to sync the demo account")


def _ensure_secret_key() -> None:
    """The demo needs an encryption key for exchange credentials: make a local one if none is set."""
    if os.environ.get("PIPELINES_SECRET_KEY"):
        return
    if not secret_key_file().exists():
        from pipelines.crypto import generate_key, store_key_file

        store_key_file(generate_key())


def _forget_account(con, account_id: str) -> None:
    """Remove the demo account and everything of its integrations, so the demo starts clean."""
    from pipelines.sqlfiles import run_script

    run_script(con, "queries/forget_account", {"account_id": account_id})


def run_demo() -> int:
    from pipelines.cli.sync_commands import print_balances, run_and_report
    from pipelines.registry.accounts import add_account
    from pipelines.registry.integrations import list_integrations
    from pipelines.settings import analytics_path, warehouse_path
    from pipelines.warehouse import connect, transaction

    _ensure_secret_key()
    with contextlib.ExitStack() as stack:
        with connect() as con, transaction(con):
            _forget_account(con, ACCOUNT)
            add_account(con, ACCOUNT, "Europe/Vienna", "EUR", name="Demo User")
            for part in DEMO_PARTS:
                import_module(part).setup(con, ACCOUNT, stack)
            ids = [i.integration_id for i in list_integrations(con, ACCOUNT)]
        print(f"demo account {ACCOUNT!r}: {len(ids)} integrations in {warehouse_path()}")
        status = run_and_report(ids, full=True)
    print_balances(ACCOUNT)
    print_balances(ACCOUNT, mismatches=True)
    print("Explore: `make dev` opens the Dagster UI; `pipelines balances --mismatches` shows the tips;")
    print("analysts (a read-only copy, see docs/analysts.md): .venv/bin/python -c \"import duckdb; "
          f"print(duckdb.connect('{analytics_path()}', read_only=True).sql('FROM marts.balance_reconciliation'))\"")
    return status
