"""Adding wallets: address checks, one integration per chain in a group, nothing stored on error,
and a manual ETH entry on a wallet integration that books against the chain's native asset."""

from __future__ import annotations

import pytest

from pipelines.connectors.wallet import WalletConnector
from pipelines.errors import UserError
from tests.helpers import snapshot

ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # anvil dev account 1, EIP-55 checksummed
TYPO = "0x70997970C51812dc3A010C7d01b50e0d17dc79c8"  # last letter's case flipped: checksum fails


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"addresses": [ADDRESS, TYPO]}, f"address '{TYPO}' fails its EIP-55 checksum"),
        ({"addresses": ["0x1234"]}, "address '0x1234' is not an EVM address"),
        ({"addresses": []}, "at least one address"),
        ({"addresses": [ADDRESS], "tokens": ["nope"]}, "token contract 'nope' is not an EVM address"),
        ({"addresses": [ADDRESS], "confirmation": 3}, "unknown wallet setting(s) confirmation"),
        ({"addresses": [ADDRESS], "confirmations": -1}, "confirmations must be a whole number"),
        ({"addresses": [ADDRESS], "rpc_url": "ftp://x"}, "rpc_url must be an http"),
    ],
)
def test_validate_names_what_is_wrong(settings, message):
    with pytest.raises(UserError) as error:
        WalletConnector().validate("ethereum", settings, {})
    assert message in str(error.value)


def test_validate_canonical_chain_and_lowercase_addresses():
    connector = WalletConnector()
    assert connector.validate("MATIC", {"addresses": [ADDRESS.lower()]}, {}) == "polygon"
    with pytest.raises(UserError, match="unknown chain 'solana'"):
        connector.validate("solana", {"addresses": [ADDRESS]}, {})
    with pytest.raises(UserError, match="its only credential is rpc_url"):
        connector.validate("ethereum", {"addresses": [ADDRESS]}, {"apiKey": "x"})


def test_cli_adds_one_integration_per_chain_in_one_group(cli, warehouse):
    assert cli("accounts", "add", "alice", "--timezone", "Europe/Vienna").code == 0
    result = cli("wallets", "add", "alice", "Ledger", "--address", ADDRESS.lower(), "--chain", "ethereum",
                 "--chain", "arb", "--rpc-url", "arbitrum=http://127.0.0.1:1/v2/KEY", "--confirmations", "5")
    assert result.code == 0, result
    from pipelines.registry.integrations import get_integration
    from pipelines.warehouse import connect

    with connect(warehouse) as con:
        rows = con.execute(
            "SELECT integration_id, name, provider, group_name, settings FROM app.integrations ORDER BY provider"
        ).fetchall()
    assert [r[:4] for r in rows] == [
        ("alice-ledger-arbitrum-one", "Ledger (Arbitrum One)", "arbitrum", "Ledger"),
        ("alice-ledger-ethereum", "Ledger (Ethereum)", "ethereum", "Ledger"),
    ]
    assert '"addresses": ["' + ADDRESS + '"]' in rows[0][4]  # stored checksummed
    assert "rpc_url" not in rows[0][4] + rows[1][4]  # the node URL may hold an API key: encrypted
    with connect(warehouse) as con:
        arbitrum, ethereum = (get_integration(con, r[0]) for r in rows)
    assert arbitrum.decrypted_credentials() == {"rpc_url": "http://127.0.0.1:1/v2/KEY"}
    assert "KEY" not in arbitrum.credentials and ethereum.credentials is None


def test_cli_error_leaves_the_registry_unchanged(cli, warehouse):
    assert cli("accounts", "add", "alice", "--timezone", "UTC").code == 0
    before = snapshot(warehouse)
    bad_address = cli("wallets", "add", "alice", "W", "--address", ADDRESS, "--address", TYPO, "--chain", "ethereum")
    assert bad_address.code == 2 and TYPO in bad_address.err
    bad_chain = cli("wallets", "add", "alice", "W", "--address", ADDRESS, "--chain", "ethereum", "--chain", "solana")
    assert bad_chain.code == 2 and "unknown chain 'solana'" in bad_chain.err
    ambiguous = cli("wallets", "add", "alice", "W", "--address", ADDRESS, "--chain", "ethereum", "--chain", "base",
                    "--rpc-url", "http://node")
    assert ambiguous.code == 2 and "CHAIN=" in ambiguous.err
    assert snapshot(warehouse) == before


def test_cli_lists_chains(cli):
    out = cli("wallets", "chains").out
    for chain in ("ethereum", "bsc", "polygon", "arbitrum", "optimism", "base", "avalanche"):
        assert chain in out
    assert "PIPELINES_RPC_ETHEREUM" in out


def test_manual_native_entry_books_against_the_synced_native_asset(wallets, chain):
    from pipelines.manual.entry import add_transaction
    from pipelines.warehouse import connect, transaction

    me = chain.new_address()
    start = chain.block + 1
    chain.send(chain.faucet, me, 10**18)
    integration = wallets.add("With manual", [me], start_block=start)
    wallets.sync(integration)
    with connect(wallets.warehouse) as con, transaction(con):
        add_transaction(con, integration, "2026-01-01 10:00", "Withdrawal", outgoing="0.25 eth", utc=True)
    wallets.sync(integration)
    rec = wallets.reconciliation(integration)
    assert set(rec) == {"ethereum:native"}  # not a separate 'ethereum:ETH' asset
    synced, calculated, status = rec["ethereum:native"]
    assert synced - calculated == 0.25 and status == "mismatch"


def test_node_url_credential_is_used_and_never_shown(wallets, chain, node_url):
    """A keyed URL kept as an encrypted credential reaches the node; an unreachable one fails the
    sync with an error that names the host only, and nothing is stored."""
    from pipelines.connectors.wallet.rpc import NodeUnreachable
    from pipelines.registry.integrations import add_integration
    from pipelines.warehouse import connect, transaction

    me = chain.new_address()
    start = chain.block + 1
    chain.send(chain.faucet, me, 5)
    settings = {"addresses": [me], "confirmations": 0, "start_block": start}
    with connect(wallets.warehouse) as con, transaction(con):
        good = add_integration(con, "alice", "Keyed", "wallet", "ethereum", settings=settings,
                               credentials={"rpc_url": node_url + "/"})
        bad = add_integration(con, "alice", "Down", "wallet", "ethereum", settings=settings,
                              credentials={"rpc_url": "http://127.0.0.1:9/v3/SECRET-KEY"})
    wallets.sync(good)
    assert wallets.assert_balanced(good)["ethereum:native"][0].scaleb(18) == 5
    with pytest.raises(NodeUnreachable) as error:
        wallets.sync(bad)
    assert "http://127.0.0.1:9" in str(error.value) and "SECRET" not in str(error.value)
    assert wallets.query("SELECT count(*) FROM raw.records WHERE integration_id = ?", [bad]) == [(0,)]
