"""Build: everything after `raw.*` for one integration, as SQL inside one DuckDB transaction.

Each step deletes the integration's rows and inserts them again from the layer below, so a re-run
never duplicates a row, and because all steps share one transaction a failure leaves every table as
it was.
"""

from __future__ import annotations

from functools import cache

from pipelines.connectors import connector_name
from pipelines.interchange.supersede import supersede_duplicates
from pipelines.settings import SQL_DIR
from pipelines.sqlfiles import run_script, sql

#: The order layers are built in; each reads only from the ones before it.
STEPS = ("transactions", "ledger_entries", "calculated_balances", "synced_balances", "balance_reconciliation")


@cache
def _transactions_query(name: str) -> str:
    """The connector's normalize query (when it has one) united with the manual transactions."""
    parts = [sql("normalize/manual_transactions")]
    if (SQL_DIR / "normalize" / f"{name}.sql").exists():
        parts.insert(0, sql(f"normalize/{name}"))
    return "\nUNION ALL\n".join(f"SELECT * FROM ({p.strip().rstrip(';')})" for p in parts)


def build_step(con, step: str, integration_id: str, kind: str) -> None:
    """Run one layer's SQL for one integration (the caller owns the transaction)."""
    params = {"integration_id": integration_id}
    if step == "transactions":
        (provider,) = con.execute(
            "SELECT provider FROM app.integrations WHERE integration_id = ?", [integration_id]
        ).fetchall()[0]
        con.execute("DELETE FROM core.transactions WHERE integration_id = $integration_id", params)
        con.execute(f"INSERT INTO core.transactions {_transactions_query(connector_name(kind, provider))}", params)
        supersede_duplicates(con, integration_id)  # manual rows a sync brought again leave the balances
    else:
        run_script(con, f"build/{step}", params)
