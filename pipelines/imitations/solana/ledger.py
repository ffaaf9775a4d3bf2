"""A tiny Solana ledger answering in the JSON-RPC shapes of `jsonParsed` encoding.

State is lamports per account, SPL token accounts (mint, owner, amount, token program) and stake
accounts (withdraw authority, delegation). A transaction applies a list of operations to a copy of
the state; it records, as the real runtime does, `preBalances`/`postBalances` of every account key
and `preTokenBalances`/`postTokenBalances` of every token account it touched. The fee payer is the
first key and pays `fee` lamports whatever happens; a failed transaction pays its fee and changes
nothing else. Opening a token account moves its rent (`rent(space)` lamports) from the payer into
it, closing returns the account's lamports. A Token-2022 transfer with a transfer fee credits the
recipient with the amount minus the fee (the fee stays withheld, outside the balance). A v0
transaction loads some keys from an address lookup table (listed after the static keys).

Transactions land in the current slot; `finalize()` makes everything so far `finalized` (the only
commitment the connector reads). Every finalized answer is read from the state copied at the last
`finalize()`, so the truth a test compares with follows from the same history the RPC serves.
Stake rewards are no transaction: `new_epoch()` credits them at the first slot of the next epoch
(getInflationReward). Thread-safe: the HTTP server reads while a test adds transactions.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from decimal import Decimal
from dataclasses import dataclass, field
from typing import Any

from pipelines.connectors.solana.address import address_of
from pipelines.connectors.solana.config import STAKE_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM

SYSTEM_PROGRAM = "11111111111111111111111111111111"
SLOTS_PER_EPOCH = 432_000
#: Lamports per byte-year times two years, plus the 128 bytes of account overhead: rent exemption.
RENT_PER_BYTE = 6_960


def rent(space: int) -> int:
    """Rent-exempt minimum of an account of `space` bytes (165: an SPL token account, 2,039,280)."""
    return (space + 128) * RENT_PER_BYTE


def key_of(seed: str) -> str:
    """A valid base58 32-byte address derived from a name (the imitation's accounts and mints)."""
    return address_of(hashlib.sha256(seed.encode()).digest())


@dataclass(frozen=True)
class Mint:
    address: str
    decimals: int
    program: str = TOKEN_PROGRAM
    fee_bps: int = 0  # Token-2022 transfer-fee extension: basis points withheld from each transfer
    symbol: str | None = None  # Token-2022 tokenMetadata extension (name and symbol the mint says it has)
    name: str | None = None

    @property
    def space(self) -> int:
        """A token account's size: 165 bytes, 182 with the Token-2022 transferFeeAmount extension."""
        return 182 if self.program == TOKEN_2022_PROGRAM else 165


@dataclass
class TokenAccount:
    mint: Mint
    owner: str
    amount: int = 0
    withheld: int = 0


@dataclass
class StakeAccount:
    withdrawer: str
    voter: str
    stake: int
    activation_epoch: int


@dataclass
class State:
    lamports: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, TokenAccount] = field(default_factory=dict)
    stakes: dict[str, StakeAccount] = field(default_factory=dict)


@dataclass
class Tx:
    signature: str
    slot: int
    block_time: int
    keys: list[tuple[str, bool, bool, str]]  # (pubkey, signer, writable, source)
    instructions: list[dict[str, Any]]
    fee: int
    err: dict | None
    pre: list[int]
    post: list[int]
    pre_tokens: list[dict[str, Any]]
    post_tokens: list[dict[str, Any]]
    lookups: list[dict[str, Any]] | None  # a v0 transaction's address table lookups

    @property
    def addresses(self) -> set[str]:
        return {key for key, *_ in self.keys}


@dataclass(frozen=True)
class Reward:
    address: str
    epoch: int
    slot: int
    amount: int
    post_balance: int


