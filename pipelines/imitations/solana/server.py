"""The Solana RPC imitation: a JSON-RPC 2.0 server on 127.0.0.1 serving the generated history.

Methods (answers in the documented shapes, `finalized` commitment, jsonParsed encoding):
getGenesisHash (mainnet-beta's, or `genesis`), getBalance, getAccountInfo (mints, with the
Token-2022 tokenMetadata extension), getTokenAccountsByOwner (`programId`
filter, either token program), getProgramAccounts (the Stake program with a memcmp filter on the
withdraw authority at offset 44, `withContext`), getSignaturesForAddress (newest first, `limit` at
most 1,000, `before`/`until`), getTransaction (jsonParsed; a v0 transaction without
`maxSupportedTransactionVersion: 0` is refused as a real node refuses it), getEpochInfo,
getInflationReward and getBlockTime. `minContextSlot` beyond the finalized slot is the node's
-32016 error. With `api_key` set, the URL must carry it as `?api-key=` (Helius' style; else 401);
every request's key is remembered (`keys_seen`). Requests are counted by method; `fail` answers
the next ones with an HTTP error (429 with Retry-After, as public RPCs rate-limit), `randomly` a
seeded random share of them with 429, 500 or 503 (the shared `FailingServer`);
`on_request` runs a test's action at the n-th request (a transaction finalized mid-sync).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pipelines.connectors.solana.config import MAINNET_GENESIS, STAKE_PROGRAM, TOKEN_PROGRAMS, WITHDRAWER_OFFSET
from pipelines.imitations.failing import FailingServer
from pipelines.imitations.solana.ledger import SLOTS_PER_EPOCH, Ledger, Tx, key_of, rent, ui_amount
from pipelines.imitations.solana.scenario import History, generate

API_VERSION = "2.0.15"
MAX_SIGNATURES = 1_000
U64_MAX = 18_446_744_073_709_551_615


class RpcFault(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class SolanaImitation(FailingServer):
    """Use as a context manager; `url` is the RPC URL to configure (with `?api-key=` when one is required)."""

    name = "solana-rpc"

    def __init__(self, *, api_key: str | None = None, genesis: str = MAINNET_GENESIS, port: int = 0) -> None:
        self.ledger = Ledger()
        self.history: History = generate(self.ledger)
        self.api_key = api_key
        self.genesis = genesis
        self.keys_seen: set[str | None] = set()
        #: The Retry-After header of the faults' answers (None: none, the client backs off on its own).
        self.retry_after: str | None = None
        super().__init__(port)

    @property
    def url(self) -> str:
        return super().url + (f"/?api-key={self.api_key}" if self.api_key else "")

    def fail(self, status: int, times: int = 1, *, retry_after: str | None = None) -> None:
        """Answer the next `times` requests with HTTP `status` (and, from now on, a Retry-After header)."""
        with self._lock:
            self.retry_after = retry_after
        super().fail(status, times)

    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        key = (parse_qs(urlsplit(request.path).query).get("api-key") or [None])[-1]
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        try:
            call = json.loads(body)
            method, params, ident = call["method"], call.get("params") or [], call.get("id")
        except (ValueError, KeyError, TypeError):
            return 400, "application/json", b'{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}', {}
        with self._lock:
            action = self._count(method)
            self.keys_seen.add(key)
            failure = self._drawn()
        if self.api_key is not None and key != self.api_key:
            return 401, "application/json", b'{"jsonrpc":"2.0","error":{"code":401,"message":"Unauthorized"}}', {}
        if failure is not None:
            text = {429: "Too many requests for a specific RPC call"}.get(failure, "Internal Server Error")
            reply = {"jsonrpc": "2.0", "error": {"code": failure, "message": text}, "id": ident}
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return failure, "application/json", json.dumps(reply).encode(), headers
        if action is not None:
            action()
        try:
            reply = {"jsonrpc": "2.0", "result": self.answer(method, params), "id": ident}
        except RpcFault as fault:
            reply = {"jsonrpc": "2.0", "error": {"code": fault.code, "message": str(fault)}, "id": ident}
        return 200, "application/json", json.dumps(reply).encode(), {}

    # -- methods ---------------------------------------------------------------------------------

    def answer(self, method: str, params: list[Any]) -> Any:
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            raise RpcFault(-32601, "Method not found")
        with self.ledger._lock:
            return handler(*params)

    def _context(self, config: dict | None) -> dict[str, Any]:
        wanted = (config or {}).get("minContextSlot")
        if wanted is not None and wanted > self.ledger.final_slot:
            raise RpcFault(-32016, "Minimum context slot has not been reached")
        return {"slot": self.ledger.final_slot, "apiVersion": API_VERSION}

    def _getGenesisHash(self) -> str:
        return self.genesis

    def _getBalance(self, address: str, config: dict | None = None) -> dict[str, Any]:
        return {"context": self._context(config), "value": self.ledger.final.lamports.get(_checked(address), 0)}

    def _getTokenAccountsByOwner(self, owner: str, spec: dict, config: dict | None = None) -> dict[str, Any]:
        program = spec.get("programId")
        if program not in TOKEN_PROGRAMS:
            raise RpcFault(-32602, "Invalid param: unrecognized Token program id")
        state, owner = self.ledger.final, _checked(owner)
        value = []
        for address, account in state.tokens.items():
            if account.owner != owner or account.mint.program != program:
                continue
            info = {"isNative": False, "mint": account.mint.address, "owner": owner, "state": "initialized",
                    "tokenAmount": ui_amount(account.amount, account.mint.decimals)}
            if account.mint.fee_bps:
                info["extensions"] = [{"extension": "transferFeeAmount", "state": {"withheldAmount": account.withheld}}]
            name = "spl-token-2022" if program != TOKEN_PROGRAMS[0] else "spl-token"
            value.append({"pubkey": address, "account": {
                "data": {"program": name, "parsed": {"info": info, "type": "account"}, "space": account.mint.space},
                "executable": False, "lamports": state.lamports[address], "owner": program, "rentEpoch": U64_MAX,
                "space": account.mint.space}})
        return {"context": self._context(config), "value": value}

    def _getProgramAccounts(self, program: str, config: dict | None = None) -> Any:
        config = config or {}
        if program != STAKE_PROGRAM:
            raise RpcFault(-32010, f"{program} excluded from account secondary indexes; this RPC method unavailable for key")
        filters = [f["memcmp"] for f in config.get("filters") or [] if "memcmp" in f]
        if not any(f.get("offset") == WITHDRAWER_OFFSET for f in filters):
            raise RpcFault(-32602, "the imitation serves stake accounts by withdraw authority only (memcmp at offset 44)")
        withdrawer = next(f["bytes"] for f in filters if f.get("offset") == WITHDRAWER_OFFSET)
        state = self.ledger.final
        value = [{"pubkey": address, "account": {
            "data": {"program": "stake", "space": 200, "parsed": {"type": "delegated", "info": {
                "meta": {"rentExemptReserve": str(rent(200)),
                         "authorized": {"staker": stake.withdrawer, "withdrawer": stake.withdrawer},
                         "lockup": {"unixTimestamp": 0, "epoch": 0, "custodian": "11111111111111111111111111111111"}},
                "stake": {"delegation": {"voter": stake.voter, "stake": str(stake.stake),
                                         "activationEpoch": str(stake.activation_epoch), "deactivationEpoch": str(U64_MAX),
                                         "warmupCooldownRate": 0.25},
                          "creditsObserved": 0}}}},
            "executable": False, "lamports": state.lamports[address], "owner": STAKE_PROGRAM, "rentEpoch": U64_MAX,
            "space": 200}} for address, stake in state.stakes.items() if stake.withdrawer == withdrawer]
        return {"context": self._context(config), "value": value} if config.get("withContext") else value

    def _getAccountInfo(self, address: str, config: dict | None = None) -> dict[str, Any]:
        """Mint accounts only (jsonParsed; a Token-2022 mint with its tokenMetadata extension); others are null."""
        mint = self.ledger.mints.get(_checked(address))
        if mint is None:
            return {"context": self._context(config), "value": None}
        info: dict[str, Any] = {"decimals": mint.decimals, "freezeAuthority": None, "isInitialized": True,
                                "mintAuthority": key_of("mint-authority"), "supply": str(self.ledger.supply(mint))}
        space = 82
        if mint.symbol:
            space = 400
            info["extensions"] = [{"extension": "tokenMetadata", "state": {
                "additionalMetadata": [], "mint": mint.address, "name": mint.name, "symbol": mint.symbol,
                "updateAuthority": key_of("mint-authority"), "uri": f"https://meta.example/{mint.symbol}.json"}}]
        program = "spl-token-2022" if mint.program != TOKEN_PROGRAMS[0] else "spl-token"
        return {"context": self._context(config), "value": {
            "data": {"parsed": {"info": info, "type": "mint"}, "program": program, "space": space},
            "executable": False, "lamports": rent(space), "owner": mint.program, "rentEpoch": U64_MAX, "space": space}}

    def _getSignaturesForAddress(self, address: str, config: dict | None = None) -> list[dict[str, Any]]:
        config = config or {}
        txs = self.ledger.finalized_txs(_checked(address))
        signatures = [tx.signature for tx in txs]
        start = signatures.index(config["before"]) + 1 if config.get("before") in signatures else 0
        end = signatures.index(config["until"]) if config.get("until") in signatures else len(txs)
        limit = min(int(config.get("limit") or MAX_SIGNATURES), MAX_SIGNATURES)
        return [{"signature": tx.signature, "slot": tx.slot, "err": tx.err, "memo": None, "blockTime": tx.block_time,
                 "confirmationStatus": "finalized"} for tx in txs[start:end][:limit]]

    def _getTransaction(self, signature: str, config: dict | None = None) -> dict[str, Any] | None:
        config = config or {}
        tx = self.ledger.transaction(signature)
        if tx is None:
            return None
        if tx.lookups is not None and config.get("maxSupportedTransactionVersion") is None:
            raise RpcFault(-32015, "Transaction version (0) is not supported by the requesting client. Please try the "
                                   "request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0")
        if config.get("encoding") != "jsonParsed":
            raise RpcFault(-32602, "the imitation answers encoding jsonParsed only")
        return transaction_json(tx)

    def _getEpochInfo(self, config: dict | None = None) -> dict[str, Any]:
        slot = self.ledger.final_slot
        return {"absoluteSlot": slot, "blockHeight": slot - 20_000_000, "epoch": slot // SLOTS_PER_EPOCH,
                "slotIndex": slot % SLOTS_PER_EPOCH, "slotsInEpoch": SLOTS_PER_EPOCH, "transactionCount": len(self.ledger.txs)}

    def _getInflationReward(self, addresses: list[str], config: dict | None = None) -> list[dict[str, Any] | None]:
        epoch = (config or {}).get("epoch", self.ledger.final_slot // SLOTS_PER_EPOCH - 1)
        if epoch >= self.ledger.final_slot // SLOTS_PER_EPOCH:
            raise RpcFault(-32004, f"Block not available for slot {(epoch + 1) * SLOTS_PER_EPOCH}")
        found = {r.address: r for r in self.ledger.rewards if r.epoch == epoch and r.slot <= self.ledger.final_slot}
        return [{"epoch": epoch, "effectiveSlot": found[a].slot, "amount": found[a].amount,
                 "postBalance": found[a].post_balance, "commission": 7} if a in found else None for a in addresses]

    def _getBlockTime(self, slot: int) -> int:
        if slot > self.ledger.final_slot:
            raise RpcFault(-32004, f"Block not available for slot {slot}")
        return self.ledger.time_of(slot)


def _checked(address: str) -> str:
    from pipelines.connectors.solana.address import parse_address
    from pipelines.errors import UserError

    try:
        return parse_address(address)
    except UserError:
        raise RpcFault(-32602, "Invalid param: Invalid") from None


def transaction_json(tx: Tx) -> dict[str, Any]:
    """getTransaction's result in jsonParsed encoding: every account key (loaded ones too, `source`
    lookupTable) with signer and writable flags, parsed instructions, balances before and after."""
    message: dict[str, Any] = {
        "accountKeys": [{"pubkey": k, "signer": s, "source": src, "writable": w} for k, s, w, src in tx.keys],
        "instructions": tx.instructions,
        "recentBlockhash": tx.signature[:44],
    }
    if tx.lookups is not None:
        message["addressTableLookups"] = tx.lookups
    return {
        "blockTime": tx.block_time,
        "meta": {
            "computeUnitsConsumed": 150 * len(tx.instructions) + 300,
            "err": tx.err,
            "fee": tx.fee,
            "innerInstructions": [],
            "logMessages": [],
            "postBalances": tx.post,
            "postTokenBalances": tx.post_tokens,
            "preBalances": tx.pre,
            "preTokenBalances": tx.pre_tokens,
            "rewards": [],
            "status": {"Err": tx.err} if tx.err else {"Ok": None},
        },
        "slot": tx.slot,
        "transaction": {"message": message, "signatures": [tx.signature]},
        "version": "legacy" if tx.lookups is None else 0,
    }
