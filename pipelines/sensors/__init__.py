"""Sensors: keep Dagster in step with the registry and react to what users drop in."""
