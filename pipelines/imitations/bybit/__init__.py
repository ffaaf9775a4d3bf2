"""Imitation of Bybit's v5 REST API (unified trading and funding accounts) for tests and the demo."""

from pipelines.imitations.bybit.server import BybitImitation

__all__ = ["BybitImitation"]
