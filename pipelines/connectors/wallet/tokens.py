"""ERC-20 contracts read directly: metadata (symbol, name, decimals) and balances.

Token contracts are not uniform: early ones return `bytes32` instead of a string for `symbol()` and
`name()`, some have no `decimals()` at all (their amounts are whole units), spam tokens return
anything. Every call is allowed to fail; the raw answers are kept beside what was made of them.
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.connectors.wallet.history import quantity
from pipelines.connectors.wallet.rpc import Node, RpcError

SYMBOL, NAME, DECIMALS, BALANCE_OF = "0x95d89b41", "0x06fdde03", "0x313ce567", "0x70a08231"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Longest symbol or name kept: spam tokens put whole advertisements there.
MAX_TEXT = 80


def _text(raw: Any) -> str | None:
    """An ABI-encoded string, or a bytes32 padded with zeros; None when neither."""
    if isinstance(raw, RpcError) or not isinstance(raw, str) or len(raw) < 4:
        return None
    data = bytes.fromhex(raw[2:])
    text = None
    if len(data) >= 64:
        from eth_abi import decode

        try:
            text = decode(["string"], data)[0]
        except Exception:  # not a string: a bytes32 (or garbage) follows
            text = None
    if text is None and len(data) == 32:
        text = data.rstrip(b"\0").decode("utf-8", "replace")
    if text is None:
        return None
    text = _CONTROL.sub("", text).strip()
    return text[:MAX_TEXT] or None


def _decimals(raw: Any) -> int | None:
    if isinstance(raw, RpcError) or not isinstance(raw, str) or len(raw) < 4:
        return None
    value = int(raw, 16)
    return value if value <= 255 else None  # uint8 on every real token; anything else is garbage


def metadata(node: Node, contracts: list[str], block: int) -> list[dict]:
    """One payload per contract: decoded `symbol`, `name`, `decimals` (0 when the token has none,
    flagged by `decimals_missing`) and the raw `eth_call` answers they were decoded from."""
    calls = [("eth_call", [{"to": c, "data": sel}, hex(block)]) for c in contracts for sel in (SYMBOL, NAME, DECIMALS)]
    answers = node.batch(calls, allow_errors=True)
    out = []
    for i, contract in enumerate(contracts):
        raw = answers[3 * i : 3 * i + 3]
        decimals = _decimals(raw[2])
        out.append(
            {
                "address": contract.lower(),
                "symbol": _text(raw[0]),
                "name": _text(raw[1]),
                "decimals": decimals if decimals is not None else 0,
                "decimals_missing": decimals is None,
                "results": {
                    key: (None if isinstance(value, RpcError) else value)
                    for key, value in zip(("symbol", "name", "decimals"), raw)
                },
            }
        )
    return out


def native_balance(node: Node, wallets: list[str], block: int) -> int:
    """Sum of the wallets' native balances at `block`, in base units."""
    return sum(quantity(b) for b in node.batch([("eth_getBalance", [w, hex(block)]) for w in wallets]))


def deployed(node: Node, contract: str, block: int) -> bool:
    """Whether `contract` has code at `block`: before its deployment every call answers `0x`."""
    return node.call("eth_getCode", contract, hex(block)) not in ("0x", None)


def token_balances(node: Node, wallets: list[str], contracts: list[str], block: int) -> dict[str, int | None]:
    """`balanceOf` summed over the wallets at `block`; None for a token whose answer is unusable."""
    calls = [
        ("eth_call", [{"to": c, "data": BALANCE_OF + w.lower()[2:].rjust(64, "0")}, hex(block)])
        for c in contracts
        for w in wallets
    ]
    answers = node.batch(calls, allow_errors=True)
    out: dict[str, int | None] = {}
    for i, contract in enumerate(contracts):
        parts = answers[i * len(wallets) : (i + 1) * len(wallets)]
        usable = all(isinstance(p, str) and len(p) == 66 for p in parts)
        out[contract.lower()] = sum(int(p, 16) for p in parts) if usable else None
    return out
