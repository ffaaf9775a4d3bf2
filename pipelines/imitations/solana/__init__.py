"""A Solana JSON-RPC imitation over a generated Solana history, for tests and the demo."""

from pipelines.imitations.solana.server import SolanaImitation

__all__ = ["SolanaImitation"]
