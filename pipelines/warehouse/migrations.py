"""Applies the ordered migration files in `sql/migrations/` once each.

Analysts rely on table names (DESIGN.md's warehouse contract), so the schema only ever changes by
adding a numbered file here; applied versions are remembered in `app.schema_migrations`.
"""

from __future__ import annotations

import duckdb

from pipelines.settings import SQL_DIR
from pipelines.timeutil import utc_now

MIGRATIONS_DIR = SQL_DIR / "migrations"


def pending(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Migration file names not yet applied, in order."""
    con.execute("CREATE SCHEMA IF NOT EXISTS app")
    con.execute(
        "CREATE TABLE IF NOT EXISTS app.schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
    )
    applied = {row[0] for row in con.execute("SELECT name FROM app.schema_migrations").fetchall()}
    return [p.name for p in sorted(MIGRATIONS_DIR.glob("*.sql")) if p.name not in applied]


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every pending migration, each in its own transaction; returns what was applied."""
    todo = pending(con)
    for name in todo:
        con.execute("BEGIN")
        try:
            con.execute((MIGRATIONS_DIR / name).read_text())
            con.execute(
                "INSERT INTO app.schema_migrations VALUES (?, ?)",
                [name, utc_now(whole_seconds=False)],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return todo
