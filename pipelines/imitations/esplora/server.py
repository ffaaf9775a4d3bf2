"""The Esplora imitation: an HTTP server on 127.0.0.1 serving the generated history.

Paths and answers follow the real REST API (`/blocks/tip/height`, `/address/:a`,
`/address/:a/txs`, `/address/:a/txs/chain/:last_seen_txid`, `/tx/:txid`, ...). Every request is
counted by route so tests can assert how much a sync read; `on_request` runs a test's action at
the n-th request (a block found while a sync is running); `fail` answers the next requests with
an error the way public explorers do (429 with Retry-After when rate-limited, 5xx when down).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from pipelines.connectors.bitcoin.keys import parse_address
from pipelines.errors import UserError
from pipelines.imitations.esplora.chain import Chain
from pipelines.imitations.esplora.scenario import BITCOIN_WALLET, History, Wallet, generate
from pipelines.imitations.local_server import LocalServer

_ROUTES = (
    ("tip_height", re.compile(r"^/blocks/tip/height$")),
    ("tip_hash", re.compile(r"^/blocks/tip/hash$")),
    ("block_height", re.compile(r"^/block-height/(\d+)$")),
    ("address", re.compile(r"^/address/([^/]+)$")),
    ("address_txs", re.compile(r"^/address/([^/]+)/txs$")),
    ("address_txs_chain", re.compile(r"^/address/([^/]+)/txs/chain(?:/([0-9a-f]{64}))?$")),
    ("address_txs_mempool", re.compile(r"^/address/([^/]+)/txs/mempool$")),
    ("tx", re.compile(r"^/tx/([0-9a-f]{64})$")),
    ("tx_status", re.compile(r"^/tx/([0-9a-f]{64})/status$")),
)


class EsploraImitation(LocalServer):
    """Use as a context manager; `url` is the base URL to configure (`esplora_url`)."""

    name = "esplora"
    routes = _ROUTES
    #: The answer to an address the explorer cannot parse.
    invalid_address: tuple[int, str, bytes] = (400, "text/plain", b"Invalid Bitcoin address")

    def __init__(self, *, port: int = 0, wallet: Wallet = BITCOIN_WALLET) -> None:
        self.wallet = wallet
        self.chain = Chain(coin=wallet.coin)
        self.history: History = generate(self.chain, wallet)
        self._failures: list[tuple[int, dict[str, str]]] = []
        super().__init__(port)

    def fail(self, status: int, times: int = 1, *, retry_after: str | None = None) -> None:
        """Answer the next `times` requests with `status` (and a Retry-After header when given)."""
        with self._lock:
            self._failures.extend([(status, {"Retry-After": retry_after} if retry_after else {})] * times)

    def answer(self, path: str, query: dict[str, str] | None = None) -> tuple[int, str, bytes, dict[str, str]]:
        """Count the request on its route, fail it when a fault is due, else answer it (`_route`)."""
        for route, pattern in self.routes:
            match = pattern.match(path)
            if match:
                break
        else:
            return 404, "text/plain", b"Not Found", {}
        with self._lock:
            action = self._count(self.counted_as(route, query or {}))
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return failure[0], "text/plain", b"Too Many Requests" if failure[0] == 429 else b"Server Error", failure[1]
        if action is not None:
            action()
        try:
            return *self._route(route, *match.groups(), query=query or {}), {}
        except UserError:
            return *self.invalid_address, {}
        except KeyError:
            return 404, "text/plain", b"Transaction not found", {}

    def counted_as(self, route: str, query: dict[str, str]) -> str:
        """The name a request is counted under: its route (Blockbook tells reads apart by query)."""
        return route

    def _route(self, route: str, *args: str | None, query: dict[str, str]) -> tuple[int, str, bytes]:
        chain = self.chain
        if route == "tip_height":
            return 200, "text/plain", str(chain.tip.height).encode()
        if route == "tip_hash":
            return 200, "text/plain", chain.tip.hash.encode()
        if route == "block_height":
            height = int(args[0]) - chain.blocks[0].height
            if not 0 <= height < len(chain.blocks):
                return 404, "text/plain", b"Block not found"
            return 200, "text/plain", chain.blocks[height].hash.encode()
        if route.startswith("address"):
            address = parse_address(args[0]).address
            body = {
                "address": lambda: chain.address_json(address),
                "address_txs": lambda: chain.address_txs(address),
                "address_txs_chain": lambda: chain.address_chain_txs(address, args[1]),
                "address_txs_mempool": lambda: chain.address_mempool_txs(address),
            }[route]()
        elif route == "tx":
            body = chain.tx_json(args[0])
        else:
            body = chain.status(chain.txs[args[0]])
        return 200, "application/json", json.dumps(body).encode()

    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        return self.answer(urlsplit(request.path).path)
