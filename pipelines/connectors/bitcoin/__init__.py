"""Bitcoin wallet integrations: addresses and extended public keys read through an Esplora API.

Modules: `keys` (address and xpub/ypub/zpub parsing and derivation, bip-utils), `config` (the
integration's settings), `esplora` (the REST client), `scan` (gap-limit discovery and history at
one tip height) and `connector` (the `Connector` the registry calls).
"""

from pipelines.connectors.bitcoin.connector import BitcoinConnector

__all__ = ["BitcoinConnector"]
