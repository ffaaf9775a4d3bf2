"""What a Solana sync reads from the RPC, one function per question, all at `finalized` commitment.

- `check_network`: getGenesisHash must be mainnet-beta's (a devnet URL is refused, nothing read).
- `holdings`: getBalance, getTokenAccountsByOwner for both token programs and the stake accounts
  the wallet withdraws from (getProgramAccounts on the Stake program, memcmp on the withdraw
  authority at offset 44), each at a context slot at least getBalance's; the latest is the sync's
  cut-off, and no transaction of the wallet's may lie between the first and the last.
- `signatures`: getSignaturesForAddress newest first, 1,000 a page (`before`), stopping at the
  newest signature the last sync knew (`until`); signatures after the cut-off slot wait for the
  next sync, so history and balances describe the same slot.
- `transaction`: getTransaction in jsonParsed encoding with maxSupportedTransactionVersion 0 (a v0
  transaction's account keys then include the addresses loaded from lookup tables).
- `mint_metadata`: getAccountInfo of a mint not seen before, for the name and symbol of its
  Token-2022 metadata extension (the spam rules read names).
- `rewards`: getInflationReward per finished epoch for the stake accounts, getBlockTime of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.connectors.solana.config import (
    MAINNET_GENESIS,
    STAKE_PROGRAM,
    TOKEN_PROGRAMS,
    WITHDRAWER_OFFSET,
)
from pipelines.connectors.solana.rpc import SolanaRpc, SolanaRpcError
from pipelines.errors import UserError

FINALIZED = {"commitment": "finalized"}
PAGE = 1_000


def check_network(rpc: SolanaRpc) -> None:
    genesis = rpc.call("getGenesisHash")
    if genesis != MAINNET_GENESIS:
        raise UserError(f"the Solana RPC at {rpc.where} serves another network (genesis hash {genesis}), "
                        f"not mainnet-beta: check the RPC URL")


@dataclass
class Holdings:
    """The wallet's finalized balances: its own lamports, its token accounts (address: (mint, program,
    units, decimals, lamports)) and its stake accounts (address: (lamports, activation epoch)), read
    at slots from `first_slot` (getBalance's) to `slot` (the latest: the sync's cut-off)."""

    first_slot: int
    slot: int
    lamports: int
    token_accounts: dict[str, tuple[str, str, int, int, int]] = field(default_factory=dict)
    stake_accounts: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def sol(self) -> int:
        """Lamports the wallet owns: its account's, its token accounts' rent, its stake accounts'."""
        return (self.lamports + sum(entry[4] for entry in self.token_accounts.values())
                + sum(lamports for lamports, _ in self.stake_accounts.values()))

    def units(self) -> dict[str, tuple[int, int]]:
        """{mint: (units, decimals)} over every token account."""
        found: dict[str, tuple[int, int]] = {}
        for mint, _, units, decimals, _ in self.token_accounts.values():
            found[mint] = (found.get(mint, (0, decimals))[0] + units, decimals)
        return found

    def straddled_by(self, entries: list[dict[str, Any]]) -> bool:
        """Whether a transaction landed between the first and the last read (then they may disagree)."""
        return any(self.first_slot < entry["slot"] <= self.slot for entry in entries)


