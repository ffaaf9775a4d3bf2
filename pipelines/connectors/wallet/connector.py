"""The wallet connector: one chain, one or more public addresses, history and balances at one block.

Reorg safety comes from reading only finalized blocks (or head minus the configured
confirmations): the cursor is the last block processed, the next sync starts after it, and the
synced balances are read at that same block, so both sides of the reconciliation describe the
same moment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pipelines.chains import Chain, get_chain
from pipelines.connectors.base import Connector, Integration, Log, RecordSink, Snapshot, SyncedBalance
from pipelines.connectors.wallet.addresses import checked_addresses
from pipelines.connectors.wallet.history import (
    History,
    block_times,
    quantity,
    scanned_history,
    token_fanout,
    token_logs,
    trace_id,
    traced_history,
)
from pipelines.connectors.wallet.ranges import AdaptiveRange
from pipelines.connectors.wallet.rpc import Node, RpcError
from pipelines.connectors.wallet import tokens as token_calls
from pipelines.errors import UserError
from pipelines.manual.amounts import MAX_AMOUNT
from pipelines.timeutil import utc_now

#: Cursor streams in app.sync_state: the last processed block, and the token metadata cache.
BLOCK_CURSOR, TOKEN_CURSOR = "blocks", "tokens"
HISTORY_METHODS = ("auto", "trace", "scan")
#: The one credential a wallet may have: a node URL with an API key in it, stored encrypted
#: (the `rpc_url` setting is for keyless nodes; settings are never secret).
RPC_URL_CREDENTIAL = "rpc_url"


@dataclass(frozen=True)
class WalletSettings:
    """An integration's settings, checked. `max_block_range` caps one eth_getLogs/trace_filter call
    (it shrinks further on provider errors); `max_scan_blocks` bounds one sync's block scan;
    `max_retries` is how often a call the node failed transiently is asked again (see rpc.Node)."""

    addresses: tuple[str, ...]
    tokens: tuple[str, ...] = ()
    rpc_url: str | None = None
    confirmations: int | None = None
    start_block: int = 0
    max_block_range: int = 2000
    history: str = "auto"
    max_scan_blocks: int = 10_000
    max_retries: int = 5

    @classmethod
    def parse(cls, settings: Mapping[str, Any]) -> WalletSettings:
        unknown = sorted(set(settings) - set(cls.__dataclass_fields__))
        if unknown:
            raise UserError(f"unknown wallet setting(s) {', '.join(unknown)}: use {', '.join(cls.__dataclass_fields__)}")
        addresses = checked_addresses(settings.get("addresses") or [], "address")
        if not addresses:
            raise UserError("a wallet integration needs at least one address (setting 'addresses')")
        rpc_url = settings.get("rpc_url")
        if rpc_url is not None:
            _check_url(rpc_url)
        history = settings.get("history", "auto")
        if history not in HISTORY_METHODS:
            raise UserError(f"history must be one of {', '.join(HISTORY_METHODS)}, not {history!r}")
        return cls(
            addresses=tuple(addresses),
            tokens=tuple(checked_addresses(settings.get("tokens") or [], "token contract")),
            rpc_url=rpc_url,
            confirmations=_count(settings, "confirmations", None),
            start_block=_count(settings, "start_block", 0),
            max_block_range=_count(settings, "max_block_range", 2000, minimum=1),
            history=history,
            max_scan_blocks=_count(settings, "max_scan_blocks", 10_000, minimum=1),
            max_retries=_count(settings, "max_retries", 5),
        )


def _check_url(url: Any) -> None:
    if not str(url).startswith(("http://", "https://")):
        raise UserError("rpc_url must be an http:// or https:// URL")


def _count(settings: Mapping[str, Any], key: str, default: int | None, minimum: int = 0) -> int | None:
    value = settings.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not str(value).isdigit() or int(value) < minimum:
        raise UserError(f"setting {key} must be a whole number >= {minimum}, not {value!r}")
    return int(value)


def _payload(item: Any) -> str:
    return json.dumps(item, separators=(",", ":"))


def _utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


class WalletConnector(Connector):
    kind = "wallet"

    def validate(self, provider: str | None, settings: Mapping[str, Any], credentials: Mapping[str, str]) -> str:
        chain = get_chain(provider)
        extra = sorted(set(credentials) - {RPC_URL_CREDENTIAL})
        if extra:
            raise UserError(
                f"a wallet integration reads public addresses: its only credential is {RPC_URL_CREDENTIAL} "
                f"(a node URL holding an API key), not {', '.join(extra)}"
            )
        if RPC_URL_CREDENTIAL in credentials:
            _check_url(credentials[RPC_URL_CREDENTIAL])
        WalletSettings.parse(settings)
        return chain.key

    def extract(
        self, integration: Integration, cursors: Mapping[str, str], sink: RecordSink, *, full: bool, log: Log
    ) -> Snapshot:
        chain = get_chain(integration.provider)
        cfg = WalletSettings.parse(integration.settings)
        node = node_for(integration)
        chain_id = node.call("eth_chainId")
        if quantity(chain_id) != chain.chain_id:
            raise UserError(
                f"{integration.integration_id}: the node answers as chain {quantity(chain_id)}, "
                f"not {chain.name} ({chain.chain_id}): check the RPC URL"
            )
        wallets = [a.lower() for a in cfg.addresses]
        cutoff = _cutoff(node, chain, cfg)
        last = int(cursors.get(BLOCK_CURSOR, cfg.start_block - 1))
        start, end = last + 1, max(cutoff, last)
        method = _method(node, cfg, wallets, end, log) if start <= end else "none"
        if method == "block_scan" and end - start + 1 > cfg.max_scan_blocks:
            log.warning(
                f"{integration.integration_id}: {end - start + 1} blocks to scan; this sync reads "
                f"{cfg.max_scan_blocks} (max_scan_blocks), the next ones continue"
            )
            end = start + cfg.max_scan_blocks - 1
        ranges = AdaptiveRange(cfg.max_block_range)
        history = History(method=method)
        if method == "trace_filter":
            history = traced_history(node, wallets, start, end, ranges)
        elif method == "block_scan":
            history = scanned_history(node, wallets, start, end)
        if start <= end:
            history.token_logs = token_logs(node, wallets, start, end, ranges)
            history.fanout = token_fanout(node, history.token_logs, history.receipts)
        self._land(node, history, sink)

        known: dict[str, list] = json.loads(cursors.get(TOKEN_CURSOR) or "{}")
        seen = {log_["address"].lower() for log_ in history.token_logs} | {t.lower() for t in cfg.tokens}
        new = sorted(seen - set(known))
        described = token_calls.metadata(node, new, end) if new else []
        sink.add("tokens", [(m["address"], None, _payload(m)) for m in described])
        known.update({m["address"]: [m["symbol"], m["decimals"]] for m in described})
        sink.add("chain", [_chain_record(chain, chain_id)])

        balances = self._balances(node, chain, wallets, known, end, log)
        return Snapshot(
            balances=balances,
            cursors={BLOCK_CURSOR: str(end), TOKEN_CURSOR: json.dumps(known, sort_keys=True)},
            synced_at=utc_now(),
            stats={
                "chain": chain.key, "history_method": history.method, "from_block": start, "to_block": end,
                "native_transfers": len(history.native), "token_transfers": len(history.token_logs),
                "sent_transactions": len(history.receipts), "new_tokens": len(new), "rpc_calls": node.calls,
                "rpc_retries": node.retried,
                **{f"ranges/{k}": v for k, v in ranges.stats().items()},
            },
        )

    @staticmethod
    def _land(node: Node, history: History, sink: RecordSink) -> None:
        """Stream the history's items into the sink, each stamped with its block's time."""
        blocks = [quantity(x["blockNumber"])
                  for x in (*history.native, *history.token_logs, *history.receipts, *history.fanout)]
        times = block_times(node, blocks) if blocks else {}
        at = lambda item: _utc(times[quantity(item["blockNumber"])])
        sink.add("native_transfers", [(trace_id(t), at(t), _payload(t)) for t in history.native])
        sink.add(
            "token_transfers",
            [(f"{x['transactionHash'].lower()}:{quantity(x['logIndex'])}", at(x), _payload(x)) for x in history.token_logs],
        )
        sink.add("receipts", [(r["transactionHash"].lower(), at(r), _payload(r)) for r in history.receipts])
        sink.add("token_fanout", [(f["transactionHash"], at(f), _payload(f)) for f in history.fanout])

    @staticmethod
    def _balances(
        node: Node, chain: Chain, wallets: list[str], known: dict[str, list], block: int, log: Log
    ) -> list[SyncedBalance]:
        """The native balance and every known token's `balanceOf`, all at `block`."""
        native = token_calls.native_balance(node, wallets, block)
        units = {chain.native_asset_id: (chain.native_symbol, chain.native_decimals, native)}
        for contract, amount in token_calls.token_balances(node, wallets, sorted(known), block).items():
            symbol, decimals = known[contract]
            if amount is None:
                log.warning(f"token {contract} on {chain.key} gave no usable balanceOf; its synced balance is left out")
                continue
            units[f"{chain.key}:{contract}"] = (symbol or contract, decimals, amount)
        balances = []
        for asset_id, (asset, decimals, raw) in units.items():
            amount = Decimal(raw).scaleb(-decimals)
            if amount >= MAX_AMOUNT:
                log.warning(f"{asset_id}: balance {raw} is {MAX_AMOUNT:.0e} or more, too large to sum in "
                            "DECIMAL(38,18); left out like its transfers (probable spam)")
                continue
            balances.append(SyncedBalance(asset_id, asset, amount, raw_amount=str(raw), block_number=block))
        return balances


