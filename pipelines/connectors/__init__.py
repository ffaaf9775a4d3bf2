"""One connector per integration kind, behind the interface in `base.py`.

Connectors import heavy libraries (ccxt, web3), so they are looked up by kind and imported only
when an integration of that kind is validated or synced.
"""

from __future__ import annotations

from importlib import import_module

from pipelines.connectors.base import Connector
from pipelines.errors import UserError

KINDS: dict[str, str] = {
    "manual": "pipelines.connectors.manual:ManualConnector",
    "exchange": "pipelines.connectors.exchange:ExchangeConnector",
    "wallet": "pipelines.connectors.wallet:WalletConnector",
}


def connector_for(kind: str) -> Connector:
    """The connector that reads integrations of this kind."""
    try:
        target = KINDS[kind]
    except KeyError:
        raise UserError(f"unknown integration kind {kind!r}: choose one of {', '.join(KINDS)}") from None
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)()
