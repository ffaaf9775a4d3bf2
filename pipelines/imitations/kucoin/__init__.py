"""The KuCoin imitation: KuCoin's signed spot account API over HTTP with a known history."""

from pipelines.imitations.kucoin.server import KucoinImitation

__all__ = ["KucoinImitation"]
