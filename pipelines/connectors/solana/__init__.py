"""Solana wallet integrations: one address (SOL, SPL and Token-2022 tokens, native staking) read
through Solana JSON-RPC.

Modules: `address` (base58 32-byte keys), `config` (the chain's constants, the integration's
settings and where its RPC URL comes from), `rpc` (the JSON-RPC client with backoff), `reads` (what
one sync asks the RPC) and `connector` (the `Connector` the registry calls).
"""

from pipelines.connectors.solana.connector import SolanaConnector

__all__ = ["SolanaConnector"]
