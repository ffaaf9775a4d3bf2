"""One connector per integration kind, behind the interface in `base.py`.

Connectors import heavy libraries (ccxt, web3), so they are looked up by name and imported only
when an integration of that kind is validated or synced. A provider that needs its own reader
within a kind (Bitcoin, Tron and Solana among the EVM chains of `wallet`) has an entry `kind/provider`; its name is
also the `sql/normalize/<name>.sql` file that turns its raw records into transactions. The UTXO
coins beside Bitcoin (connectors/bitcoin/coins.py) are read and normalized as Bitcoin is.
"""

from __future__ import annotations

from importlib import import_module

from pipelines.connectors.base import Connector
from pipelines.errors import UserError

KINDS = ("exchange", "wallet", "manual")

CONNECTORS: dict[str, str] = {
    "manual": "pipelines.connectors.manual:ManualConnector",
    "exchange": "pipelines.connectors.exchange:ExchangeConnector",
    "wallet": "pipelines.connectors.wallet:WalletConnector",
    "wallet/bitcoin": "pipelines.connectors.bitcoin:BitcoinConnector",
    "wallet/tron": "pipelines.connectors.tron:TronConnector",
    "wallet/solana": "pipelines.connectors.solana:SolanaConnector",
}
#: Providers read by another provider's connector, sync and normalize query (one code path).
SAME_AS = {f"wallet/{coin}": "wallet/bitcoin" for coin in ("litecoin", "dogecoin", "bitcoin-cash")}


def connector_name(kind: str, provider: str | None) -> str:
    """`kind/provider` where that provider has its own connector, else the kind."""
    if kind not in KINDS:
        raise UserError(f"unknown integration kind {kind!r}: choose one of {', '.join(KINDS)}")
    special = f"{kind}/{(provider or '').strip().lower()}"
    special = SAME_AS.get(special, special)
    return special if special in CONNECTORS else kind


def connector_for(kind: str, provider: str | None = None) -> Connector:
    """The connector that reads integrations of this kind and provider."""
    module, _, name = CONNECTORS[connector_name(kind, provider)].partition(":")
    return getattr(import_module(module), name)()


def source_errors() -> tuple[type[Exception], ...]:
    """What connectors raise when their source fails as sources do (a rejected key is a UserError):
    an exchange, node or Esplora API that stays down or answers with an error. Worded without
    secrets by the connectors; anything else is a bug."""
    from pipelines.connectors.bitcoin.esplora import EsploraError
    from pipelines.connectors.exchange.client import ExchangeUnavailable
    from pipelines.connectors.solana.rpc import SolanaRpcError
    from pipelines.connectors.tron.trongrid import TronGridError
    from pipelines.connectors.wallet.rpc import NodeUnreachable, RpcError

    return ExchangeUnavailable, NodeUnreachable, RpcError, EsploraError, TronGridError, SolanaRpcError
