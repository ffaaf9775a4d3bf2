"""Adding one wallet on several EVM chains: the same address is a separate account on each chain,
so each chain gets its own integration (its own cursor, balances and mismatches), and the
integrations share a group so the user sees them as one wallet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipelines.chains import get_chain
from pipelines.connectors.wallet.addresses import checked_addresses
from pipelines.connectors.wallet.connector import RPC_URL_CREDENTIAL
from pipelines.errors import UserError


def add_wallet(
    con, account_id: str, name: str, addresses: Sequence[str], chains: Sequence[str], *,
    group: str | None = None, integration_id: str | None = None, rpc_urls: Mapping[str, str] | None = None,
    tokens: Mapping[str, Sequence[str]] | None = None, settings: Mapping[str, Any] | None = None,
) -> list[str]:
    """Register one integration per chain (named `NAME (Chain)` when there are several) in the
    caller's transaction; returns their ids (`integration_id`, or `<integration_id>-<chain>` each
    with several chains; by default from the account and name). Everything is checked before the
    first insert."""
    from pipelines.registry.integrations import add_integration

    keys = [get_chain(c).key for c in chains]
    if not keys:
        raise UserError("name at least one chain (see `pipelines wallets chains`)")
    if len(set(keys)) != len(keys):
        raise UserError("a chain is named twice")
    addresses = checked_addresses(addresses)
    if not addresses:
        raise UserError("a wallet needs at least one address")
    group = group or name
    ids = []
    for key in keys:
        chain = get_chain(key)
        own = {**(settings or {}), "addresses": addresses}
        if (tokens or {}).get(key):
            own["tokens"] = checked_addresses(tokens[key], "token contract")
        # A node URL often carries an API key: it is stored encrypted, like an exchange's secret.
        secret = {RPC_URL_CREDENTIAL: rpc_urls[key]} if (rpc_urls or {}).get(key) else {}
        label = name if len(keys) == 1 else f"{name} ({chain.name})"
        own_id = integration_id and (integration_id if len(keys) == 1 else f"{integration_id}-{key}")
        ids.append(add_integration(con, account_id, label, "wallet", key, integration_id=own_id, group_name=group,
                                   settings=own, credentials=secret))
    return ids


def per_chain(values: Sequence[str] | None, chains: Sequence[str], what: str, *, secret: bool = False) -> dict[str, list[str]]:
    """`[CHAIN=]VALUE` options by chain key: a bare VALUE is allowed when only one chain is named.
    A `secret` value (a node URL may carry an API key) is never repeated in an error."""
    keys = [get_chain(c).key for c in chains]
    out: dict[str, list[str]] = {}
    for value in values or []:
        prefix, sep, rest = value.partition("=")
        shown = "…" if secret else repr(value)
        if sep and not prefix.startswith(("http", "0x")):
            key = get_chain(prefix).key
            if key not in keys:
                raise UserError(f"{what} {shown} is for {key}, which is not among the wallet's chains")
            out.setdefault(key, []).append(rest)
        elif len(keys) == 1:
            out.setdefault(keys[0], []).append(value)
        else:
            raise UserError(f"{what} {shown}: with several chains write CHAIN=" + ("URL" if secret else value))
    return out
