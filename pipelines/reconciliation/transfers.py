"""Transfers between one's own integrations: a withdrawal in one and a deposit in another, paired.

Matching only pairs transaction ids in `marts.transfer_matches`; it never edits `core.*`, so no
integration's calculated balance can change because of a match or an unmatch. Settings (window,
fee ratio) are data in `app.transfer_settings`; an unmatch is remembered in `app.transfer_unmatches`
so the pair never comes back on the next rebuild.
"""

from __future__ import annotations

from pipelines.errors import UserError
from pipelines.sqlfiles import run_script, sql
from pipelines.timeutil import utc_now

#: Matching rounds at most: each round pairs mutual best candidates; more than a handful of rounds
#: only happens with long chains of near-identical withdrawals, which stay unmatched rather than guessed.
MAX_ROUNDS = 10

LIST_COLUMNS = (
    "transfer_id", "account_id", "asset", "withdrawal_integration_id", "withdrawal_tx_id", "withdrawal_at",
    "withdrawal_amount", "deposit_integration_id", "deposit_tx_id", "deposit_at", "deposit_amount", "fee_amount",
    "tx_hash", "matched_by",
)


def rebuild_matches(con) -> int:
    """Match every account's transfers from scratch (the caller owns the transaction); returns the count."""
    run_script(con, "marts/macros")
    con.execute("DELETE FROM marts.transfer_matches")
    total = 0
    for _ in range(MAX_ROUNDS):
        added = con.execute(sql("marts/transfer_candidates")).fetchone()[0]
        total += added
        if not added:
            break
    return total


def list_matches(con, account_id: str | None = None) -> list[dict]:
    rows = con.execute(
        f"SELECT {', '.join(LIST_COLUMNS)} FROM marts.transfer_matches WHERE $account IS NULL OR account_id = $account "
        "ORDER BY account_id, withdrawal_at, transfer_id",
        {"account": account_id},
    ).fetchall()
    return [dict(zip(LIST_COLUMNS, r)) for r in rows]


def unmatch(con, transfer_id: str) -> dict:
    """Undo one match for good (the caller owns the transaction); returns the match that was undone.
    The two transactions become a plain withdrawal and deposit again and may pair with others."""
    row = con.execute(
        "SELECT account_id, withdrawal_tx_id, deposit_tx_id FROM marts.transfer_matches WHERE transfer_id = ?",
        [transfer_id],
    ).fetchone()
    if row is None:
        raise UserError(f"no transfer {transfer_id!r}: `pipelines transfers list` shows the current matches")
    account_id, withdrawal, deposit = row
    undone = next(m for m in list_matches(con, account_id) if m["transfer_id"] == transfer_id)
    con.execute(
        "INSERT INTO app.transfer_unmatches VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [withdrawal, deposit, account_id, utc_now()],
    )
    rebuild_matches(con)
    return undone
