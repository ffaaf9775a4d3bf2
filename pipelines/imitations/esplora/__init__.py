"""An Esplora (Bitcoin explorer REST API) imitation over a generated UTXO history, for tests and the demo."""

from pipelines.imitations.esplora.server import EsploraImitation

__all__ = ["EsploraImitation"]
