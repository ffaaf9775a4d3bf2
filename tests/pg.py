"""The machine's PostgreSQL (127.0.0.1:5432, trust auth) for tests: a fresh database per use."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

PG = dict(host="127.0.0.1", port=5432, user="postgres")


def dagster_url(database: str) -> str:
    """What `postgres_url` in dagster.yaml takes: the +psycopg2 driver (see deploy/dagster.yaml)."""
    return f"postgresql+psycopg2://{PG['user']}@{PG['host']}:{PG['port']}/{database}"


@contextmanager
def fresh_database(prefix: str = "pipelines_test") -> Iterator[str]:
    """Create a database with a unique name, yield its name, drop it (with its connections) after."""
    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    try:
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        yield name
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
