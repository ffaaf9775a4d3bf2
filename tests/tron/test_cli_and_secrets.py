"""A Tron wallet added through the CLI: bad input is one line and changes nothing, and the TronGrid
API key appears nowhere in clear text (warehouse, Dagster home, CLI output, errors)."""

from __future__ import annotations

import io

from pipelines.imitations.tron.scenario import WALLET
from tests.helpers import snapshot
from tests.tron.conftest import API_KEY

REGISTRY = ("app.accounts", "app.integrations")


def test_cli_wallet_syncs_and_the_key_never_shows(cli, warehouse, tmp_path, monkeypatch, trongrid, query):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("TRONGRID_KEY", API_KEY)
    monkeypatch.setenv("WRONG_KEY", "wrong-" + API_KEY)
    outputs = []

    def run(*args):
        result = cli(*args)
        outputs.append(result.out + result.err)
        return result

    run("accounts", "add", "justin", "--timezone", "UTC")
    assert run("tron", "add", "justin", "TronLink", "--address", WALLET, "--api-url", trongrid.url,
               "--api-key-env", "TRONGRID_KEY", "--group", "Mobile").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(trongrid.url + "\n"))
    assert run("tron", "add", "justin", "Rejected", "--address", WALLET, "--api-url-stdin",
               "--api-key-env", "WRONG_KEY").code == 0
    assert run("sync", "justin-tronlink").code == 0
    rejected = run("sync", "justin-rejected")
    assert rejected.code == 1 and "refused the API key (HTTP 401)" in rejected.err
    shown = run("integrations", "show", "justin-tronlink").out
    assert "stored (encrypted)" in shown and "Mobile" in shown
    assert query("""SELECT count(*) FROM marts.balance_reconciliation
                    WHERE integration_id = 'justin-tronlink' AND status = 'match'""") == [(3,)]
    for args in (("integrations", "list"), ("balances",), ("transactions", "list", "justin-tronlink")):
        assert run(*args).code == 0
    secrets = [API_KEY, "wrong-" + API_KEY]
    for path in [p for root in (warehouse.parent, home) for p in root.rglob("*") if p.is_file()]:
        assert not any(s.encode() in path.read_bytes() for s in secrets), f"API key in clear text in {path}"
    assert not any(s in "\n".join(outputs) for s in secrets)


def test_bad_input_is_one_line_and_changes_nothing(cli, warehouse, trongrid, monkeypatch):
    cli("accounts", "add", "justin", "--timezone", "UTC")
    before = snapshot(warehouse, REGISTRY)
    wrong_checksum = WALLET[:-1] + ("A" if WALLET[-1] != "A" else "B")
    for address, reason in ((wrong_checksum, "invalid Tron address"),
                            ("0x52908400098527886E0F7030069857D2E4169EE7", "that is an EVM address"),
                            ("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "looks like a Bitcoin address"),
                            ("TJCnKsPa7y5okkXvQAidZBzqx3QyQ6sxM", "expected 34 base58 characters")):
        bad = cli("tron", "add", "justin", "Bad", "--address", address, "--api-url", trongrid.url)
        assert bad.code == 2 and bad.err.startswith("error: ") and reason in bad.err, (address, bad)
        assert bad.err.count("\n") == 1
    bad = cli("tron", "add", "justin", "Bad", "--address", WALLET, "--api-url", "ftp://example.org")
    assert bad.code == 2 and "http:// or https://" in bad.err
    bad = cli("tron", "add", "justin", "Bad", "--address", WALLET, "--api-key-env", "NOT_SET_ANYWHERE")
    assert bad.code == 2 and "NOT_SET_ANYWHERE" in bad.err
    assert snapshot(warehouse, REGISTRY) == before


def test_an_unreachable_api_is_one_line_and_changes_nothing(cli, warehouse, trongrid):
    from tests.tron.test_sync import TABLES

    cli("accounts", "add", "justin", "--timezone", "UTC")
    assert cli("tron", "add", "justin", "TronLink", "--address", WALLET, "--api-url", trongrid.url).code == 0
    trongrid.__exit__()  # the API goes down
    before = snapshot(warehouse, TABLES)
    down = cli("sync", "justin-tronlink")
    [line] = [line for line in down.err.splitlines() if line.startswith("error:")]
    assert down.code == 1 and "no answer from TronGrid at http://127.0.0.1" in line, down
    assert snapshot(warehouse, TABLES) == before
