"""One consistent read of a Bitcoin wallet: which addresses are used, their new confirmed
transactions and their funded/spent totals, all at one tip height.

A pass reads the tip, then every address (explicit ones, then each key's receive and change chain
until `gap_limit` consecutive unused addresses), then the tip again. Esplora answers for the tip
of the moment, so a pass is consistent only when the tip did not move while it ran; otherwise the
next pass repeats the reads at the new tip (cheaply: what the previous pass learnt stops paging
early). Only confirmed transactions at or below the pass's height are history; mempool ones wait
for a later sync.

`Known` is the per-address cursor: how many confirmed transactions the address had and the newest
of them. When an address's confirmed count has not changed its history is not read at all; when it
has, paging stops at the newest known transaction, so only new pages are fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.connectors.bitcoin.config import WalletConfig
from pipelines.connectors.bitcoin.esplora import Esplora, EsploraError
from pipelines.connectors.bitcoin.keys import CHANGE, RECEIVE, OwnAddress

MAX_PASSES = 5


@dataclass(frozen=True)
class Known:
    count: int
    newest: str


@dataclass
class Scan:
    """The result: `height` is the cut-off of both the history and the totals."""

    height: int = -1
    passes: int = 0
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)  # address -> chain_stats
    owners: dict[str, OwnAddress] = field(default_factory=dict)
    txs: dict[str, dict[str, Any]] = field(default_factory=dict)  # txid -> Esplora tx
    known: dict[str, Known] = field(default_factory=dict)

    @property
    def used(self) -> list[OwnAddress]:
        return [self.owners[a] for a, s in self.totals.items() if s["tx_count"] > 0]

    @property
    def balance_sats(self) -> int:
        return sum(s["funded_txo_sum"] - s["spent_txo_sum"] for s in self.totals.values())

    def history(self) -> list[dict[str, Any]]:
        """Confirmed transactions at or below the cut-off, oldest first."""
        kept = [tx for tx in self.txs.values() if tx["status"]["block_height"] <= self.height]
        return sorted(kept, key=lambda tx: (tx["status"]["block_height"], tx["txid"]))


def scan(client: Esplora, config: WalletConfig, known: dict[str, Known]) -> Scan:
    result = Scan(known=dict(known))
    height = client.tip_height()
    for result.passes in range(1, MAX_PASSES + 1):
        result.height, result.totals = height, {}
        _pass(client, config, result)
        height = client.tip_height()
        if height == result.height:
            return result
    raise EsploraError(f"the chain tip kept moving during {MAX_PASSES} passes (last {height}); sync again later")


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
            result.txs.update((tx["txid"], tx) for tx in new)
            count = (known.count if known and met else 0) + len(new)
            newest = new[0]["txid"] if new else (known.newest if known and met else None)
            if newest is not None:
                result.known[address] = Known(count, newest)
    return result.totals[address]["tx_count"] > 0
