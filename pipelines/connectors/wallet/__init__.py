"""Wallet integrations on EVM chains: public addresses read through a JSON-RPC node with web3.

Modules: `addresses` (EIP-55 checks), `rpc` (raw JSON-RPC with batching), `ranges` (block windows
that adapt to provider limits), `history` (native and token transfers, receipts), `tokens` (token
metadata and balances), `connector` (the `Connector` that ties them together), `registration` (one
wallet on several chains), `devnode` (an anvil node for tests and the demo). web3 is imported only inside the functions that talk to a node.
"""

from pipelines.connectors.wallet.connector import WalletConnector

__all__ = ["WalletConnector"]
