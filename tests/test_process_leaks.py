"""A test session that leaves a process running fails, naming it; `stop_tree` stops a server and the
processes it started, orphans included (tests/processes.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from pipelines.settings import PROJECT_ROOT
from tests.processes import _running, descendants, stop_tree

#: A process that ignores SIGTERM, as the orphaned `dagster api grpc` code server did.
STUBBORN = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"]
#: A child that exits at once, leaving its own child orphaned.
ORPHANING = [sys.executable, "-c", f"import subprocess; subprocess.Popen({STUBBORN!r})"]


def test_a_session_leaving_a_process_running_fails_and_names_it(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_leaky.py").write_text(textwrap.dedent(f"""
        import subprocess

        def test_starts_a_server_and_forgets_it():
            subprocess.run({ORPHANING!r}, check=True)  # an orphan that ignores SIGTERM, as the code server did
    """))
    session = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.processes", "-c", str(tmp_path / "pytest.ini"),
         "--rootdir", str(tmp_path), str(tmp_path / "test_leaky.py")],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, capture_output=True, text=True,
        timeout=300)
    assert session.returncode == 1, session.stdout[-2000:]
    assert "1 passed" in session.stdout and "processes left running by the test session" in session.stdout
    assert "time.sleep(300)" in session.stdout


def test_stop_tree_stops_the_children_of_a_server():
    """A server whose child ignores SIGTERM, as the webserver's code server did: terminating the
    server alone orphans the child."""
    server = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                               f"subprocess.Popen({STUBBORN!r}); time.sleep(300)"])
    deadline = time.monotonic() + 60
    while not descendants(server.pid):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    (child,) = descendants(server.pid)
    time.sleep(0.5)  # the child's SIGTERM handler is set
    stop_tree(server, grace=2)
    assert server.returncode is not None
    assert not _running(child)
