"""A tiny UTXO ledger with blocks and a mempool, answering in Esplora's JSON shapes (the Blockbook
imitation renders the same ledger in its own shapes, for any coin of connectors/bitcoin/coins.py).

Transactions spend real outpoints (coin selection over an address's unspent outputs), pay an
explicit fee, and wait in the mempool until `mine()` puts them into the next block, so every
total the explorer reports (funded/spent per address, a transaction's fee) follows from the same
outputs the history shows. Thread-safe: the HTTP server reads while a test adds blocks.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pipelines.connectors.bitcoin.coins import Coin
from pipelines.connectors.bitcoin.keys import BITCOIN, parse_address

COINBASE_TXID = "0" * 64
#: Esplora's answer sizes: confirmed transactions per page, mempool transactions on the first page.
CHAIN_PAGE, MEMPOOL_PAGE = 25, 50


def _sha(text: str) -> str:
    return hashlib.sha256(hashlib.sha256(text.encode()).digest()).hexdigest()


@dataclass
class Tx:
    txid: str
    inputs: list[tuple[str, int]]  # spent outpoints; empty for a coinbase
    outputs: list[tuple[str, int]]  # (address, sats)
    fee: int
    height: int | None = None
    position: int = 0


@dataclass
class Block:
    height: int
    hash: str
    time: int
    txids: list[str] = field(default_factory=list)


class Chain:
    def __init__(self, *, coin: Coin = BITCOIN, start_height: int = 880_000, start_time: int = 1_735_689_600,
                 interval: int = 600) -> None:
        self.coin = coin
        self._lock = threading.RLock()
        self.interval = interval
        self.blocks: list[Block] = [Block(start_height, _sha(f"block:{start_height}"), start_time)]
        self.txs: dict[str, Tx] = {}
        self.mempool: list[str] = []
        self.unspent: dict[tuple[str, int], tuple[str, int]] = {}
        self.by_address: dict[str, list[str]] = defaultdict(list)

    @property
    def lock(self) -> threading.RLock:
        """Held while a whole answer is composed from several reads (the Blockbook imitation)."""
        return self._lock

    # -- building history -------------------------------------------------------------------

    @property
    def tip(self) -> Block:
        return self.blocks[-1]

    def _add(self, inputs: list[tuple[str, int]], outputs: list[tuple[str, int]], fee: int) -> str:
        txid = _sha(f"tx:{len(self.txs)}:{inputs}:{outputs}")
        tx = Tx(txid, inputs, outputs, fee)
        self.txs[txid] = tx
        for outpoint in inputs:
            address, _ = self.unspent.pop(outpoint)
            if txid not in self.by_address[address]:
                self.by_address[address].append(txid)
        for vout, (address, sats) in enumerate(outputs):
            parse_address(address, self.coin)  # only real addresses of the coin enter the ledger
            self.unspent[(txid, vout)] = (address, sats)
            if txid not in self.by_address[address]:
                self.by_address[address].append(txid)
        self.mempool.append(txid)
        return txid

    def coinbase(self, address: str, sats: int) -> str:
        """New coins for `address` (a miner's reward), confirmed by the next `mine()`."""
        with self._lock:
            return self._add([], [(address, sats)], 0)

    def utxos(self, address: str) -> list[tuple[tuple[str, int], int]]:
        with self._lock:
            return [(op, sats) for op, (a, sats) in self.unspent.items() if a == address]

    def pay(self, sources: list[str], outputs: list[tuple[str, int]], *, fee: int, change: str | None = None,
            inputs: list[tuple[str, int]] | None = None) -> str:
        """Spend `inputs` (or, oldest first, enough unspent outputs of `sources`) into `outputs`;
        what remains after the fee goes to `change` (default: the first source)."""
        with self._lock:
            need = sum(s for _, s in outputs) + fee
            chosen = list(inputs or [])
            total = sum(self.unspent[op][1] for op in chosen)
            for source in sources:
                for outpoint, sats in self.utxos(source):
                    if total >= need:
                        break
                    if outpoint not in chosen:
                        chosen.append(outpoint)
                        total += sats
            if total < need:
                raise ValueError(f"{sources} hold {total} sat, {need} needed")
            rest = total - need
            if rest:
                outputs = [*outputs, (change or sources[0], rest)]
            return self._add(chosen, outputs, fee)

    def mine(self, blocks: int = 1) -> int:
        """Confirm the mempool in the next block (then add empty blocks); returns the new tip height."""
        with self._lock:
            for _ in range(blocks):
                height = self.tip.height + 1
                block = Block(height, _sha(f"block:{height}"), self.tip.time + self.interval, list(self.mempool))
                for position, txid in enumerate(self.mempool):
                    self.txs[txid].height, self.txs[txid].position = height, position
                self.mempool.clear()
                self.blocks.append(block)
            return self.tip.height

    # -- Esplora JSON -------------------------------------------------------------------------

    def block(self, height: int) -> Block:
        return self.blocks[height - self.blocks[0].height]

    def _output(self, address: str, sats: int) -> dict[str, Any]:
        parsed = parse_address(address, self.coin)
        return {"scriptpubkey": parsed.scriptpubkey, "scriptpubkey_asm": "", "scriptpubkey_type": parsed.script_type,
                "scriptpubkey_address": parsed.address, "value": sats}

    def status(self, tx: Tx) -> dict[str, Any]:
        if tx.height is None:
            return {"confirmed": False}
        block = self.block(tx.height)
        return {"confirmed": True, "block_height": block.height, "block_hash": block.hash, "block_time": block.time}

    def tx_json(self, txid: str) -> dict[str, Any]:
        with self._lock:
            tx = self.txs[txid]
            if tx.inputs:
                vin = [{"txid": prev, "vout": n, "prevout": self._output(*self.txs[prev].outputs[n]),
                        "scriptsig": "", "scriptsig_asm": "", "witness": ["30" * 36, "02" + "11" * 32],
                        "is_coinbase": False, "sequence": 4294967293} for prev, n in tx.inputs]
            else:
                vin = [{"txid": COINBASE_TXID, "vout": 4294967295, "prevout": None,
                        "scriptsig": f"03{tx.txid[:6]}", "scriptsig_asm": "", "is_coinbase": True, "sequence": 4294967295}]
            vsize = 11 + 68 * len(vin) + 31 * len(tx.outputs)
            return {"txid": tx.txid, "version": 2, "locktime": 0, "vin": vin,
                    "vout": [self._output(a, s) for a, s in tx.outputs],
                    "size": vsize + 2 * len(vin), "weight": 4 * vsize, "fee": tx.fee, "status": self.status(tx)}

    def stats(self, address: str, txids: list[str]) -> dict[str, int]:
        funded = [s for t in txids for a, s in self.txs[t].outputs if a == address]
        spent = [self.txs[p].outputs[n][1] for t in txids for p, n in self.txs[t].inputs
                 if self.txs[p].outputs[n][0] == address]
        return {"funded_txo_count": len(funded), "funded_txo_sum": sum(funded),
                "spent_txo_count": len(spent), "spent_txo_sum": sum(spent), "tx_count": len(txids)}

    def address_json(self, address: str) -> dict[str, Any]:
        with self._lock:
            confirmed, pending = self.history(address)
            return {"address": address, "chain_stats": self.stats(address, confirmed),
                    "mempool_stats": self.stats(address, pending)}

    def history(self, address: str) -> tuple[list[str], list[str]]:
        """(confirmed txids newest first, mempool txids newest first)."""
        txids = self.by_address.get(address, [])
        confirmed = sorted((t for t in txids if self.txs[t].height is not None),
                           key=lambda t: (self.txs[t].height, self.txs[t].position), reverse=True)
        pending = [t for t in reversed(txids) if self.txs[t].height is None]
        return confirmed, pending

    def address_txs(self, address: str) -> list[dict[str, Any]]:
        """`/address/:a/txs`: up to 50 mempool transactions, then the first 25 confirmed."""
        with self._lock:
            confirmed, pending = self.history(address)
            return [self.tx_json(t) for t in pending[:MEMPOOL_PAGE] + confirmed[:CHAIN_PAGE]]

    def address_chain_txs(self, address: str, last_seen: str | None) -> list[dict[str, Any]]:
        """`/address/:a/txs/chain[/:last_seen_txid]`: the next 25 confirmed after `last_seen`."""
        with self._lock:
            confirmed, _ = self.history(address)
            start = confirmed.index(last_seen) + 1 if last_seen in confirmed else 0 if last_seen is None else len(confirmed)
            return [self.tx_json(t) for t in confirmed[start:start + CHAIN_PAGE]]

    def address_mempool_txs(self, address: str) -> list[dict[str, Any]]:
        with self._lock:
            return [self.tx_json(t) for t in self.history(address)[1][:MEMPOOL_PAGE]]

    def balance(self, addresses: set[str]) -> int:
        """Confirmed satoshi held by `addresses` (unspent outputs of mined transactions, minus mempool spends
        put back): what a test expects a sync to report."""
        with self._lock:
            held = sum(s for (txid, _), (a, s) in self.unspent.items() if a in addresses and self.txs[txid].height is not None)
            pending_spends = sum(self.txs[p].outputs[n][1] for t in self.mempool for p, n in self.txs[t].inputs
                                 if self.txs[p].outputs[n][0] in addresses and self.txs[p].height is not None)
            return held + pending_spends
