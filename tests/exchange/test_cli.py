"""`pipelines imitation exchange` serves a delisted market, `pipelines imitation bitpanda` a Bitpanda
account; the CLI adds an integration from each one's key file."""

from __future__ import annotations

import io
import subprocess
import sys

from tests.exchange.conftest import FAST, mismatched, sync
from tests.processes import stop_tree


def test_standalone_imitation_and_cli_integration(warehouse, cli, tmp_path, monkeypatch):
    creds = tmp_path / "creds"
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli.main", "imitation", "exchange", "--delist", "binance:SOL/USDT",
         "--credentials-dir", str(creds)],
        stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        assert first.startswith("exchange imitation on http://127.0.0.1:"), first
        url = first.split()[3]
        assert cli("accounts", "add", "ann", "--timezone", "UTC").code == 0
        monkeypatch.setattr(sys, "stdin", io.StringIO((creds / "binance.json").read_text()))
        options = [f"--option={k}={v}" for k, v in {"api_origin": url, **FAST}.items()]
        added = cli("integrations", "add", "ann", "Binance", "--kind", "exchange", "--provider", "binance",
                    *options, "--credentials-stdin")
        assert added.code == 0, added
        sync(warehouse, "ann-binance", full=True)
        assert {"SOL", "USDT"} <= mismatched(warehouse, "ann-binance")
    finally:
        stop_tree(server)


def test_standalone_bitpanda_imitation_and_a_key_only_cli_integration(warehouse, cli, tmp_path, monkeypatch):
    creds = tmp_path / "creds"
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli.main", "imitation", "bitpanda", "--credentials-dir", str(creds)],
        stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        assert first.startswith("bitpanda imitation on http://127.0.0.1:"), first
        url = first.split()[3].rstrip(";")
        assert (creds / "bitpanda.json").stat().st_mode & 0o077 == 0
        assert cli("accounts", "add", "ben", "--timezone", "UTC").code == 0
        monkeypatch.setattr(sys, "stdin", io.StringIO((creds / "bitpanda.json").read_text()))
        options = [f"--option={k}={v}" for k, v in {"api_origin": url, **FAST}.items()]
        added = cli("integrations", "add", "ben", "Bitpanda", "--kind", "exchange", "--provider", "bitpanda",
                    *options, "--credentials-stdin")
        assert added.code == 0, added
        sync(warehouse, "ben-bitpanda", full=True)
        assert mismatched(warehouse, "ben-bitpanda") == set()
    finally:
        stop_tree(server)


def test_a_market_added_with_integrations_set_is_read_from_its_first_trade(warehouse, cli, imitation, exchange):
    """`markets` changed after registration: the next (incremental) sync asks the new market from
    its first trade; a value registration would refuse is refused and changes nothing."""
    from pipelines.warehouse import connect

    integration = exchange("binance")
    sync(warehouse, integration, full=True)

    def asked() -> set[str]:
        with connect(warehouse) as con:
            return {r[0] for r in con.execute("SELECT source_id FROM raw.records WHERE integration_id = ? "
                                              "AND stream = 'markets'", [integration]).fetchall()}

    assert "ADAUSDT" not in asked()  # listed, but the account never held ADA
    refused = cli("integrations", "set", integration, "markets=ADA/USDT")
    assert refused.code == 2 and "must be a JSON list" in refused.err
    changed = cli("integrations", "set", integration, 'markets=["ADA/USDT"]')
    assert changed.code == 0 and "whole history" not in changed.out, changed
    sync(warehouse, integration)
    assert "ADAUSDT" in asked()
