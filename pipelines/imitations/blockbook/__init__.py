"""A Blockbook (REST API v2) imitation over a generated UTXO history of one coin, for tests and the demo."""

from pipelines.imitations.blockbook.server import BlockbookImitation

__all__ = ["BlockbookImitation"]
