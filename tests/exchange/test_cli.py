"""`pipelines imitation exchange` serves a delisted market; the CLI adds an integration from its key file."""

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
