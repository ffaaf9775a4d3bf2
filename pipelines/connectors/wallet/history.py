"""What happened to a set of addresses in a block range, as the node reports it.

Native value moves are not in logs: internal ones (a contract paying the wallet, SELFDESTRUCT)
appear only in traces, so `trace_filter` is used where the node offers it and a bounded scan of the
blocks' top-level transactions otherwise. Token transfers are ERC-20 `Transfer` logs with the
address as an indexed topic. Every transaction the wallet sent pays gas, failed ones included, so
their receipts are kept. Only moves that really happened are kept: a value in a reverted call (or
below a reverted parent call) moved nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipelines.connectors.wallet.addresses import topic
from pipelines.connectors.wallet.ranges import AdaptiveRange
from pipelines.connectors.wallet.rpc import BATCH_SIZE, Node

#: keccak256("Transfer(address,address,uint256)")
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
#: Calls that run code but cannot carry value of their own.
_VALUELESS_CALLS = {"delegatecall", "staticcall"}
#: Parity-style trace type of SELFDESTRUCT (Erigon, Nethermind, anvil say "suicide"; some say "selfdestruct").
_SELFDESTRUCT = ("suicide", "selfdestruct")


@dataclass
class History:
    """Raw items of one block range, each still exactly as received."""

    native: list[dict] = field(default_factory=list)  # traces or top-level transactions
    token_logs: list[dict] = field(default_factory=list)
    receipts: list[dict] = field(default_factory=list)  # of transactions the wallet sent
    fanout: list[dict] = field(default_factory=list)  # see token_fanout
    method: str = "trace_filter"


def quantity(value: Any) -> int:
    """A JSON-RPC quantity as an int: hex string ("0x1a") or, as some nodes send, a JSON number."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    return int(value, 16) if str(value).startswith("0x") else int(value)


def trace_id(trace: dict) -> str:
    """`<tx hash>` for a top-level trace, `<tx hash>:<trace address>` below it; a block scan's
    transaction gets the same id as its top-level trace, so both methods dedupe against each other."""
    path = trace.get("traceAddress") or []
    tx_hash = (trace.get("transactionHash") or trace.get("hash")).lower()
    return tx_hash if not path else f"{tx_hash}:{'.'.join(str(i) for i in path)}"


def _trace_parties(trace: dict) -> tuple[str | None, str | None, int]:
    """(from, to, value) of a trace: call, create, or suicide (SELFDESTRUCT sends the balance)."""
    action, result = trace.get("action") or {}, trace.get("result") or {}
    if trace.get("type") in _SELFDESTRUCT:
        return action.get("address"), action.get("refundAddress"), quantity(action.get("balance"))
    if trace.get("type") == "create":
        return action.get("from"), result.get("address"), quantity(action.get("value"))
    if action.get("callType") in _VALUELESS_CALLS:
        return action.get("from"), action.get("to"), 0
    return action.get("from"), action.get("to"), quantity(action.get("value"))


def _traces(node: Node, wallets: list[str], start: int, end: int, ranges: AdaptiveRange) -> list[dict]:
    """Traces from or to the wallets. Two filters, because nodes disagree on whether `fromAddress`
    and `toAddress` together mean "and" or "or"."""
    found: dict[str, dict] = {}
    for side in ("fromAddress", "toAddress"):
        fetch = lambda lo, hi: node.call("trace_filter", {"fromBlock": hex(lo), "toBlock": hex(hi), side: wallets})
        for _, _, traces in ranges.scan(start, end, fetch):
            for trace in traces or []:
                if trace.get("type") in ("call", "create", *_SELFDESTRUCT):
                    found.setdefault(trace_id(trace), trace)
    return list(found.values())


def _reverted(node: Node, traces: Iterable[dict]) -> set[str]:
    """Ids of internal traces below a failed call. The trace of a reverted call carries `error`,
    but its children do not, so each affected transaction is traced whole."""
    reverted: set[str] = set()
    hashes = sorted({t["transactionHash"] for t in traces if t.get("traceAddress")})
    for tx_hash, tree in zip(hashes, node.batch([("trace_transaction", [h]) for h in hashes])):
        failed = [tuple(t.get("traceAddress") or []) for t in tree or [] if t.get("error")]
        for t in tree or []:
            path = tuple(t.get("traceAddress") or [])
            if any(path[: len(f)] == f for f in failed):
                reverted.add(trace_id(t))
    return reverted


