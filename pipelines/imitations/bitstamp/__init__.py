"""The Bitstamp imitation: `POST /api/v2/...` with v2 (X-Auth) signing over HTTP and a known history."""

from pipelines.imitations.bitstamp.server import BitstampImitation

__all__ = ["BitstampImitation"]
