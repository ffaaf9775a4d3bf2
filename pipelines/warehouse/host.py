"""One in-memory DuckDB instance per process that attaches warehouse files while they are in use.

Creating a DuckDB instance costs about 20 ms whatever the file (an in-memory one too: DuckDB sets
up its built-in extensions), and a sync opens the warehouse three times (read the cursors, store
the records, build), Sync All thousands of times. Attaching a file to a live instance costs about
2 ms, and detaching it releases the file's lock just as closing an instance did, so other
processes still get the warehouse whenever no connection of this one uses it.

A file stays attached while any connection of this process uses it (counted), so connections
opened in several threads share it as they shared one instance before. A forked child never uses
its parent's instance: DuckDB's threads do not survive a fork.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass

import duckdb

from pipelines.errors import UserError

#: Settings of the instance, for every file it attaches.
# A commit that logs more than the checkpoint threshold checkpoints at once instead: its rows are
# written to the file once, not to the WAL at commit and again by the checkpoint at detach (an
# incremental build of 10^4 new records: commit and close 82 -> 70 ms).
_SETTINGS = {"TimeZone": "UTC", "checkpoint_threshold": "1MB"}
#: Bytes of a DuckDB file before its first block: the main header and two database headers of 4 KiB.
_HEADER_BYTES = 3 * 4096


@dataclass
class _Attached:
    alias: str
    read_only: bool
    users: int = 0


class Busy(Exception):
    """This process holds the file read-only and a writer asked for it: wait as for another process's lock."""


class Host:
    """The instance and which files it has attached, under which alias and for how many connections."""

    def __init__(self) -> None:
        self.db = duckdb.connect()
        for name, value in _SETTINGS.items():  # TimeZone needs the icu extension, loaded after startup
            self.db.execute(f"SET GLOBAL {name} = '{value}'")
        self.attached: dict[str, _Attached] = {}
        self.lock = threading.Lock()
        self.aliases = (f"warehouse_{n}" for n in itertools.count(1))

    def open(self, path: str, read_only: bool, memory_limit: str) -> duckdb.DuckDBPyConnection:
        """A new connection whose default database is `path` (attached first if no connection uses it).
        Raises DuckDB's lock error when another process holds the file, `Busy` when this one holds it
        read-only and a writer asks."""
        with self.lock:
            entry = self.attached.get(path)
            if entry is not None and entry.read_only and not read_only:
                raise Busy(f"{path} is open read-only in this process: a writer waits for it to close")
            con = self.db.cursor()  # (under the lock: the instance's own connection is not thread-safe)
            if entry is None:
                alias = next(self.aliases)
                try:
                    self.db.execute(f"SET memory_limit = '{memory_limit}'")  # validated: digits and a unit
                    self.db.execute(f"ATTACH ? AS {alias}{' (READ_ONLY)' if read_only else ''}", [path])
                    self._check_complete(alias, path)
                except BaseException:
                    con.close()
                    raise
                entry = self.attached[path] = _Attached(alias, read_only)
            entry.users += 1
        try:
            con.execute(f"USE {entry.alias}")
        except BaseException:
            con.close()
            self.release(path)
            raise
        return con

    def _check_complete(self, alias: str, path: str) -> None:
        """Detach and refuse a file too short to hold the blocks in use its header counts (a truncated
        copy): DuckDB attaches it and fails only when a missing block is read, so `init` called it
        ready and a migration could have written into it. (Free blocks at the end are cut off the
        file by a checkpoint, so only used ones are a bound.)"""
        [(block_size, blocks)] = self.db.execute(
            "SELECT block_size, used_blocks FROM pragma_database_size() WHERE database_name = ?", [alias]
        ).fetchall()
        size, expected = os.path.getsize(path), _HEADER_BYTES + blocks * block_size
        if size < expected:
            self.db.execute(f"DETACH {alias}")
            raise UserError(f"{path} is truncated ({size} of its {expected} bytes): restore it from a backup")

    def release(self, path: str) -> None:
        """One connection less; the last one detaches the file (checkpointing it, releasing its lock)."""
        with self.lock:
            entry = self.attached[path]
            entry.users -= 1
            if entry.users == 0:  # (a failed DETACH leaves it attached and listed, for the next open)
                self.db.execute(f"DETACH {entry.alias}")
                del self.attached[path]


_host: Host | None = None
_host_lock = threading.Lock()
#: A parent's instance, kept referenced in a forked child: destroying it would wait for threads
#: that only exist in the parent.
_inherited: list[Host] = []


def host() -> Host:
    """This process's instance, created on first use (a forked child creates its own)."""
    global _host
    with _host_lock:
        if _host is None:
            _host = Host()
        return _host


def _forget_in_child() -> None:
    global _host, _host_lock
    if _host is not None:
        _inherited.append(_host)
        _host = None
    _host_lock = threading.Lock()  # another thread may have held it at the fork


os.register_at_fork(after_in_child=_forget_in_child)
