"""Tron wallet integrations: one address read through the TronGrid REST API.

Modules: `address` (base58check parsing and the hex form TronGrid answers in), `config` (the
integration's settings and where its API URL and key come from), `trongrid` (the REST client with
fingerprint paging) and `connector` (the `Connector` the registry calls).
"""

from pipelines.connectors.tron.connector import TronConnector

__all__ = ["TronConnector"]
