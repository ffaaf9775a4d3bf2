"""A small client for Blockbook's REST API v2 (the indexer behind Trezor Suite, run for Litecoin,
Dogecoin, Bitcoin Cash and Bitcoin), answering the gap-limit scan (`scan.py`) what it asks Esplora.

`/api` gives the tip (`blockbook.bestHeight`) and the coin the instance indexes, so a Blockbook of
another coin is refused before any address is read. `/api/v2/address/<a>?details=basic` gives an
address's confirmed totals; `details=txs&page=N&pageSize=M` its transactions, mempool first and
then confirmed ones newest first, `totalPages` saying when to stop. Paging stops early at the
newest transaction the caller already knows, so an incremental sync reads only new pages.

Blockbook sends amounts as strings of satoshi (litoshi, koinu); they become integers here. A
transaction is handed on in the field names Esplora uses (`vin[].prevout.scriptpubkey_address`,
`vout[].value`, `fee`, `status.block_height`), which is what the scan and
sql/normalize/wallet/bitcoin.sql read: one scan and one normalize query for every UTXO coin.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import quote

from pipelines.connectors.bitcoin.coins import Coin
from pipelines.connectors.bitcoin.esplora import Esplora, EsploraError
from pipelines.errors import UserError


class BlockbookError(EsploraError):
    """The Blockbook failed or answered something unusable (the sync fails and changes nothing)."""


def _output(addresses: list[str] | None, value: str | None) -> dict[str, Any]:
    return {"scriptpubkey_address": (addresses or [None])[0], "value": int(value or 0)}


def as_esplora(tx: dict[str, Any]) -> dict[str, Any]:
    """A confirmed Blockbook transaction in Esplora's field names (amounts as integers)."""
    vin = [{"txid": i.get("txid"), "vout": i.get("vout"), "is_coinbase": "coinbase" in i,
            "prevout": None if "coinbase" in i else _output(i.get("addresses"), i.get("value"))}
           for i in tx["vin"]]
    return {"txid": tx["txid"], "vin": vin, "vout": [_output(o.get("addresses"), o.get("value")) for o in tx["vout"]],
            "fee": int(tx.get("fees") or 0),
            "status": {"confirmed": True, "block_height": tx["blockHeight"], "block_hash": tx.get("blockHash"),
                       "block_time": tx["blockTime"]}}


class Blockbook(Esplora):
    """Esplora's retrying GET (429/5xx backed off), Blockbook's paths and answers."""

    page_size: ClassVar[int] = 1000  # Blockbook's maximum: the fewest requests
    failure = BlockbookError

    def __init__(self, base_url: str, coin: Coin, *, timeout: float = 30.0) -> None:
        super().__init__(base_url, timeout=timeout)
        self.coin = coin

    def _json(self, path: str) -> Any:
        return json.loads(self._get(path))

    def tip_height(self) -> int:
        status = self._json("/api")["blockbook"]
        if status.get("coin") != self.coin.blockbook_coin:
            raise UserError(f"the Blockbook at this URL indexes {status.get('coin')!r}, not {self.coin.label}")
        return int(status["bestHeight"])

    def address_stats(self, address: str) -> dict[str, Any]:
        """Esplora's `chain_stats` from Blockbook's confirmed totals."""
        found = self._json(f"/api/v2/address/{quote(address)}?details=basic")
        return {"chain_stats": {"funded_txo_sum": int(found["totalReceived"]), "spent_txo_sum": int(found["totalSent"]),
                                "tx_count": int(found.get("txs") or 0)}}

    def confirmed_txs(self, address: str, stop_at: str | None = None) -> tuple[list[dict[str, Any]], bool]:
        """The address's confirmed transactions newer than `stop_at`, newest first, and whether it was met."""
        found: list[dict[str, Any]] = []
        seen: set[str] = set()  # a transaction mined between two reads shifts the pages by one
        page = 1
        while True:
            answer = self._json(f"/api/v2/address/{quote(address)}?details=txs&page={page}&pageSize={self.page_size}")
            for tx in answer.get("transactions") or []:
                if tx.get("blockHeight", -1) <= 0:
                    continue  # in the mempool: not history
                if tx["txid"] == stop_at:
                    return found, True
                if tx["txid"] not in seen:
                    seen.add(tx["txid"])
                    found.append(as_esplora(tx))
            if page >= int(answer.get("totalPages") or 1):
                return found, False
            page += 1
