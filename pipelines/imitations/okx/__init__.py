"""The OKX imitation: API v5's account, funding, fills and bill-archive endpoints over HTTP with a
known history of both accounts."""

from pipelines.imitations.okx.server import OkxImitation

__all__ = ["OkxImitation"]
