"""The Coinbase imitation: the v2 `api.coinbase.com/v2` account API over HTTP with a known history."""

from pipelines.imitations.coinbase.server import CoinbaseImitation

__all__ = ["CoinbaseImitation"]
