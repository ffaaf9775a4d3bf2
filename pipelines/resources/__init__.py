"""Dagster resources: how assets reach the warehouse."""
