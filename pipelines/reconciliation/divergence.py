"""Where a wallet's history stops agreeing with the chain: a binary search over historical balances.

For each mismatched asset the chain's balance at the cut-off block differs from the calculated
one. A missing or extra transaction changes the difference from its block on, so the first block
where `balance_at(block)` (eth_getBalance / balanceOf at that block) differs from the calculated
running balance is found in log2(blocks) historical reads. With several faults the search lands on
one of them (the first when the differences do not cancel out).

The search runs with the warehouse closed (network reads can be slow); the result is written in one
short transaction into marts.divergence_points (method 'chain_balance').
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from pipelines.sqlfiles import sql

METHOD = "chain_balance"


@dataclass(frozen=True)
class Step:
    """The calculated running balance after `block`, and the transactions booked in that block."""

    block: int
    running: Decimal
    transactions: str | None


def calculated_at(steps: list[Step], block: int) -> Decimal:
    """The calculated balance after `block` (steps sorted by block)."""
    i = bisect.bisect_right([s.block for s in steps], block)
    return steps[i - 1].running if i else Decimal(0)


def first_divergence(lo: int, hi: int, balance_at: Callable[[int], Decimal | None],
                     calculated: Callable[[int], Decimal]) -> int | None:
    """The first block in [lo, hi] where the source's balance differs from the calculated one;
    None when they agree at `hi` (or the source cannot tell). Reads about log2(hi - lo) balances."""
    def agrees(block: int) -> bool:
        return balance_at(block) == calculated(block)

    if hi < lo or agrees(hi):
        return None
    if not agrees(lo):
        return lo
    while hi - lo > 1:  # invariant: agrees at lo, differs at hi
        mid = (lo + hi) // 2
        if agrees(mid):
            lo = mid
        else:
            hi = mid
    return hi


def around(steps: list[Step], block: int) -> tuple[Step | None, Step | None]:
    """The last recorded step before `block` and the first at or after it."""
    i = bisect.bisect_left([s.block for s in steps], block)
    return (steps[i - 1] if i else None), (steps[i] if i < len(steps) else None)


def locate(warehouse: str, integration_id: str, log=None) -> int:
    """Find and store the divergence point of every mismatched asset of a wallet integration;
    returns how many were found (0 for other kinds). A node without the historical state (not an
    archive node) cannot answer: that asset is skipped with a warning, the sync itself stands."""
    from pipelines.connectors import connector_name
    from pipelines.connectors.wallet import tokens as token_calls
    from pipelines.connectors.wallet.connector import WalletSettings, node_for
    from pipelines.connectors.wallet.rpc import RpcError
    from pipelines.registry.integrations import get_integration
    from pipelines.warehouse import connect, transaction

    params = {"integration_id": integration_id}
    with connect(warehouse) as con:
        integration = get_integration(con, integration_id)
        if connector_name(integration.kind, integration.provider) != "wallet":
            return 0  # EVM wallets only: Esplora (Bitcoin) has no balance-at-block query
        assets = con.execute(sql("reconciliation/chain_assets"), params).fetchall()
        steps: dict[str, list[Step]] = {}
        for asset_id, block, running, transactions in con.execute(
            sql("reconciliation/chain_running_balances"), params
        ).fetchall():
            steps.setdefault(asset_id, []).append(Step(block, running, transactions))

    cfg = WalletSettings.parse(integration.settings)
    node = node_for(integration)
    wallets = [a.lower() for a in cfg.addresses]
    rows = []
    for asset_id, asset, contract, decimals, synced_block in assets:
        if decimals is None or synced_block is None:
            continue  # nothing on chain to compare with (an asset only the history knows)

        @cache
        def balance_at(block: int, contract=contract, decimals=decimals) -> Decimal | None:
            if contract is None:
                units = token_calls.native_balance(node, wallets, block)
            else:
                units = token_calls.token_balances(node, wallets, [contract], block)[contract]
                if units is None and not token_calls.deployed(node, contract, block):
                    units = 0  # the contract does not exist yet: nobody holds any of it
            return None if units is None else Decimal(units).scaleb(-decimals)

        asset_steps = steps.get(asset_id, [])
        try:
            block = first_divergence(cfg.start_block, synced_block, balance_at, lambda b: calculated_at(asset_steps, b))
            header = block is not None and node.call("eth_getBlockByNumber", hex(block), False)
        except RpcError as exc:
            if log is not None:
                log.warning(f"{integration_id} {asset_id}: no divergence point, the node lacks historical state ({exc})")
            continue
        if block is None:
            continue
        before, after = around(asset_steps, block)
        at = datetime.fromtimestamp(int(header["timestamp"], 16), UTC).replace(tzinfo=None)
        rows.append([
            integration_id, asset_id, METHOD, at, block, balance_at(block), calculated_at(asset_steps, block),
            before and before.transactions, after and after.transactions,
            _sentence(asset, block, at, balance_at(block), calculated_at(asset_steps, block), before, after),
        ])
    with connect(warehouse) as con, transaction(con):
        con.execute("DELETE FROM marts.divergence_points WHERE integration_id = ? AND method = ?", [integration_id, METHOD])
        for row in rows:
            con.execute("INSERT INTO marts.divergence_points VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)", row)
    return len(rows)


def _sentence(asset: str, block: int, at: datetime, chain: Decimal | None, calculated: Decimal,
              before: Step | None, after: Step | None) -> str:
    from pipelines.sync.report import amount_text

    if after is not None and after.block == block:
        hint = f"the recorded {after.transactions} in that block is wrong, or one beside it is missing"
    else:
        hint = "a transaction in that block is missing"
        hint += f" (after {before.transactions}, block {before.block}" if before else " (before the first recorded one"
        hint += f"; before {after.transactions}, block {after.block})" if after else ")"
    return (
        f"The chain's {asset} balance first differs from the calculated one at block {block} "
        f"({at:%Y-%m-%d %H:%M:%S} UTC): the chain says {amount_text(chain)}, the history {amount_text(calculated)}; "
        f"{hint}."
    )
