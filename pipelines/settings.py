"""Where things live, read from the environment so the CLI, Dagster runs and tests agree.

Every path is resolved lazily (at call time, not import time) so a test can point a whole process at a
temporary warehouse by setting one environment variable.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"


def warehouse_path() -> Path:
    """The DuckDB warehouse file (`PIPELINES_WAREHOUSE`, default `data/warehouse.duckdb`)."""
    return Path(os.environ.get("PIPELINES_WAREHOUSE", PROJECT_ROOT / "data" / "warehouse.duckdb"))


def analytics_path() -> Path:
    """The read-only copy analysts query (`PIPELINES_ANALYTICS`, default `data/analytics.duckdb`): the
    warehouse itself is locked by whichever run writes it, the copy never is."""
    return Path(os.environ.get("PIPELINES_ANALYTICS", PROJECT_ROOT / "data" / "analytics.duckdb"))


def sync_batch_size() -> int:
    """Most integrations one backfill run syncs (`PIPELINES_SYNC_BATCH`, default 50), so a backfill of
    1,000 integrations starts 20 processes, not 1,000."""
    return int(os.environ.get("PIPELINES_SYNC_BATCH", "50"))


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, str(default)).strip()
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r} must be a whole number of at least 1")
    return int(value)


def extract_threads() -> int:
    """Sources one run reads at once (`PIPELINES_EXTRACT_THREADS`, default 32; pipelines/sync/extract_batch.py)."""
    return _count("PIPELINES_EXTRACT_THREADS", 32)


def extract_per_source() -> int:
    """Integrations at one host (provider and API origin) read at once (`PIPELINES_EXTRACT_PER_SOURCE`,
    default 4): one exchange's IP limit or one public node is shared by all of them."""
    return _count("PIPELINES_EXTRACT_PER_SOURCE", 4)


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit of a process's warehouse instance (`PIPELINES_DUCKDB_MEMORY`, default 512MB). DuckDB's
    own default (80 % of RAM) let a sync of 10^6 records stay at 1.3 GB resident; with the limit it
    peaks at 0.75 GB at about the same speed, and larger work spills to disk."""
    value = os.environ.get("PIPELINES_DUCKDB_MEMORY", "512MB").strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", value, re.IGNORECASE):
        raise ValueError(f"PIPELINES_DUCKDB_MEMORY={value!r} is not a size such as 512MB or 2GB")
    return value


def lock_wait_seconds() -> float:
    """How long an open waits for a warehouse file another process holds (`PIPELINES_LOCK_WAIT`,
    default 120 s) before it gives up and says who holds it."""
    value = os.environ.get("PIPELINES_LOCK_WAIT", "120").strip()
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"PIPELINES_LOCK_WAIT={value!r} is not a number of seconds") from None


def secret_key_file() -> Path:
    """Fallback file holding the Fernet key when `PIPELINES_SECRET_KEY` is not set."""
    return Path(os.environ.get("PIPELINES_SECRET_KEY_FILE", PROJECT_ROOT / "data" / "secret.key"))


def inbox_dir() -> Path:
    """Folder with one sub-folder per integration where uploaded Excel files are dropped."""
    return Path(os.environ.get("PIPELINES_INBOX", PROJECT_ROOT / "data" / "inbox"))
