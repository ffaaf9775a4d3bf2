"""Exchange imitation: Binance and Kraken REST APIs over seeded account histories (see server.py)."""

from pipelines.imitations.exchange.server import ExchangeImitation, credentials_for

__all__ = ["ExchangeImitation", "credentials_for"]
