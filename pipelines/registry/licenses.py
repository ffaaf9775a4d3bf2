"""Licenses: a tier held for a tax year. Tiers live in `app.license_tiers`, so pricing is data."""

from __future__ import annotations

import duckdb

from pipelines.errors import UserError
from pipelines.registry.accounts import get_account


def tiers(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT tier, auto_sync FROM app.license_tiers ORDER BY rank").fetchall()


def set_license(con: duckdb.DuckDBPyConnection, account_id: str, tax_year: int, tier: str) -> None:
    """Grant (or change) the account's tier for one tax year."""
    get_account(con, account_id)
    tier = tier.strip().lower()
    known = [t for t, _ in tiers(con)]
    if tier not in known:
        raise UserError(f"unknown license tier {tier!r}: choose one of {', '.join(known)}")
    if not 2009 <= tax_year <= 2100:
        raise UserError(f"invalid tax year {tax_year}: expected a year between 2009 and 2100")
    con.execute(
        "INSERT INTO app.licenses VALUES (?, ?, ?) ON CONFLICT (account_id, tax_year) DO UPDATE SET tier = excluded.tier",
        [account_id, tax_year, tier],
    )


def list_licenses(con: duckdb.DuckDBPyConnection, account_id: str | None = None) -> list[tuple]:
    return con.execute(
        """SELECT l.account_id, l.tax_year, l.tier, t.auto_sync
           FROM app.licenses l JOIN app.license_tiers t USING (tier)
           WHERE ? IS NULL OR l.account_id = ? ORDER BY l.account_id, l.tax_year""",
        [account_id, account_id],
    ).fetchall()
