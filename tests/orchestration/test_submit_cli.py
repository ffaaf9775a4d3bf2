"""`pipelines sync-all`: submits only to a webserver it was told about, else syncs in-process."""

from __future__ import annotations

import socket

from pipelines.manual.entry import add_transaction
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_explicit_submit_to_nothing_is_a_user_error(warehouse, cli):
    with connect(warehouse) as con:
        add_account(con, "pat", "UTC", "USD")
        add_integration(con, "pat", "Book", "manual")
    url = closed_port_url()
    result = cli("sync-all", "--submit", url)
    assert result.code == 2 and f"no Dagster webserver at {url}" in result.err


def test_unanswered_webserver_url_falls_back_to_in_process(warehouse, cli, monkeypatch):
    with connect(warehouse) as con:
        add_account(con, "pat", "UTC", "USD")
        book = add_integration(con, "pat", "Book", "manual")
        add_transaction(con, book, "2024-01-01 00:00", "Deposit", incoming="2 ETH")
    monkeypatch.setenv("DAGSTER_WEBSERVER_URL", closed_port_url())
    result = cli("sync-all", "--account", "pat")
    assert result.code == 0 and "1 of 1 integrations synced" in result.out, result
    with connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT amount FROM marts.calculated_balances WHERE integration_id = ?", [book]).fetchone()[0] == 2