class Ledger:
    def __init__(self, *, start_slot: int = 300_000_000, start_time: int = 1_735_689_600) -> None:
        self._lock = threading.RLock()
        self.slot, self.start_slot, self.start_time = start_slot, start_slot, start_time
        self.state = State()
        self.final, self.final_slot = State(), start_slot
        self.txs: list[Tx] = []
        self.rewards: list[Reward] = []
        self.mints: dict[str, Mint] = {}

    def time_of(self, slot: int) -> int:
        return self.start_time + (slot - self.start_slot) * 2 // 5  # 400 ms a slot

    @property
    def epoch(self) -> int:
        return self.final_slot // SLOTS_PER_EPOCH

    # -- building the history --------------------------------------------------------------------

    def fund(self, address: str, lamports: int) -> None:
        """Lamports an account held before the history began."""
        with self._lock:
            self.state.lamports[address] = self.state.lamports.get(address, 0) + lamports

    def transact(self, payer: str, ops: list[tuple], *, fee: int = 5_000, failed: bool = False,
                 signers: tuple[str, ...] = (), lookup: tuple[str, ...] = ()) -> str:
        """Apply `ops` (see `_apply`) in one transaction paid by `payer`; the keys in `lookup` are loaded
        from an address lookup table (a v0 transaction). Returns the signature."""
        with self._lock:
            self.slot += 1
            before = self.state
            after = copy.deepcopy(before)
            after.lamports[payer] = after.lamports.get(payer, 0) - fee
            touched: list[str] = [payer, *signers]
            programs: list[str] = []
            instructions = []
            if not failed:
                for op in ops:
                    instructions.append(self._apply(after, op, touched, programs))
            else:
                instructions = [self._apply(copy.deepcopy(after), op, touched, programs) for op in ops]
            if after.lamports[payer] < 0:
                raise ValueError(f"{payer} cannot pay the fee")
            static = [k for k in dict.fromkeys(touched) if k not in lookup]
            loaded = [k for k in dict.fromkeys(touched) if k in lookup]
            readonly = list(dict.fromkeys(p for p in programs if p not in touched))
            signer_set = {payer, *signers}
            keys = ([(k, k in signer_set, True, "transaction") for k in static]
                    + [(p, False, False, "transaction") for p in readonly]
                    + [(k, False, True, "lookupTable") for k in loaded])
            signature = address_of(hashlib.sha512(f"solana:{len(self.txs)}:{payer}".encode()).digest())
            tx = Tx(signature, self.slot, self.time_of(self.slot), keys, instructions, fee,
                    {"InstructionError": [0, {"Custom": 1}]} if failed else None,
                    [self._lamports(before, k) for k, *_ in keys], [self._lamports(after, k) for k, *_ in keys],
                    self._token_balances(before, keys), self._token_balances(after, keys),
                    [{"accountKey": key_of("lookup-table"), "writableIndexes": list(range(len(loaded))),
                      "readonlyIndexes": []}] if lookup else None)
            self.state = after
            self.txs.append(tx)
            return signature

    @staticmethod
    def _lamports(state: State, key: str) -> int:
        return state.lamports.get(key, 0)

    @staticmethod
    def _token_balances(state: State, keys: list[tuple[str, bool, bool, str]]) -> list[dict[str, Any]]:
        entries = []
        for index, (key, *_) in enumerate(keys):
            account = state.tokens.get(key)
            if account is not None:
                entries.append({"accountIndex": index, "mint": account.mint.address, "owner": account.owner,
                                "programId": account.mint.program, "uiTokenAmount": ui_amount(account.amount, account.mint.decimals)})
        return entries

    def _apply(self, state: State, op: tuple, touched: list[str], programs: list[str]) -> dict[str, Any]:
        """One instruction: ("sol", from, to, lamports) | ("open", payer, account, owner, mint) |
        ("token", source, destination, amount) | ("mint", mint, account, amount) | ("close", account, to) |
        ("stake", from, stake_account, lamports, voter)."""
        kind, *args = op
        if kind == "sol":
            source, destination, lamports = args
            state.lamports[source] = state.lamports.get(source, 0) - lamports
            state.lamports[destination] = state.lamports.get(destination, 0) + lamports
            touched += [source, destination]
            programs.append(SYSTEM_PROGRAM)
            return parsed("system", SYSTEM_PROGRAM, "transfer", source=source, destination=destination, lamports=lamports)
        if kind == "open":
            payer, account, owner, mint = args
            lamports = rent(mint.space)
            state.lamports[payer] -= lamports
            state.lamports[account] = state.lamports.get(account, 0) + lamports
            state.tokens[account] = TokenAccount(mint, owner)
            self.mints[mint.address] = mint
            touched += [payer, account]
            programs += ["ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL", mint.program]
            return parsed("spl-associated-token-account", "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL", "create",
                          source=payer, account=account, wallet=owner, mint=mint.address, tokenProgram=mint.program)
        if kind == "token":
            source, destination, amount = args
            sender, receiver = state.tokens[source], state.tokens[destination]
            fee = amount * sender.mint.fee_bps // 10_000
            sender.amount -= amount
            receiver.amount += amount - fee
            receiver.withheld += fee
            touched += [source, destination, sender.owner]
            programs.append(sender.mint.program)
            info = {"source": source, "destination": destination, "authority": sender.owner, "mint": sender.mint.address,
                    "tokenAmount": ui_amount(amount, sender.mint.decimals)}
            if sender.mint.fee_bps:
                info["feeAmount"] = ui_amount(fee, sender.mint.decimals)
                return parsed("spl-token", sender.mint.program, "transferCheckedWithFee", **info)
            return parsed("spl-token", sender.mint.program, "transferChecked", **info)
        if kind == "mint":
            mint, account, amount = args
            state.tokens[account].amount += amount
            touched += [account]
            programs.append(mint.program)
            return parsed("spl-token", mint.program, "mintTo", mint=mint.address, account=account,
                          amount=str(amount), mintAuthority=key_of("mint-authority"))
        if kind == "close":
            account, destination = args
            holder = state.tokens.pop(account)
            if holder.amount:
                raise ValueError("a token account closes only when empty")
            state.lamports[destination] = state.lamports.get(destination, 0) + state.lamports.pop(account)
            touched += [account, destination, holder.owner]
            programs.append(holder.mint.program)
            return parsed("spl-token", holder.mint.program, "closeAccount", account=account, destination=destination,
                          owner=holder.owner)
        if kind == "stake":
            source, account, lamports, voter = args
            state.lamports[source] -= lamports
            state.lamports[account] = lamports
            state.stakes[account] = StakeAccount(source, voter, lamports - rent(200), self.slot // SLOTS_PER_EPOCH)
            touched += [source, account]
            programs += [SYSTEM_PROGRAM, STAKE_PROGRAM]
            return parsed("stake", STAKE_PROGRAM, "delegate", stakeAccount=account, voteAccount=voter, stakeAuthority=source)
        raise ValueError(f"unknown operation {kind!r}")

    def new_epoch(self, rewards: dict[str, int]) -> None:
        """Move to the first slot of the next epoch and credit stake `rewards` there (no transaction)."""
        with self._lock:
            epoch = self.slot // SLOTS_PER_EPOCH
            self.slot = (epoch + 1) * SLOTS_PER_EPOCH
            for address, lamports in rewards.items():
                self.state.lamports[address] += lamports
                self.state.stakes[address].stake += lamports
                self.rewards.append(Reward(address, epoch, self.slot, lamports, self.state.lamports[address]))

    def finalize(self) -> int:
        """Everything so far is finalized; returns the finalized slot."""
        with self._lock:
            self.slot += 1
            self.final, self.final_slot = copy.deepcopy(self.state), self.slot
            return self.slot

    # -- truth -----------------------------------------------------------------------------------

    def holdings(self, owner: str) -> tuple[int, dict[str, int]]:
        """(lamports, {mint: units}) the owner holds at the finalized slot: its own lamports plus those
        of its token and stake accounts (rent and stake are the owner's SOL)."""
        with self._lock:
            state = self.final
            lamports = state.lamports.get(owner, 0)
            tokens: dict[str, int] = {}
            for address, account in state.tokens.items():
                if account.owner == owner:
                    lamports += state.lamports[address]
                    tokens[account.mint.address] = tokens.get(account.mint.address, 0) + account.amount
            lamports += sum(state.lamports[a] for a, s in state.stakes.items() if s.withdrawer == owner)
            return lamports, tokens

    def supply(self, mint: Mint) -> int:
        """Units of a mint held at the finalized slot."""
        with self._lock:
            return sum(a.amount + a.withheld for a in self.final.tokens.values() if a.mint == mint)

    def finalized_txs(self, address: str) -> list[Tx]:
        """The finalized transactions naming `address`, newest first."""
        with self._lock:
            return [tx for tx in reversed(self.txs) if tx.slot <= self.final_slot and address in tx.addresses]

    def transaction(self, signature: str) -> Tx | None:
        with self._lock:
            return next((tx for tx in self.txs if tx.signature == signature and tx.slot <= self.final_slot), None)


def ui_amount(amount: int, decimals: int) -> dict[str, Any]:
    """`uiTokenAmount`: the exact integer string, its decimals, and the display forms (text exact)."""
    text = format(Decimal(amount).scaleb(-decimals).normalize(), "f") if amount else "0"
    return {"amount": str(amount), "decimals": decimals, "uiAmount": float(text), "uiAmountString": text}


def parsed(program: str, program_id: str, kind: str, **info: Any) -> dict[str, Any]:
    return {"program": program, "programId": program_id, "parsed": {"type": kind, "info": info}, "stackHeight": None}
