"""One consistent read of a Bitcoin wallet: which addresses are used, their new confirmed
transactions and their funded/spent totals, all at one block height (the cut-off).

A pass reads the tip, then every address (explicit ones, then each key's receive and change chain
until `gap_limit` consecutive unused addresses), then the tip again. Esplora answers for the tip
of the moment, so a pass is consistent only when the tip did not move while it ran; otherwise the
next pass repeats the reads at the new tip (cheaply: what the previous pass learnt stops paging
early). The cut-off is the tip, or `confirmations - 1` blocks below it when a wallet wants to stay
clear of chain reorganisations; mempool transactions are never history.

Esplora's totals are those of the tip, so the synced balance at the cut-off is the tip's totals
minus what the transactions above the cut-off did to each address; those transactions are always
among the ones read (an address whose confirmed count did not change has none).

`Known` is the per-address cursor: how many confirmed transactions the address had at the last
cut-off and the newest of them. When the count has not changed the history is not read at all;
when it has, paging stops at the newest known transaction, so only new pages are fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.connectors.bitcoin.config import WalletConfig
from pipelines.connectors.bitcoin.esplora import Esplora
from pipelines.connectors.bitcoin.keys import CHANGE, RECEIVE, OwnAddress

MAX_PASSES = 5


@dataclass(frozen=True)
class Known:
    count: int
    newest: str


def effect(address: str, tx: dict[str, Any]) -> int:
    """Satoshi the transaction moved into (+) or out of (-) one address."""
    received = sum(out["value"] for out in tx["vout"] if out.get("scriptpubkey_address") == address)
    spent = sum(i["prevout"]["value"] for i in tx["vin"] if (i.get("prevout") or {}).get("scriptpubkey_address") == address)
    return received - spent


@dataclass
class Scan:
    """The result: `height` is the cut-off of both the history and the balance."""

    height: int = -1
    passes: int = 0
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)  # address -> chain_stats at the tip
    above_cut: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # address -> its txs above the cut-off
    owners: dict[str, OwnAddress] = field(default_factory=dict)
    txs: dict[str, dict[str, Any]] = field(default_factory=dict)  # txid -> Esplora tx
    known: dict[str, Known] = field(default_factory=dict)

    @property
    def used(self) -> list[OwnAddress]:
        return [self.owners[a] for a, s in self.totals.items() if s["tx_count"] > 0]

    @property
    def balance_sats(self) -> int:
        tip = sum(s["funded_txo_sum"] - s["spent_txo_sum"] for s in self.totals.values())
        return tip - sum(effect(a, tx) for a, txs in self.above_cut.items() for tx in txs)

    def history(self) -> list[dict[str, Any]]:
        """Confirmed transactions at or below the cut-off, oldest first."""
        kept = [tx for tx in self.txs.values() if tx["status"]["block_height"] <= self.height]
        return sorted(kept, key=lambda tx: (tx["status"]["block_height"], tx["txid"]))


def scan(client: Esplora, config: WalletConfig, known: dict[str, Known]) -> Scan:
    result = Scan(known=dict(known))
    tip = client.tip_height()
    for result.passes in range(1, MAX_PASSES + 1):
        result.height, result.totals, result.above_cut = tip - config.confirmations + 1, {}, {}
        _pass(client, config, result)
        after = client.tip_height()
        if after == tip:
            return result
        tip = after
    raise client.failure(f"the chain tip kept moving during {MAX_PASSES} passes (last {tip}); sync again later")


def _pass(client: Esplora, config: WalletConfig, result: Scan) -> None:
    for own in config.addresses:
        _visit(client, own, result)
    for key in config.keys:
        for branch in (RECEIVE, CHANGE):
            index = unused = 0
            while unused < config.gap_limit:
                unused = 0 if _visit(client, key.address(branch, index), result) else unused + 1
                index += 1


def _visit(client: Esplora, own: OwnAddress, result: Scan) -> bool:
    """Read one address's totals and, when its confirmed count changed, its new transactions."""
    address = own.address
    if address not in result.totals:
        result.owners.setdefault(address, own)
        totals = result.totals[address] = client.address_stats(address)["chain_stats"]
        known = result.known.get(address)
        if totals["tx_count"] > 0 and (known is None or known.count != totals["tx_count"]):
            found, met = client.confirmed_txs(address, known.newest if known else None)
            new = [tx for tx in found if tx["status"]["block_height"] <= result.height]
            result.above_cut[address] = [tx for tx in found if tx["status"]["block_height"] > result.height]
            result.txs.update((tx["txid"], tx) for tx in new)
            count = (known.count if known and met else 0) + len(new)
            newest = new[0]["txid"] if new else (known.newest if known and met else None)
            if newest is not None:
                result.known[address] = Known(count, newest)
    return result.totals[address]["tx_count"] > 0
