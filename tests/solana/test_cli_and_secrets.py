"""A Solana wallet added through the CLI: bad input is one line and changes nothing, and the key
inside the RPC URL appears nowhere in clear text (warehouse, Dagster home, CLI output, errors)."""

from __future__ import annotations

import io

from pipelines.imitations.solana import SolanaImitation
from pipelines.imitations.solana.scenario import WALLET
from tests.helpers import snapshot
from tests.solana.conftest import API_KEY
from tests.tron.test_sync import TABLES

REGISTRY = ("app.accounts", "app.integrations")


def test_cli_wallet_syncs_and_the_key_in_the_url_never_shows(cli, warehouse, tmp_path, monkeypatch, rpc, query):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("HELIUS_URL", rpc.url)
    outputs = []

    def run(*args):
        result = cli(*args)
        outputs.append(result.out + result.err)
        return result

    run("accounts", "add", "toly", "--timezone", "UTC")
    assert run("solana", "add", "toly", WALLET, "--name", "Phantom", "--rpc-url-env", "HELIUS_URL", "--group", "Mobile").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(rpc.url.replace(API_KEY, "wrong-" + API_KEY) + "\n"))
    rejected_add = run("solana", "add", "toly", WALLET, "--name", "Rejected", "--rpc-url-stdin")
    assert rejected_add.code == 2 and "refused the API key (HTTP 401)" in rejected_add.err
    # The URL can be replaced later as the EVM wallets' node URL is (stored encrypted again).
    assert run("integrations", "set", "toly-phantom", "--rpc-url-env", "HELIUS_URL").code == 0
    assert run("sync", "toly-phantom").code == 0
    shown = run("integrations", "show", "toly-phantom").out
    assert "stored (encrypted)" in shown and "Mobile" in shown
    assert query("""SELECT count(*) FROM marts.balance_reconciliation
                    WHERE integration_id = 'toly-phantom' AND status = 'match'""") == [(5,)]
    for args in (("integrations", "list"), ("balances",), ("transactions", "list", "toly-phantom")):
        assert run(*args).code == 0
    rpc.fail(503, 30, retry_after="0")
    down = run("sync", "toly-phantom")
    assert down.code == 1 and "Solana RPC at http://127.0.0.1" in down.err
    secrets = [API_KEY, "wrong-" + API_KEY]
    for path in [p for root in (warehouse.parent, home) for p in root.rglob("*") if p.is_file()]:
        assert not any(s.encode() in path.read_bytes() for s in secrets), f"API key in clear text in {path}"
    assert not any(s in "\n".join(outputs) for s in secrets)


def test_bad_input_is_one_line_and_changes_nothing(cli, warehouse, rpc, monkeypatch):
    cli("accounts", "add", "toly", "--timezone", "UTC")
    before = snapshot(warehouse, REGISTRY)
    monkeypatch.setenv("RPC_URL", rpc.url)
    for address, reason in ((WALLET[:-1] + "0", "not base58"),
                            ("0x52908400098527886E0F7030069857D2E4169EE7", "that is an EVM address"),
                            ("9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"[:20], "expected 32 to 44 base58 characters"),
                            ("TJCnKsPa7y5okkXvQAidZBzqx3QyQ6sxMf", "decodes to 25 bytes, not a 32-byte public key")):
        bad = cli("solana", "add", "toly", address, "--rpc-url-env", "RPC_URL")
        assert bad.code == 2 and bad.err.startswith("error: ") and reason in bad.err, (address, bad)
        assert bad.err.count("\n") == 1
    monkeypatch.setenv("FTP_URL", "ftp://example.org")
    bad = cli("solana", "add", "toly", WALLET, "--rpc-url-env", "FTP_URL")
    assert bad.code == 2 and "http:// or https://" in bad.err
    bad = cli("solana", "add", "toly", WALLET, "--rpc-url-env", "NOT_SET_ANYWHERE")
    assert bad.code == 2 and "NOT_SET_ANYWHERE" in bad.err
    with SolanaImitation(genesis="EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG") as devnet:
        monkeypatch.setenv("DEVNET_URL", devnet.url)
        bad = cli("solana", "add", "toly", WALLET, "--rpc-url-env", "DEVNET_URL")
    assert bad.code == 2 and "not mainnet-beta" in bad.err and bad.err.count("\n") == 1
    monkeypatch.setenv("DOWN_URL", "http://127.0.0.1:9/?api-key=" + API_KEY)  # nothing listens on port 9
    bad = cli("solana", "add", "toly", WALLET, "--rpc-url-env", "DOWN_URL")
    assert bad.code == 2 and "no answer from the Solana RPC at http://127.0.0.1:9" in bad.err and API_KEY not in bad.err
    assert snapshot(warehouse, REGISTRY) == before


def test_an_unreachable_rpc_is_one_line_and_changes_nothing(cli, warehouse, rpc, monkeypatch):
    cli("accounts", "add", "toly", "--timezone", "UTC")
    monkeypatch.setenv("RPC_URL", rpc.url)
    assert cli("solana", "add", "toly", WALLET, "--rpc-url-env", "RPC_URL").code == 0
    rpc.__exit__()  # the node goes down
    before = snapshot(warehouse, TABLES)
    down = cli("sync", "toly-solana")
    [line] = [line for line in down.err.splitlines() if line.startswith("error:")]
    assert down.code == 1 and "no answer from the Solana RPC at http://127.0.0.1" in line, down
    assert API_KEY not in down.err
    assert snapshot(warehouse, TABLES) == before
