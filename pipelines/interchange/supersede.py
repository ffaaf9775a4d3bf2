"""Manual transactions that duplicate synced ones: marked superseded, listed, restorable.

When a manual integration is converted into an exchange or wallet integration, its manual history
stays; the first sync then brings the same events from the source. The `transactions` build step
calls `supersede_duplicates` right after it has inserted both origins, inside the build's one
transaction, so balances never count an event twice and a failed build marks nothing. The matching
itself is SQL (sql/build/supersede_match.sql); nothing here deletes a manual transaction.
"""

from __future__ import annotations

from pipelines.errors import UserError
from pipelines.sqlfiles import run_script, sql
from pipelines.timeutil import utc_now

#: Matching rounds per build; each round marks at least one pair while any is left, and real
#: histories need one or two (more only when several identical events share a time window).
MAX_ROUNDS = 20


def _marked(con, integration_id: str) -> int:
    return con.execute("SELECT count(*) FROM app.superseded_manual WHERE integration_id = ?", [integration_id]).fetchone()[0]


def supersede_duplicates(con, integration_id: str) -> int:
    """Mark this build's new duplicates and drop every superseded manual row from core.transactions;
    returns how many were newly marked (the caller owns the transaction)."""
    if not con.execute("SELECT 1 FROM core.transactions WHERE integration_id = ? AND origin = 'manual' LIMIT 1",
                       [integration_id]).fetchone():
        return 0  # most synced integrations have no manual rows: skip the join over their history
    params = {"integration_id": integration_id, "now": utc_now()}
    before = count = _marked(con, integration_id)
    for _ in range(MAX_ROUNDS):
        run_script(con, "build/supersede_match", params)
        previous, count = count, _marked(con, integration_id)
        if count == previous:
            break
    run_script(con, "build/supersede_exclude", params)
    return count - before


def active_counts(con, integration_ids: list[str]) -> dict[str, int]:
    """Superseded manual transactions currently left out of each integration's balances."""
    counts = dict(con.execute(
        "SELECT integration_id, count(*) FROM app.superseded_manual "
        "WHERE list_contains(?, integration_id) AND restored_at IS NULL GROUP BY integration_id",
        [integration_ids],
    ).fetchall())
    return {i: counts.get(i, 0) for i in integration_ids}


def list_duplicates(con, integration_id: str) -> list[tuple]:
    from pipelines.registry.integrations import get_integration

    get_integration(con, integration_id)
    return con.execute(sql("interchange/duplicates"), {"integration_id": integration_id}).fetchall()


def restore(con, integration_id: str, manual_id: str) -> None:
    """Count a superseded manual transaction again (from the next build on); it is never re-marked."""
    from pipelines.registry.integrations import get_integration

    get_integration(con, integration_id)
    row = con.execute(
        "SELECT restored_at FROM app.superseded_manual WHERE integration_id = ? AND manual_id = ?",
        [integration_id, manual_id],
    ).fetchone()
    if row is None:
        raise UserError(f"{manual_id!r} is not a superseded manual transaction of {integration_id!r} "
                        f"(see `pipelines integrations duplicates {integration_id}`)")
    if row[0] is not None:
        raise UserError(f"{manual_id} was already restored on {row[0]:%Y-%m-%d %H:%M:%S} UTC")
    con.execute("UPDATE app.superseded_manual SET restored_at = ? WHERE manual_id = ?", [utc_now(), manual_id])
