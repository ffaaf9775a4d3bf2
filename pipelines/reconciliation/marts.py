"""Account-wide marts: everything downstream of all integrations' balances, rebuilt whole.

They are small (one row per account, group and asset), so a full rebuild in one transaction after
any sync is simpler and safer than tracking which accounts changed.
"""

from __future__ import annotations

from pipelines.sqlfiles import run_script

#: mart -> its table (the build order: each reads only core.* / marts.balance_reconciliation).
TABLES = {
    "group_balances": "marts.group_balances",
    "account_balances": "marts.account_balances",
    "portfolio": "marts.portfolio",
}


def build_balances(con) -> dict[str, int]:
    """Rebuild group, account and portfolio marts (the caller owns the transaction); row counts."""
    for name in TABLES:
        run_script(con, f"marts/{name}")
    return {name: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for name, table in TABLES.items()}

