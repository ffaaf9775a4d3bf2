"""The Bitvavo imitation: `GET /v2/...` with Bitvavo's HMAC signing over HTTP and a known history."""

from pipelines.imitations.bitvavo.server import BitvavoImitation

__all__ = ["BitvavoImitation"]
