"""Failures of the machine rather than of the input, told in one line instead of a traceback.

A warehouse file that cannot be opened for writing (read-only file or file system), a file that
ends early (truncated), a full disk and a lock held past the wait reach the CLI as DuckDB or OS
errors. None of them changes the warehouse: DuckDB refuses the open before anything is read, and a
commit whose log cannot be written fails as a whole, so the line says what failed and where.
"""

from __future__ import annotations

import errno
import re
import sys

from pipelines.settings import lock_wait_seconds

#: (pattern of DuckDB's message, the line told instead); `{path}` and the pattern's other groups are filled in.
_DUCKDB = (
    (r'Could not set lock on file "(?P<path>[^"]+)": Conflicting lock is held in (?P<holder>.+?) \(PID (?P<pid>\d+)\)',
     "{path} is in use by {holder} (PID {pid}) and stayed locked for {wait:g} s; try again when it has finished "
     "(PIPELINES_LOCK_WAIT sets the wait)"),
    (r'"(?P<path>[^"]+)": No space left on device',
     "no space left on the disk of {path}; nothing was changed"),
    (r'Cannot open file "(?P<path>[^"]+)": (?P<reason>Permission denied|Operation not permitted|Read-only file system)',
     "{path} cannot be opened for writing ({reason}); nothing was changed"),
    (r'Could not read enough bytes from file "(?P<path>[^"]+)"',
     "{path} is truncated or damaged (it ends before its data): restore it from a backup"),
)
_OS_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def explain(exc: BaseException) -> str | None:
    """The one line for a known failure of the machine; None for anything else (a bug: its traceback helps)."""
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(exc, duckdb.Error):
        for pattern, line in _DUCKDB:
            found = re.search(pattern, str(exc))
            if found:
                return line.format(**found.groupdict(), wait=lock_wait_seconds())
    if isinstance(exc, OSError) and exc.errno in _OS_ERRORS:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return None
