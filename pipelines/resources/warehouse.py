"""The warehouse as a Dagster resource, so tests and deployments point runs at their own file."""


from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from pipelines.settings import warehouse_path
from pipelines.warehouse import connect


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB warehouse file; empty `path` means `PIPELINES_WAREHOUSE` (or `data/warehouse.duckdb`)."""

    path: str = ""

    def resolved_path(self) -> str:
        return self.path or str(warehouse_path())

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(self.resolved_path(), read_only=read_only) as con:
            yield con
