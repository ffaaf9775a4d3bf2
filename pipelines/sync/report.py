"""Reconciliation rows as dicts and as tables, shared by Dagster metadata and the CLI."""

from __future__ import annotations

from pipelines.sqlfiles import sql

COLUMNS = ("integration_id", "asset_id", "asset", "synced", "calculated", "difference", "status", "tip_code", "tip")


def reconciliation_rows(con, integration_id: str | None = None, account_id: str | None = None,
                        mismatches_only: bool = False) -> list[dict]:
    rows = con.execute(
        sql("queries/reconciliation"),
        {"integration_id": integration_id, "account_id": account_id, "mismatches_only": mismatches_only},
    ).fetchall()
    return [dict(zip(COLUMNS, r)) for r in rows]


def amount_text(value) -> str:
    """An exact Decimal without exponent or trailing zeros; empty for None."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def markdown_table(rows: list[dict]) -> str:
    if not rows:
        return "_no rows_"
    header = "| asset | asset_id | synced | calculated | difference | status | tip |\n|---|---|---:|---:|---:|---|---|"
    body = [
        f"| {r['asset']} | {r['asset_id']} | {amount_text(r['synced'])} | {amount_text(r['calculated'])} | "
        f"{amount_text(r['difference'])} | {r['status']} | {r['tip'] or ''} |"
        for r in rows
    ]
    return "\n".join([header, *body])
