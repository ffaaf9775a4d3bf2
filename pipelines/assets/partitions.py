"""One dynamic partition per integration, kept in step with `app.integrations` by a sensor."""

import dagster as dg

INTEGRATIONS = "integrations"
integrations_partitions = dg.DynamicPartitionsDefinition(name=INTEGRATIONS)

#: Steps that write the DuckDB warehouse share this pool (limit 1 in dagster.yaml): DuckDB allows
#: one writing process at a time.
WAREHOUSE_POOL = "duckdb_warehouse"