def node_for(integration: Integration) -> Node:
    """The node an integration is read from: its encrypted `rpc_url` credential, else its `rpc_url`
    setting, else the chain's `PIPELINES_RPC_<CHAIN>` variable."""
    secret_url = integration.decrypted_credentials().get(RPC_URL_CREDENTIAL)
    url = get_chain(integration.provider).rpc_url(secret_url or integration.settings.get("rpc_url"))
    return Node(url, retries=WalletSettings.parse(integration.settings).max_retries)


def _cutoff(node: Node, chain: Chain, cfg: WalletSettings) -> int:
    """The last block that is safe from reorgs: head minus the configured confirmations, else the
    node's `finalized` block, else head minus the chain's default confirmations."""
    head = quantity(node.call("eth_blockNumber"))
    if cfg.confirmations is not None:
        return max(head - cfg.confirmations, 0)
    try:
        finalized = node.call("eth_getBlockByNumber", "finalized", False)
    except RpcError:
        finalized = None
    return quantity(finalized["number"]) if finalized else max(head - chain.confirmations, 0)


def _method(node: Node, cfg: WalletSettings, wallets: list[str], block: int, log: Log) -> str:
    """`trace_filter` when the node offers it (it sees internal transfers), else a block scan."""
    if cfg.history == "scan":
        return "block_scan"
    try:
        node.call("trace_filter", {"fromBlock": hex(block), "toBlock": hex(block), "toAddress": wallets})
        return "trace_filter"
    except RpcError as exc:
        if cfg.history == "trace" or not exc.is_unsupported:
            raise
    log.warning("the node has no trace_filter: scanning blocks, so ether sent by contracts stays invisible")
    return "block_scan"


def _chain_record(chain: Chain, chain_id: str) -> tuple[str, None, str]:
    """What the chain registry said when this integration was synced: normalization reads the native
    asset and the tokens that are never spam from here. A changed registry entry adds a record."""
    payload = _payload(
        {
            "chain": chain.key, "chain_id": chain_id, "native_symbol": chain.native_symbol,
            "native_decimals": chain.native_decimals, "known_tokens": list(chain.known_tokens),
        }
    )
    return f"{chain.chain_id}:{hashlib.sha256(payload.encode()).hexdigest()[:16]}", None, payload
