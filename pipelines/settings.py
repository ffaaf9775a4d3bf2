"""Where things live, read from the environment so the CLI, Dagster runs and tests agree.

Every path is resolved lazily (at call time, not import time) so a test can point a whole process at a
temporary warehouse by setting one environment variable.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"


def warehouse_path() -> Path:
    """The DuckDB warehouse file (`PIPELINES_WAREHOUSE`, default `data/warehouse.duckdb`)."""
    return Path(os.environ.get("PIPELINES_WAREHOUSE", PROJECT_ROOT / "data" / "warehouse.duckdb"))


def secret_key_file() -> Path:
    """Fallback file holding the Fernet key when `PIPELINES_SECRET_KEY` is not set."""
    return Path(os.environ.get("PIPELINES_SECRET_KEY_FILE", PROJECT_ROOT / "data" / "secret.key"))


def inbox_dir() -> Path:
    """Folder with one sub-folder per integration where uploaded Excel files are dropped."""
    return Path(os.environ.get("PIPELINES_INBOX", PROJECT_ROOT / "data" / "inbox"))
