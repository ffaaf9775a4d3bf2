"""A tiny Tron ledger with blocks, answering in TronGrid v1's JSON shapes.

Accounts hold TRX (in sun) and TRC-20 token units. A transaction is a TRX transfer
(`TransferContract`), a contract call (`TriggerSmartContract`, optionally with a `call_value` in
TRX) that may move tokens (its Transfer events), or a Stake 2.0 step (`FreezeBalanceV2Contract`
stakes TRX for energy, `UnfreezeBalanceV2Contract` starts taking it back: the TRX stays the
account's, outside its liquid `balance`), or a TRC-10 token transfer (`TransferAssetContract`,
whose `amount` counts token units, not TRX); it burns its sender's TRX for bandwidth (`net_fee`) and
energy (`energy_fee`), plus extra fees such as activating a new account, all in `ret[0].fee`. A failed call (REVERT) still burns its fee and moves nothing. Transactions wait
unconfirmed until `confirm()`; every balance the ledger reports is replayed from the confirmed
transactions, so the truth a test compares with follows from the same history the API serves.
Thread-safe: the HTTP server reads while a test adds transactions.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pipelines.connectors.tron.address import base58_of, parse_address


def hex_of(address: str) -> str:
    return parse_address(address).hex


def address_of(seed: str) -> str:
    """A valid base58check Tron address derived from a name (the imitation's accounts and contracts)."""
    return base58_of("41" + hashlib.sha256(seed.encode()).hexdigest()[:40])


@dataclass(frozen=True)
class Token:
    contract: str
    symbol: str
    name: str
    decimals: int


@dataclass
class Tx:
    txid: str
    kind: str  # TransferContract | TriggerSmartContract | FreezeBalanceV2Contract | UnfreezeBalanceV2Contract
    owner: str
    target: str  # to_address of a transfer, contract_address of a call, the owner itself when staking
    amount: int  # sun moved to the target (a transfer's amount, a call's call_value, the sun (un)staked)
    net_fee: int
    energy_fee: int
    extra_fee: int  # e.g. 1 TRX to activate a new account
    result: str = "SUCCESS"
    events: list[tuple[Token, str, str, int]] = field(default_factory=list)  # (token, from, to, units)
    block: int | None = None
    timestamp: int = 0

    @property
    def fee(self) -> int:
        return self.net_fee + self.energy_fee + self.extra_fee

    @property
    def parties(self) -> set[str]:
        return {self.owner, self.target} | {a for _, f, t, _ in self.events for a in (f, t)}


class Ledger:
    def __init__(self, *, start_block: int = 68_000_000, start_ms: int = 1_735_689_600_000) -> None:
        self._lock = threading.RLock()
        self.block, self.time_ms = start_block, start_ms
        self.genesis: dict[str, int] = defaultdict(int)  # sun held before the history began
        self.txs: list[Tx] = []
        self.created: dict[str, int] = {}

    def fund(self, address: str, sun: int) -> None:
        with self._lock:
            self.genesis[address] += sun
            self.created.setdefault(address, self.time_ms)

    def _add(self, tx: Tx) -> str:
        with self._lock:
            tx.txid = hashlib.sha256(f"tron:{len(self.txs)}:{tx.owner}:{tx.target}:{tx.amount}".encode()).hexdigest()
            self.txs.append(tx)
            return tx.txid

    def transfer(self, sender: str, receiver: str, sun: int, *, net_fee: int = 0, extra_fee: int = 0) -> str:
        return self._add(Tx("", "TransferContract", sender, receiver, sun, net_fee, 0, extra_fee))

    def call(self, sender: str, contract: str, *, events: list[tuple[Token, str, str, int]] = (), call_value: int = 0,
             net_fee: int = 0, energy_fee: int = 0, failed: bool = False) -> str:
        return self._add(Tx("", "TriggerSmartContract", sender, contract, call_value, net_fee, energy_fee, 0,
                            "REVERT" if failed else "SUCCESS", [] if failed else list(events)))

    def transfer_trc10(self, sender: str, receiver: str, units: int, *, net_fee: int = 0) -> str:
        return self._add(Tx("", "TransferAssetContract", sender, receiver, units, net_fee, 0, 0))

    def stake(self, address: str, sun: int, *, unstake: bool = False, net_fee: int = 0) -> str:
        """Stake TRX for energy (or start unstaking it): the account's total TRX changes only by the fee."""
        kind = "UnfreezeBalanceV2Contract" if unstake else "FreezeBalanceV2Contract"
        return self._add(Tx("", kind, address, address, sun, net_fee, 0, 0))

    def confirm(self) -> int:
        """Put every unconfirmed transaction into the next block (3 s later); returns its number."""
        with self._lock:
            self.block += 1
            self.time_ms += 3_000
            for tx in self.txs:
                if tx.block is None:
                    tx.block, tx.timestamp = self.block, self.time_ms
                    for address in tx.parties:
                        self.created.setdefault(address, self.time_ms)
            return self.block

    # -- truth ---------------------------------------------------------------------------------

    def staked(self, address: str) -> tuple[int, int]:
        """(sun staked, sun being unstaked) of an account after the confirmed transactions."""
        with self._lock:
            frozen = unfreezing = 0
            for tx in self.txs:
                if tx.block is not None and tx.owner == address and tx.result == "SUCCESS":
                    if tx.kind == "FreezeBalanceV2Contract":
                        frozen += tx.amount
                    elif tx.kind == "UnfreezeBalanceV2Contract":
                        frozen, unfreezing = frozen - tx.amount, unfreezing + tx.amount
            return frozen, unfreezing

    def holdings(self, address: str) -> tuple[int, dict[Token, int]]:
        """(sun, {token: units}) an account owns after the confirmed transactions (staked TRX included)."""
        with self._lock:
            sun, tokens = self.genesis.get(address, 0), defaultdict(int)
            for tx in self.txs:
                if tx.block is None:
                    continue
                trx = tx.amount if tx.result == "SUCCESS" and tx.kind != "TransferAssetContract" else 0
                if tx.owner == address:
                    sun -= tx.fee + trx
                if tx.target == address:
                    sun += trx
                for token, sender, receiver, units in tx.events:
                    tokens[token] += (units if receiver == address else 0) - (units if sender == address else 0)
            return sun, dict(tokens)

    # -- TronGrid JSON -------------------------------------------------------------------------

    def account_json(self, address: str) -> dict[str, Any] | None:
        with self._lock:
            if address not in self.created:
                return None
            sun, tokens = self.holdings(address)
            frozen, unfreezing = self.staked(address)
            return {"address": hex_of(address), "balance": sun - frozen - unfreezing, "create_time": self.created[address],
                    "frozenV2": [{}, {"type": "ENERGY", **({"amount": frozen} if frozen else {})}, {"type": "TRON_POWER"}],
                    "unfrozenV2": [{"type": "ENERGY", "unfreeze_amount": unfreezing,
                                    "unfreeze_expire_time": self.time_ms + 14 * 86_400_000}] if unfreezing else [],
                    "latest_opration_time": self.time_ms, "free_net_usage": 0, "account_resource": {},
                    "owner_permission": {"keys": [{"address": hex_of(address), "weight": 1}], "threshold": 1,
                                         "permission_name": "owner"},
                    "trc20": [{t.contract: str(units)} for t, units in tokens.items() if units]}

    def history(self, address: str, *, confirmed_only: bool) -> list[Tx]:
        """The account's transactions, newest first (unconfirmed ones first of all)."""
        with self._lock:
            mine = [tx for tx in self.txs if address in tx.parties and (tx.block is not None or not confirmed_only)]
            return sorted(mine, key=lambda tx: (tx.block is None, tx.block or 0, self.txs.index(tx)), reverse=True)

    @staticmethod
    def tx_json(tx: Tx) -> dict[str, Any]:
        if tx.kind in ("TransferContract", "TransferAssetContract"):
            value = {"amount": tx.amount, "owner_address": hex_of(tx.owner), "to_address": hex_of(tx.target),
                     **({"asset_name": "1002000".encode().hex()} if tx.kind == "TransferAssetContract" else {})}
        elif tx.kind != "TriggerSmartContract":
            staked = "unfreeze_balance" if tx.kind.startswith("Unfreeze") else "frozen_balance"
            value = {staked: tx.amount, "resource": "ENERGY", "owner_address": hex_of(tx.owner)}
        else:
            value = {"data": "a9059cbb" + "00" * 64, "owner_address": hex_of(tx.owner),
                     "contract_address": hex_of(tx.target), **({"call_value": tx.amount} if tx.amount else {})}
        ret = {"contractRet": tx.result, "fee": tx.fee}
        timestamp = tx.timestamp or 0
        return {
            "ret": [ret], "signature": [tx.txid * 2 + "00"], "txID": tx.txid,
            "net_usage": 0 if tx.net_fee else 268, "raw_data_hex": "0a02" + tx.txid[:60],
            "net_fee": tx.net_fee, "energy_usage": 0, "blockNumber": tx.block, "block_timestamp": timestamp,
            "energy_fee": tx.energy_fee, "energy_usage_total": tx.energy_fee // 420,
            "raw_data": {
                "contract": [{"parameter": {"value": value, "type_url": f"type.googleapis.com/protocol.{tx.kind}"},
                              "type": tx.kind}],
                "ref_block_bytes": tx.txid[:4], "ref_block_hash": tx.txid[4:20], "expiration": timestamp + 60_000,
                "timestamp": timestamp - 1_000,
                **({"fee_limit": 100_000_000} if tx.kind == "TriggerSmartContract" else {}),
            },
            "internal_transactions": [],
        }

    @staticmethod
    def transfer_json(tx: Tx, token: Token, sender: str, receiver: str, units: int) -> dict[str, Any]:
        return {"transaction_id": tx.txid, "block_timestamp": tx.timestamp or 0, "from": sender, "to": receiver,
                "type": "Transfer", "value": str(units),
                "token_info": {"symbol": token.symbol, "address": token.contract, "decimals": token.decimals,
                               "name": token.name}}

    def events_json(self, txid: str, *, confirmed_only: bool) -> list[dict[str, Any]]:
        """The Transfer events a transaction emitted (`/v1/transactions/:id/events`), addresses in
        the 0x-hex form TronGrid's event results use; none for an unknown or unconfirmed one."""
        with self._lock:
            tx = next((t for t in self.txs if t.txid == txid and (t.block is not None or not confirmed_only)), None)
            return [{"block_number": tx.block, "block_timestamp": tx.timestamp, "contract_address": token.contract,
                     "caller_contract_address": token.contract, "event_index": i, "event_name": "Transfer",
                     "event": "Transfer(address indexed from, address indexed to, uint256 value)",
                     "result": {"0": "0x" + hex_of(f)[2:], "1": "0x" + hex_of(t)[2:], "2": str(units),
                                "from": "0x" + hex_of(f)[2:], "to": "0x" + hex_of(t)[2:], "value": str(units)},
                     "result_type": {"from": "address", "to": "address", "value": "uint256"}, "transaction_id": txid}
                    for i, (token, f, t, units) in enumerate(tx.events if tx else [])]

    def trc20_history(self, address: str, *, confirmed_only: bool) -> list[dict[str, Any]]:
        """The account's TRC-20 transfers, newest first (a transaction's transfers in reverse order too)."""
        with self._lock:
            entries = [self.transfer_json(tx, *event) for tx in self.history(address, confirmed_only=confirmed_only)
                       for event in reversed(tx.events) if address in event[1:3]]
            return entries