def traced_history(node: Node, wallets: list[str], start: int, end: int, ranges: AdaptiveRange) -> History:
    """Native moves from `trace_filter`, receipts of every transaction a wallet sent."""
    own = {w.lower() for w in wallets}
    traces = _traces(node, wallets, start, end, ranges)
    reverted = _reverted(node, traces)
    history = History(method="trace_filter")
    sent: set[str] = set()
    for trace in traces:
        sender, receiver, value = _trace_parties(trace)
        if not trace.get("traceAddress") and (sender or "").lower() in own:
            sent.add(trace["transactionHash"])
        if value > 0 and not trace.get("error") and trace_id(trace) not in reverted:
            history.native.append(trace)
    history.receipts = receipts(node, sorted(sent))
    return history


def scanned_history(node: Node, wallets: list[str], start: int, end: int) -> History:
    """Fallback for nodes without traces: every block's top-level transactions. Internal moves
    (a contract paying the wallet) are invisible this way; the balance check then shows them."""
    own = {w.lower() for w in wallets}
    history = History(method="block_scan")
    touching: list[dict] = []
    for first in range(start, end + 1, BATCH_SIZE):  # one batch of full blocks in memory at a time
        numbers = range(first, min(first + BATCH_SIZE - 1, end) + 1)
        for block in node.batch([("eth_getBlockByNumber", [hex(n), True]) for n in numbers]):
            touching += [
                tx for tx in (block or {}).get("transactions", [])
                if (tx.get("from") or "").lower() in own or (tx.get("to") or "").lower() in own
            ]
    by_hash = {r["transactionHash"]: r for r in receipts(node, [tx["hash"] for tx in touching])}
    for tx in touching:
        receipt = by_hash[tx["hash"]]
        if (tx.get("from") or "").lower() in own:
            history.receipts.append(receipt)
        if quantity(tx.get("value")) > 0 and quantity(receipt.get("status")) == 1:
            history.native.append(tx)
    return history


def token_logs(node: Node, wallets: list[str], start: int, end: int, ranges: AdaptiveRange) -> list[dict]:
    """ERC-20 Transfer logs with a wallet as sender or receiver. ERC-721 uses the same event with a
    fourth (indexed token id) topic; those are NFTs, not amounts, and are left out."""
    topics = [topic(w) for w in wallets]
    found: dict[tuple[str, str], dict] = {}
    for position in ([TRANSFER_TOPIC, topics], [TRANSFER_TOPIC, None, topics]):
        fetch = lambda lo, hi: node.call("eth_getLogs", {"fromBlock": hex(lo), "toBlock": hex(hi), "topics": position})
        for _, _, logs in ranges.scan(start, end, fetch):
            for log in logs or []:
                if len(log.get("topics") or []) == 3 and not log.get("removed"):
                    found.setdefault((log["transactionHash"].lower(), str(quantity(log["logIndex"]))), log)
    return list(found.values())


def token_fanout(node: Node, logs: list[dict], sent: list[dict]) -> list[dict]:
    """For each transaction that moved a token of the wallets and that they did not send: how many
    distinct addresses each token contract paid in it, counted from the transaction's receipt. A
    contract that airdrops to many addresses at once is spam evidence; only the counts are kept,
    not the receipt (a spam airdrop's receipt holds a log for every one of its victims)."""
    own = {r["transactionHash"].lower() for r in sent}
    hashes = sorted({log["transactionHash"].lower() for log in logs} - own)
    out = []
    for receipt in receipts(node, hashes):
        paid: dict[str, set[str]] = defaultdict(set)
        for log in receipt.get("logs") or []:
            topics = log.get("topics") or []
            if len(topics) == 3 and topics[0] == TRANSFER_TOPIC:
                paid[log["address"].lower()].add(topics[2].lower())
        out.append({"transactionHash": receipt["transactionHash"].lower(), "blockNumber": receipt["blockNumber"],
                    "recipients": {contract: len(to) for contract, to in sorted(paid.items())}})
    return out


def receipts(node: Node, tx_hashes: list[str]) -> list[dict]:
    return node.batch([("eth_getTransactionReceipt", [h]) for h in tx_hashes])


def block_times(node: Node, numbers: Iterable[int]) -> dict[int, int]:
    """Unix timestamp of each block number."""
    wanted = sorted(set(numbers))
    headers = node.batch([("eth_getBlockByNumber", [hex(n), False]) for n in wanted])
    return {n: quantity(h["timestamp"]) for n, h in zip(wanted, headers)}
