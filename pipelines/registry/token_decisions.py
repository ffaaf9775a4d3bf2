"""The user's last word on a wallet token: trust it or ignore it, over every automatic spam rule.

Kept per integration in `app.token_decisions` (raw.token_metadata reads it first), so a decision in
one wallet never changes another wallet's, or another account's, results. The next build of the
integration applies it.
"""

from __future__ import annotations

from pipelines.connectors.wallet.addresses import checked_address
from pipelines.errors import UserError
from pipelines.registry.integrations import get_integration
from pipelines.timeutil import utc_now

DECISIONS = ("trust", "ignore")


def decide(con, integration_id: str, contract: str, decision: str | None) -> str:
    """Record `decision` (trust | ignore; None gives the token back to the automatic rules) for one
    token of a wallet integration (the caller owns the transaction); returns the token's asset id."""
    integration = get_integration(con, integration_id)
    if integration.kind != "wallet":
        raise UserError(f"integration {integration_id!r} is a {integration.kind} integration: only wallets have tokens")
    if decision is not None and decision not in DECISIONS:
        raise UserError(f"a token decision is one of {', '.join(DECISIONS)}, not {decision!r}")
    asset_id = _token_asset_id(con, integration.provider, contract)
    con.execute("DELETE FROM app.token_decisions WHERE integration_id = ? AND asset_id = ?", [integration_id, asset_id])
    if decision is not None:
        con.execute("INSERT INTO app.token_decisions VALUES (?, ?, ?, ?)", [integration_id, asset_id, decision, utc_now()])
    return asset_id


def _token_asset_id(con, provider: str, contract: str) -> str:
    """The asset id of a typed token contract: an EVM one checked against EIP-55 and lower case; on
    another chain as the chain spells it (base58 is case-sensitive: a token the chain's wallets have
    seen may be typed in any case, the asset_id macro finds it; any other must be a valid address)."""
    from pipelines.chains import get_network

    network = get_network(provider)
    if network.kind == "evm":
        return f"{provider}:{checked_address(contract, 'token contract').lower()}"
    if network.kind == "utxo":
        raise UserError(f"a {network.name} wallet has no tokens")
    asset_id, seen = con.execute(
        "SELECT a, a IN (SELECT asset_id FROM raw.token_facts) FROM (SELECT asset_id('wallet', ?, ?) AS a)",
        [provider, str(contract).strip()],
    ).fetchone()
    if not seen and network.kind == "tron":
        from pipelines.connectors.tron.address import parse_address

        asset_id = f"{provider}:{parse_address(contract).base58}"
    return asset_id
