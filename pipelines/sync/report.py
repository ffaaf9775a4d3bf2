"""Reconciliation rows as dicts and as tables, shared by Dagster metadata and the CLI.

A row carries its primary tip code (`tip_code`), every tip (`tips`: list of {"code", "tip"}) and the
divergence point when one was found (`divergence`: dict or None). `tip` is the text users read:
every tip's sentence and then the divergence sentence, one per line (the table's `tip` column holds
only the primary sentence; the CLI and Dagster metadata show all of them).
"""

from __future__ import annotations

import json

from pipelines.sqlfiles import sql

COLUMNS = (
    "integration_id", "asset_id", "asset", "synced", "calculated", "difference", "status", "tip_code", "tip",
    "tips", "tolerance", "negative_since", "ignored", "token_status", "token_reason",
)
DIVERGENCE_COLUMNS = (
    "method", "divergence_at", "divergence_block", "source_balance", "calculated", "tx_before", "tx_after", "detail",
)


def _row(values: tuple) -> dict:
    row = dict(zip(COLUMNS, values))
    row["tips"] = json.loads(row["tips"])
    divergence = dict(zip(DIVERGENCE_COLUMNS, values[len(COLUMNS):]))
    row["divergence"] = divergence if divergence["method"] is not None else None
    row["tip"] = "\n".join(
        [t["tip"] for t in row["tips"]] + ([divergence["detail"]] if row["divergence"] and divergence["detail"] else [])
    )
    return row


def reconciliation_rows(con, integration_id: str | None = None, account_id: str | None = None,
                        mismatches_only: bool = False) -> list[dict]:
    return _rows(con, [integration_id] if integration_id else None, account_id, mismatches_only)


def reconciliation_by_integration(con, integration_ids: list[str]) -> dict[str, list[dict]]:
    """Every row of each integration, in one query: a sync run's metadata for a batch of 50 asked
    once per integration cost ~5 ms each (benchmark 4)."""
    by_integration: dict[str, list[dict]] = {i: [] for i in integration_ids}
    for row in _rows(con, list(integration_ids), None, False):
        by_integration[row["integration_id"]].append(row)
    return by_integration


def _rows(con, integration_ids: list[str] | None, account_id: str | None, mismatches_only: bool) -> list[dict]:
    rows = con.execute(
        sql("queries/reconciliation"),
        {"integration_ids": integration_ids, "account_id": account_id, "mismatches_only": mismatches_only},
    ).fetchall()
    return [_row(r) for r in rows]


def is_mismatch(row: dict) -> bool:
    """A difference the user must look at: not a match and not an ignored (spam) asset."""
    return row["status"] != "match" and not row["ignored"]


def token_marker(row: dict) -> str:
    """What a table shows beside a token's status: spam and unverified tokens are marked, never hidden."""
    return {"spam": " (ignored: spam)", "unverified": " (unverified token)"}.get(row["token_status"], "")


def amount_text(value) -> str:
    """An exact Decimal without exponent or trailing zeros; empty for None."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def markdown_table(rows: list[dict]) -> str:
    """Rows as markdown for Dagster metadata: a table with each row's tip codes, then every tip
    sentence (the divergence point included) as a list item of its own. Dagster's metadata dialog
    renders no `<br>` inside a cell, which glued one tip's sentence to the next."""
    if not rows:
        return "_no rows_"
    header = (
        "| asset | asset_id | synced | calculated | difference | status | tip codes |\n"
        "|---|---|---:|---:|---:|---|---|"
    )
    body = [
        f"| {r['asset']} | {r['asset_id']} | {amount_text(r['synced'])} | {amount_text(r['calculated'])} | "
        f"{amount_text(r['difference'])} | {r['status']}{token_marker(r)} | "
        f"{', '.join(t['code'] for t in r['tips'])} |"
        for r in rows
    ]
    tips = [f"- {r['asset']}: {line}" for r in rows for line in r["tip"].splitlines() if line.strip()]
    return "\n".join([header, *body, *(["", "Tips:", "", *tips] if tips else [])])
