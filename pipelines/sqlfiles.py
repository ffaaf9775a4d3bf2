"""Loads SQL kept in `sql/` files, so queries live beside each other and not inside Python strings."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pipelines.settings import SQL_DIR

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@cache
def sql(name: str) -> str:
    """Text of `sql/<name>.sql` (cached: the files do not change while a process runs)."""
    return (SQL_DIR / f"{name}.sql").read_text()


@cache
def statements(name: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The file's statements, each with the `$name` parameters it uses (DuckDB binds parameters
    only for a single statement and rejects unused ones)."""
    out = []
    for text in re.split(r";\s*\n", sql(name)):
        body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("--")).strip()
        if body:
            out.append((body, frozenset(_PARAM.findall(body))))
    return tuple(out)


def run_script(con, name: str, params: dict[str, Any] | None = None) -> None:
    """Execute every statement of `sql/<name>.sql` with the parameters each one names."""
    params = params or {}
    for body, used in statements(name):
        con.execute(body, {k: params[k] for k in used} if used else None)