def holdings(rpc: SolanaRpc, owner: str) -> Holdings:
    """Each read asks for a slot at least getBalance's (`minContextSlot`); the finalized slot moves
    on between them (every 400 ms on mainnet), so the caller checks with the signatures that no
    transaction of the wallet's landed in between."""
    balance = rpc.call("getBalance", owner, FINALIZED)
    first = balance["context"]["slot"]
    at = {**FINALIZED, "minContextSlot": first}
    held = Holdings(first, first, int(balance["value"]))
    slots = [first]
    for program in TOKEN_PROGRAMS:
        answer = rpc.call("getTokenAccountsByOwner", owner, {"programId": program}, {**at, "encoding": "jsonParsed"})
        slots.append(answer["context"]["slot"])
        for entry in answer["value"]:
            info = entry["account"]["data"]["parsed"]["info"]
            amount = info["tokenAmount"]
            held.token_accounts[entry["pubkey"]] = (info["mint"], program, int(amount["amount"]),
                                                    int(amount["decimals"]), int(entry["account"]["lamports"]))
    stakes = rpc.call("getProgramAccounts", STAKE_PROGRAM, {
        **at, "encoding": "jsonParsed", "withContext": True,
        "filters": [{"memcmp": {"offset": WITHDRAWER_OFFSET, "bytes": owner}}]})
    slots.append(stakes["context"]["slot"])
    for entry in stakes["value"]:
        delegation = ((entry["account"]["data"]["parsed"]["info"].get("stake") or {}).get("delegation") or {})
        held.stake_accounts[entry["pubkey"]] = (int(entry["account"]["lamports"]),
                                                int(delegation.get("activationEpoch") or 0))
    held.slot = max(slots)
    return held


def signatures(rpc: SolanaRpc, address: str, until: str | None, cutoff: int) -> list[dict[str, Any]]:
    """Finalized signatures naming `address` newer than `until` and at or before slot `cutoff`, newest first."""
    found: list[dict[str, Any]] = []
    options: dict[str, Any] = {**FINALIZED, "limit": PAGE, **({"until": until} if until else {})}
    while True:
        page = rpc.call("getSignaturesForAddress", address, options)
        found += [entry for entry in page if entry["slot"] <= cutoff]
        if len(page) < PAGE:
            return found
        options = {**options, "before": page[-1]["signature"]}


def transaction(rpc: SolanaRpc, signature: str) -> dict[str, Any]:
    tx = rpc.call("getTransaction", signature, {**FINALIZED, "encoding": "jsonParsed", "maxSupportedTransactionVersion": 0})
    if tx is None:
        raise SolanaRpcError(f"the Solana RPC at {rpc.where} listed transaction {signature} but does not return it")
    if tx.get("blockTime") is None:  # old blocks may lack it in the transaction: ask for the slot's time
        tx["blockTime"] = rpc.call("getBlockTime", tx["slot"])
        if tx["blockTime"] is None:
            raise SolanaRpcError(f"the Solana RPC at {rpc.where} knows no time of slot {tx['slot']} ({signature})")
    return tx


def mint_metadata(rpc: SolanaRpc, mint: str) -> tuple[str | None, str | None]:
    """(symbol, name) a mint gives itself in its Token-2022 tokenMetadata extension; (None, None)
    for other mints (their Metaplex metadata is not read)."""
    account = rpc.call("getAccountInfo", mint, {**FINALIZED, "encoding": "jsonParsed"})["value"] or {}
    info = ((account.get("data") or {}).get("parsed") or {}).get("info") if isinstance(account.get("data"), dict) else None
    for extension in (info or {}).get("extensions") or []:
        if extension.get("extension") == "tokenMetadata":
            state = extension.get("state") or {}
            return state.get("symbol") or None, state.get("name") or None
    return None, None


def rewards(rpc: SolanaRpc, stake_accounts: list[str], first_epoch: int, cutoff: int) -> tuple[list[dict[str, Any]], int]:
    """Inflation rewards of the stake accounts for every finished epoch from `first_epoch` whose
    payment lies at or before the cut-off, each with its `address` and `blockTime`; and the next
    epoch to ask for."""
    epoch = rpc.call("getEpochInfo", FINALIZED)["epoch"]
    found: list[dict[str, Any]] = []
    for asked in range(first_epoch, epoch):
        answers = rpc.call("getInflationReward", stake_accounts, {**FINALIZED, "epoch": asked})
        for address, reward in zip(stake_accounts, answers, strict=True):
            if reward is None:
                continue
            if reward["effectiveSlot"] > cutoff:
                return found, asked
            found.append({**reward, "address": address, "blockTime": rpc.call("getBlockTime", reward["effectiveSlot"])})
    return found, max(first_epoch, epoch)
