"""A TronGrid (v1 REST API) imitation over a generated Tron history, for tests."""

from pipelines.imitations.tron.server import TronGridImitation

__all__ = ["TronGridImitation"]
