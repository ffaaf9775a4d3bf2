"""Connections share one DuckDB instance per process (pipelines.warehouse.host), yet the warehouse
file is held only while a connection uses it: another process opens it between two of ours, nested
connections see each other's committed rows, a writer waits while this process reads, and a forked
child opens the file with an instance of its own."""

import os
import subprocess
import sys
import threading
import time

import pytest

from pipelines.warehouse import connect, host

OTHER_PROCESS = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1])
print(con.execute("SELECT count(*) FROM app.accounts").fetchall()[0][0])
"""


def _add_account(con, account_id: str) -> None:
    con.execute("INSERT INTO app.accounts (account_id, timezone, base_currency, created_at) "
                "VALUES (?, 'UTC', 'EUR', now()::TIMESTAMP)", [account_id])


def test_the_file_is_released_when_the_last_connection_closes(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        _add_account(con, "a")
    assert host.host().attached == {}  # the instance lives on, the file is detached
    out = subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr  # no "Could not set lock": another process opens it at once
    assert out.stdout.strip() == "1"


def test_nested_connections_share_the_attached_file(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as outer:
        with connect(path) as inner:
            _add_account(inner, "b")
        assert len(host.host().attached) == 1  # still used by `outer`
        assert outer.execute("SELECT account_id FROM app.accounts").fetchall() == [("b",)]
    assert host.host().attached == {}


def test_connections_keep_their_own_temp_objects(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as one, connect(path) as two:
        one.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS x")
        with pytest.raises(Exception, match="scratch"):
            two.execute("FROM scratch").fetchall()
        assert two.execute("SELECT amount_text(1.50::DECIMAL(38,18))").fetchall() == [("1.5",)]  # macros in each


def test_a_writer_waits_while_this_process_reads(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path):
        pass  # migrated
    order: list[str] = []
    released = threading.Event()

    def reader():
        with connect(path, read_only=True):
            order.append("reading")
            released.wait(10)
            time.sleep(0.2)
            order.append("reader done")

    thread = threading.Thread(target=reader)
    thread.start()
    while not order:
        time.sleep(0.01)
    released.set()
    with connect(path, wait=30) as con:  # attached read-only: waits instead of failing
        order.append("writing")
        _add_account(con, "c")
    thread.join()
    assert order == ["reading", "reader done", "writing"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_child_opens_the_file_with_its_own_instance(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        _add_account(con, "d")
    parent = host.host()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report the count it reads, or the error
        try:
            with connect(path) as con:
                answer = f"{host.host() is not parent} {con.execute('SELECT count(*) FROM app.accounts').fetchall()[0][0]}"
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            answer = repr(exc)
        os.write(write, answer.encode())
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        assert pipe.read() == "True 1"
    assert status == 0


def test_copies_and_validations_share_a_file_this_process_has_open(tmp_path):
    """A second DuckDB instance could not open a file attached to this process's one ("Unique file
    handle conflict"): the analytics copy, backups and the GX validation read through the same one."""
    from pipelines.reconciliation.quality import validate_transactions_sql
    from pipelines.warehouse.copy import copy_database

    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        _add_account(con, "e")
        tables = copy_database(path, tmp_path / "copy.duckdb")
        outcomes = validate_transactions_sql(str(path), wait=0)
        assert con.execute("SELECT count(*) FROM app.accounts").fetchall() == [(1,)]  # still usable
    assert tables["app.accounts"] == 1
    assert outcomes and all(o.success for o in outcomes)
    assert host.host().attached == {}  # every connection of the copy and of GX was released
    out = subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(tmp_path / "copy.duckdb")],
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "1", out.stderr
