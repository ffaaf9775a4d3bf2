"""Changing an integration's settings after registration: checked as at registration, node URLs
kept out of the command line, and a changed history setting makes the next sync read it again."""

from __future__ import annotations

import io
import json

from tests.helpers import snapshot

ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # anvil dev account 1, EIP-55 checksummed
ETHER = 10**18


def _settings(warehouse, integration_id: str) -> dict:
    from pipelines.registry.integrations import get_integration
    from pipelines.warehouse import connect

    with connect(warehouse) as con:
        return dict(get_integration(con, integration_id).settings)


def test_wallets_add_takes_an_id_and_a_node_url_from_the_environment_or_stdin(cli, warehouse, monkeypatch):
    from pipelines.registry.integrations import get_integration
    from pipelines.warehouse import connect

    assert cli("accounts", "add", "alice", "--timezone", "UTC").code == 0
    monkeypatch.setenv("MY_NODE", "https://node.example/v3/ENV-KEY")
    added = cli("wallets", "add", "alice", "Ledger", "--address", ADDRESS, "--chain", "ethereum",
                "--id", "alice-cold", "--rpc-url-env", "MY_NODE")
    assert added.code == 0 and "alice-cold added" in added.out and "ENV-KEY" not in added.out
    again = cli("wallets", "add", "alice", "Ledger", "--address", ADDRESS, "--chain", "ethereum")
    assert again.code == 2 and "already has an integration named 'Ledger' (alice-cold)" in again.err, again  # names stay unique
    monkeypatch.setattr("sys.stdin", io.StringIO("base=https://base.example/v2/STDIN-KEY\n"))
    both = cli("wallets", "add", "alice", "Hot", "--address", ADDRESS, "--chain", "ethereum", "--chain", "base",
               "--id", "alice-hot", "--rpc-url-stdin")
    assert both.code == 0, both
    with connect(warehouse) as con:
        cold, hot_base = get_integration(con, "alice-cold"), get_integration(con, "alice-hot-base")
        assert get_integration(con, "alice-hot-ethereum").credentials is None
    assert cold.decrypted_credentials() == {"rpc_url": "https://node.example/v3/ENV-KEY"}
    assert hot_base.decrypted_credentials() == {"rpc_url": "https://base.example/v2/STDIN-KEY"}
    assert "KEY" not in cold.credentials + json.dumps(cold.settings)
    unset = cli("wallets", "add", "alice", "X", "--address", ADDRESS, "--chain", "ethereum", "--rpc-url-env", "NOPE")
    assert unset.code == 2 and "NOPE" in unset.err


def test_set_checks_like_registration_and_changes_nothing_on_error(cli, warehouse, monkeypatch):
    assert cli("accounts", "add", "alice", "--timezone", "UTC").code == 0
    assert cli("wallets", "add", "alice", "W", "--address", ADDRESS, "--chain", "ethereum").code == 0
    assert cli("integrations", "add", "alice", "Cash", "--kind", "manual").code == 0
    before = snapshot(warehouse)
    for args, message in [
        (("alice-w", "confirmations=-1"), "confirmations must be a whole number"),
        (("alice-w", "tokens=[\"nope\"]"), "token contract 'nope' is not an EVM address"),
        (("alice-w", "confirmation=3"), "unknown wallet setting(s) confirmation"),
        (("alice-w", "rpc_url=https://node.example/v3/KEY"), "--rpc-url-env"),
        (("alice-w",), "at least one setting"),
        (("alice-cash", "markets=[]"), "manual integration"),
        (("nobody", "confirmations=1"), "unknown integration"),
    ]:
        result = cli("integrations", "set", *args)
        assert result.code == 2 and message in result.err, (args, result)
        assert "v3/KEY" not in result.err
    assert snapshot(warehouse) == before

    monkeypatch.setenv("MY_NODE", "https://node.example/v3/ENV-KEY")
    done = cli("integrations", "set", "alice-w", "confirmations=12", f'tokens=["{ADDRESS}"]', "--rpc-url-env", "MY_NODE")
    assert done.code == 0 and "whole history" not in done.out, done
    assert _settings(warehouse, "alice-w") == {"addresses": [ADDRESS], "confirmations": 12, "tokens": [ADDRESS]}
    shown = cli("integrations", "show", "alice-w")
    assert "stored (encrypted)" in shown.out and "ENV-KEY" not in shown.out
    assert cli("integrations", "set", "alice-w", "confirmations=").code == 0  # back to the default
    assert "confirmations" not in _settings(warehouse, "alice-w")


def test_an_earlier_start_block_is_read_by_the_next_sync(wallets, chain, cli):
    """History before `start_block` was never read; moving it earlier re-reads the whole history
    (no full sync asked for), and the mismatch it caused is gone."""
    me = chain.new_address()
    first = chain.block + 1
    chain.send(chain.faucet, me, ETHER)
    later = chain.block + 1
    chain.send(chain.faucet, me, 2 * ETHER)
    integration = wallets.add("Late start", [me], start_block=later)
    wallets.sync(integration)
    assert wallets.reconciliation(integration)["ethereum:native"][2] == "mismatch"  # the first deposit is missing

    changed = cli("integrations", "set", integration, f"start_block={first}")
    assert changed.code == 0 and "the next sync reads its whole history again" in changed.out
    wallets.sync(integration)
    assert wallets.assert_balanced(integration)["ethereum:native"][1] == 3
