"""Accounts: the users who own integrations, with the time zone their manual entries are typed in."""

from __future__ import annotations

import re

import duckdb

from pipelines.errors import UserError
from pipelines.names import check_name
from pipelines.registry.currencies import check_base_currency
from pipelines.timeutil import utc_now, zone

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_id(kind: str, value: str) -> str:
    """Ids become Dagster partition keys and file names: letters, digits, `_ . -` only."""
    if not _ID.match(value):
        raise UserError(f"invalid {kind} id {value!r}: use 1-64 letters, digits, '_', '.' or '-'")
    return value


def add_account(
    con: duckdb.DuckDBPyConnection, account_id: str, timezone: str, base_currency: str, name: str | None = None
) -> None:
    check_id("account", account_id)
    zone(timezone)
    currency = check_base_currency(base_currency)
    name = check_name("an account", name) if name is not None else None
    if exists(con, account_id):
        raise UserError(f"account {account_id!r} already exists")
    con.execute(
        "INSERT INTO app.accounts VALUES (?, ?, ?, ?, ?)",
        [account_id, name or account_id, timezone, currency, utc_now()],
    )


def exists(con: duckdb.DuckDBPyConnection, account_id: str) -> bool:
    return con.execute("SELECT 1 FROM app.accounts WHERE account_id = ?", [account_id]).fetchone() is not None


def get_account(con: duckdb.DuckDBPyConnection, account_id: str) -> dict:
    row = con.execute(
        "SELECT account_id, name, timezone, base_currency, created_at FROM app.accounts WHERE account_id = ?",
        [account_id],
    ).fetchone()
    if row is None:
        raise UserError(f"unknown account {account_id!r}")
    return dict(zip(("account_id", "name", "timezone", "base_currency", "created_at"), row))


def list_accounts(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT account_id, name, timezone, base_currency FROM app.accounts ORDER BY account_id"
    ).fetchall()
