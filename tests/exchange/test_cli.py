"""`pipelines imitation exchange` serves a delisted market, `pipelines imitation bitpanda` a Bitpanda
account, `... bitstamp`, `... bitvavo` and `... kucoin` (a passphrase too) theirs; the CLI adds an
integration from each one's key file."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pytest

from tests.exchange.conftest import FAST, mismatched, sync
from tests.processes import stop_tree


@contextlib.contextmanager
def standalone(imitation: str, creds, *options: str):
    """`pipelines imitation IMITATION` in its own process; yields the URL its first line announces."""
    server = subprocess.Popen([sys.executable, "-m", "pipelines.cli.main", "imitation", imitation, *options,
                               "--credentials-dir", str(creds)], stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        assert first.startswith(f"{imitation} imitation on http://127.0.0.1:"), first
        yield first.split()[3].rstrip(";")
    finally:
        stop_tree(server)


def add_from_key_file(cli, monkeypatch, key_file, url: str, account: str, provider: str) -> str:
    """Register ACCOUNT's PROVIDER integration with the key file on stdin; returns its id."""
    assert cli("accounts", "add", account, "--timezone", "UTC").code == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(key_file.read_text()))
    options = [f"--option={k}={v}" for k, v in {"api_origin": url, **FAST}.items()]
    added = cli("integrations", "add", account, provider.title(), "--kind", "exchange", "--provider", provider,
                *options, "--credentials-stdin")
    assert added.code == 0, added
    return f"{account}-{provider}"


def test_standalone_imitation_and_cli_integration(warehouse, cli, tmp_path, monkeypatch):
    creds = tmp_path / "creds"
    with standalone("exchange", creds, "--delist", "binance:SOL/USDT") as url:
        integration = add_from_key_file(cli, monkeypatch, creds / "binance.json", url, "ann", "binance")
        sync(warehouse, integration, full=True)
        assert {"SOL", "USDT"} <= mismatched(warehouse, integration)


def test_standalone_bitpanda_imitation_and_a_key_only_cli_integration(warehouse, cli, tmp_path, monkeypatch):
    creds = tmp_path / "creds"
    with standalone("bitpanda", creds) as url:
        assert (creds / "bitpanda.json").stat().st_mode & 0o077 == 0
        integration = add_from_key_file(cli, monkeypatch, creds / "bitpanda.json", url, "ben", "bitpanda")
        sync(warehouse, integration, full=True)
        assert mismatched(warehouse, integration) == set()


@pytest.mark.parametrize(("provider", "fields"), [("bitstamp", {"api_key", "secret"}), ("bitvavo", {"api_key", "secret"}),
                                                ("kucoin", {"api_key", "secret", "passphrase"})])
def test_standalone_signed_imitation_and_a_cli_integration(warehouse, cli, tmp_path, monkeypatch, provider, fields):
    creds = tmp_path / "creds"
    with standalone(provider, creds) as url:
        assert (creds / f"{provider}.json").stat().st_mode & 0o077 == 0
        assert set(json.loads((creds / f"{provider}.json").read_text())) == fields
        integration = add_from_key_file(cli, monkeypatch, creds / f"{provider}.json", url, "cy", provider)
        sync(warehouse, integration, full=True)
        assert mismatched(warehouse, integration) == set()


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
