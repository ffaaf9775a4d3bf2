"""A read-only SQLAlchemy dialect for DuckDB that great-expectations can validate through.

GX runs each metric query as `with engine.connect() as c: result = c.execute(q)` and fetches the rows
after the connection is closed. Closing rolls back the connection's implicit transaction, and a
DuckDB connection holds one pending result, so duckdb_engine's rollback drops the rows and every
metric fails with an IndexError. A validation only reads, so it needs no transaction at all: this
dialect never begins, commits or rolls back (each query autocommits, and a failed query aborts only
itself) and is used on a warehouse opened read-only.
"""

from __future__ import annotations

from duckdb_engine import Dialect
from sqlalchemy.dialects import registry

#: The URL scheme `duckdb+readonly://`, registered as SQLAlchemy's `duckdb.readonly` plugin.
SCHEME = "duckdb+readonly"


class ReadOnlyDuckDBDialect(Dialect):
    """duckdb_engine's dialect (name 'duckdb', so GX treats it as DuckDB) without transactions."""

    supports_statement_cache = False  # as duckdb_engine itself; said explicitly, SQLAlchemy warns otherwise

    def do_begin(self, dbapi_connection) -> None:
        pass

    def do_commit(self, dbapi_connection) -> None:
        pass

    def do_rollback(self, dbapi_connection) -> None:
        pass


registry.register(SCHEME.replace("+", "."), __name__, ReadOnlyDuckDBDialect.__name__)


def url(path: str) -> str:
    return f"{SCHEME}:///{path}"
