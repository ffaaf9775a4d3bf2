"""The Bitpanda imitation: the classic `api.bitpanda.com/v1` API over HTTP with a known history."""

from pipelines.imitations.bitpanda.server import BitpandaImitation

__all__ = ["BitpandaImitation"]
