"""The DuckDB warehouse: connections and migrations."""

from pipelines.warehouse.connection import connect, transaction

__all__ = ["connect", "transaction"]
