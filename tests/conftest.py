"""Shared fixtures: every test gets its own warehouse file, encryption key and Dagster home."""

from __future__ import annotations

import pytest

#: Fails the session when a test leaves a process running (tests/processes.py).
pytest_plugins = ["tests.processes"]


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    """A fresh warehouse path, set for the whole process (CLI, registry and Dagster runs agree)."""
    from pipelines.crypto import generate_key

    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("PIPELINES_WAREHOUSE", str(path))
    monkeypatch.setenv("PIPELINES_SECRET_KEY", generate_key())
    monkeypatch.setenv("PIPELINES_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("PIPELINES_ANALYTICS", str(tmp_path / "analytics.duckdb"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return path


@pytest.fixture
def con(warehouse):
    """A writable connection to the fresh warehouse (closed after the test)."""
    from pipelines.warehouse import connect

    with connect(warehouse) as connection:
        yield connection


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def cli(warehouse, capsys):
    """Run `pipelines ARGS...` in-process, on a warehouse made as `pipelines init` makes it (no other
    command creates one); returns exit code and captured output."""
    from pipelines.cli.main import main
    from pipelines.warehouse import connect

    with connect(warehouse):
        pass

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def node_url():
    """One real anvil node per test session (chain id 1, so it stands for Ethereum), started only
    when a test asks for it; tests use fresh addresses, so they never see each other's history."""
    from pipelines.connectors.wallet.devnode import anvil

    with anvil(chain_id=1) as url:
        yield url


@pytest.fixture(scope="session")
def chain(node_url):
    from pipelines.connectors.wallet.devnode import DevChain

    return DevChain(node_url)
