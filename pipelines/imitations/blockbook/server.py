"""The Blockbook imitation: an HTTP server on 127.0.0.1 serving the generated history of one coin
(the Esplora imitation's ledger and scenario, `wallet` on the coin) in Blockbook's v2 shapes.

Paths and answers follow trezor/blockbook's docs/api.md: `/api` (status: `blockbook.coin`,
`bestHeight`), `/api/v2/block-index/<height>`, `/api/v2/tx/<txid>` and
`/api/v2/address/<a>?details=basic|txids|txs&page=&pageSize=` (mempool transactions first, then
confirmed ones newest first; `page`, `totalPages`, `itemsOnPage`; pageSize at most 1000, a page out
of range answers the closest one). As the real API does, amounts are strings of the smallest unit
and empty fields (0, "", [] and null) are left out. Request counting, the n-th-request action and
faults (`fail`: 429 with Retry-After, 5xx) are the Esplora imitation's.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pipelines.connectors.bitcoin.keys import parse_address
from pipelines.imitations.esplora.chain import Tx
from pipelines.imitations.esplora.scenario import Wallet
from pipelines.imitations.esplora.server import EsploraImitation

MAX_PAGE_SIZE = 1000

_ROUTES = (
    ("status", re.compile(r"^/api/?$")),
    ("block_index", re.compile(r"^/api/v2/block-index/(\d+)$")),
    ("address", re.compile(r"^/api/v2/address/([^/]+)$")),
    ("tx", re.compile(r"^/api/v2/tx/([0-9a-f]{64})$")),
)


#: Fields Blockbook always writes, even when 0 or false (an input's or output's position `n`).
_ALWAYS = frozenset({"n", "isAddress"})


def _lean(value: Any) -> Any:
    """Blockbook leaves empty fields out: 0, false, "", null, [] and {} (amount strings such as "0" stay)."""
    if isinstance(value, dict):
        kept = {k: _lean(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if k in _ALWAYS or v not in (0, "", None, [], {})}
    if isinstance(value, list):
        return [_lean(v) for v in value]
    return value


def _json(body: Any) -> tuple[int, str, bytes]:
    return 200, "application/json", json.dumps(_lean(body)).encode()


class BlockbookImitation(EsploraImitation):
    """Use as a context manager; `url` is the base URL to configure (`blockbook_url`)."""

    name = "blockbook"
    routes = _ROUTES
    invalid_address = (400, "application/json", b'{"error":"Invalid address, decoding failed"}')

    def __init__(self, wallet: Wallet, *, api_key: str | None = None, port: int = 0) -> None:
        """`api_key`: served under `/<key>/api/...` only, as hosted Blockbooks put the key in the path."""
        super().__init__(port=port, wallet=wallet)
        self.api_key = api_key

    @property
    def url(self) -> str:
        return f"{super().url}/{self.api_key}" if self.api_key else super().url

    def counted_as(self, route: str, query: dict[str, str]) -> str:
        """`address` for a balance read (details=basic), `address_txs` for a page of transactions."""
        if route == "address" and query.get("details", "txids") not in ("basic", "tokens", "tokenBalances"):
            return "address_txs"
        return route

    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        parts = urlsplit(request.path)
        path = unquote(parts.path)
        if self.api_key:
            if not path.startswith(f"/{self.api_key}/"):
                return 403, "application/json", b'{"error":"invalid API key"}', {}
            path = path[len(self.api_key) + 1:]
        return self.answer(path, dict(parse_qsl(parts.query)))

    def _route(self, route: str, *args: str | None, query: dict[str, str]) -> tuple[int, str, bytes]:
        chain = self.chain
        with chain.lock:
            if route == "status":
                tip = chain.tip
                return _json({"blockbook": {"coin": chain.coin.blockbook_coin, "version": "0.4.0", "inSync": True,
                                            "bestHeight": tip.height, "decimals": 8, "inSyncMempool": True,
                                            "mempoolSize": len(chain.mempool)},
                              "backend": {"chain": "main", "blocks": tip.height, "headers": tip.height,
                                          "bestBlockHash": tip.hash}})
            if route == "block_index":
                offset = int(args[0]) - chain.blocks[0].height
                if not 0 <= offset < len(chain.blocks):
                    return 400, "application/json", b'{"error":"Block not found"}'
                return _json({"blockHash": chain.blocks[offset].hash})
            if route == "tx":
                return _json(self.tx_json(chain.txs[args[0]]))
            return _json(self._address(parse_address(args[0], chain.coin).address, query))

    def tx_json(self, tx: Tx) -> dict[str, Any]:
        """A transaction as Blockbook's `/api/v2/tx/<txid>` (and each entry of `details=txs`) answers it."""
        chain = self.chain
        if tx.inputs:
            vin = [{"txid": prev, "vout": n, "sequence": 4294967293, "n": i,
                    "addresses": [chain.txs[prev].outputs[n][0]], "isAddress": True,
                    "value": str(chain.txs[prev].outputs[n][1])} for i, (prev, n) in enumerate(tx.inputs)]
        else:
            vin = [{"n": 0, "coinbase": f"03{tx.txid[:6]}", "sequence": 4294967295, "isAddress": False}]
        spent = {op for t in chain.txs.values() for op in t.inputs}
        vout = [{"value": str(sats), "n": n, "spent": (tx.txid, n) in spent,
                 "hex": parse_address(address, chain.coin).scriptpubkey, "addresses": [address], "isAddress": True}
                for n, (address, sats) in enumerate(tx.outputs)]
        confirmed = tx.height is not None
        block = chain.block(tx.height) if confirmed else chain.tip
        value_in = sum(int(i["value"]) for i in vin if "value" in i)
        return {"txid": tx.txid, "version": 2, "vin": vin, "vout": vout,
                "blockHash": block.hash if confirmed else None,
                "blockHeight": tx.height if confirmed else -1,
                "confirmations": chain.tip.height - tx.height + 1 if confirmed else 0,
                "blockTime": block.time,  # for a mempool transaction: when this instance first saw it
                "size": 10 + 148 * len(vin) + 34 * len(vout), "vsize": 10 + 68 * len(vin) + 31 * len(vout),
                "value": str(sum(s for _, s in tx.outputs)), "valueIn": str(value_in) if tx.inputs else None,
                "fees": str(tx.fee), "hex": f"02000000{tx.txid}"}

    def _address(self, address: str, query: dict[str, str]) -> dict[str, Any]:
        chain = self.chain
        confirmed, pending = chain.history(address)
        done, waiting = chain.stats(address, confirmed), chain.stats(address, pending)
        body: dict[str, Any] = {
            "address": address,
            "balance": str(done["funded_txo_sum"] - done["spent_txo_sum"]),
            "totalReceived": str(done["funded_txo_sum"]), "totalSent": str(done["spent_txo_sum"]),
            "unconfirmedBalance": str(waiting["funded_txo_sum"] - waiting["spent_txo_sum"]),
            "unconfirmedTxs": len(pending), "txs": len(confirmed),
        }
        details = query.get("details", "txids")
        if details in ("basic", "tokens", "tokenBalances"):
            return body
        size = min(max(int(query.get("pageSize") or MAX_PAGE_SIZE), 1), MAX_PAGE_SIZE)
        listed = pending + confirmed
        pages = -(-len(listed) // size)
        page = min(max(int(query.get("page") or 1), 1), max(pages, 1))  # out of range: the closest page
        shown = listed[(page - 1) * size:page * size]
        body = {"page": page, "totalPages": pages, "itemsOnPage": size, **body}
        if details == "txs":
            body["transactions"] = [self.tx_json(chain.txs[t]) for t in shown]
        else:
            body["txids"] = shown
        return body
