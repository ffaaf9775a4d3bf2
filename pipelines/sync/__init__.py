"""Running one integration through the pipeline: extract (network) then build (SQL in DuckDB)."""
