"""The Solana wallet connector: a wallet integration whose provider is `solana`.

Streams: `transactions` (getTransaction jsonParsed of every finalized signature naming the wallet
or one of its token accounts, keyed by signature), `token_accounts` (every token account the
wallet ever owned: an incoming SPL transfer names only the token account, and a closed one is gone
from getTokenAccountsByOwner, so they are remembered here and in the cursor), `stake_accounts`
(those it withdraws from), `stake_rewards` (inflation rewards, keyed `account:epoch`), `tokens`
(each mint's decimals, symbol and name: the known mints' from config, the others' from their
Token-2022 metadata extension; raw.token_facts), `addresses` (the wallet) and `chain` (SOL and the
known mints: raw.wallet_chains). `sql/normalize/wallet/solana.sql` turns them into transactions.

One sync reads the balances first (finalized, each at a slot at least the first one's; the latest
is the cut-off), then the signatures of the wallet and of each token account up to that slot,
until the newest one the last sync knew. Token accounts found in new transactions are read too, in
the same sync. When one of those signatures lies between the first and the last balance read, the
reads may disagree, and the pass is repeated (the transactions already fetched are kept). The
cursor holds, per address, that newest signature, plus the token and stake accounts and the mints
seen, and the next epoch whose stake rewards to ask for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pipelines.connectors.base import Connector, Integration, Log, RecordSink, Snapshot, SyncedBalance
from pipelines.connectors.solana import reads
from pipelines.connectors.solana.config import (
    KNOWN_MINTS,
    NATIVE,
    NATIVE_DECIMALS,
    NATIVE_ID,
    PROVIDER,
    SolanaConfig,
    asset_id,
    check_credentials,
    endpoint,
)
from pipelines.connectors.solana.rpc import SolanaRpc, SolanaRpcError
from pipelines.errors import UserError
from pipelines.timeutil import utc_now

CURSOR_STREAM = "signatures"
#: Wrapped SOL: a token account of this mint holds lamports, counted as SOL (never also as a token).
WRAPPED_SOL = "So11111111111111111111111111111111111111112"
#: DECIMAL(38,18) holds amounts below 10^20: a larger token balance (only spam has one) is left out.
MAX_AMOUNT = Decimal(10) ** 20
#: Passes over balances and history until no transaction of the wallet's landed between the balance reads.
MAX_PASSES = 5


def _time(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _owned_token_accounts(tx: dict[str, Any], owner: str) -> dict[str, tuple[str, int]]:
    """{token account: (mint, decimals)} of the owner's token accounts a transaction touched."""
    keys = [k["pubkey"] if isinstance(k, dict) else k for k in tx["transaction"]["message"]["accountKeys"]]
    meta = tx.get("meta") or {}
    return {keys[entry["accountIndex"]]: (entry["mint"], int(entry["uiTokenAmount"]["decimals"]))
            for entry in (meta.get("preTokenBalances") or []) + (meta.get("postTokenBalances") or [])
            if entry.get("owner") == owner}


class _Walk:
    """One pass over the history up to the holdings' cut-off: the signatures of the wallet and of each
    of its token accounts (those of the cursor, of the balances, and those found in the new
    transactions, read in the same pass), each until the newest one the last sync knew."""

    def __init__(self, owner: str, held: reads.Holdings, cursor: Mapping[str, Any]) -> None:
        self.owner, self.held = owner, held
        self.until: dict[str, str] = dict(cursor.get("until") or {})
        self.token_accounts: dict[str, str] = dict(cursor.get("token_accounts") or {})  # address: mint
        self.mints: dict[str, int] = {}  # mint: decimals, of the mints seen in this sync
        for address, (mint, _, _, decimals, _) in held.token_accounts.items():
            self.token_accounts[address], self.mints[mint] = mint, decimals
        self.newest: dict[str, str] = {}
        self.txs: dict[str, dict[str, Any]] = {}
        self.read: set[str] = set()
        self.straddled = False  # a transaction landed between the first and the last balance read

    def run(self, rpc: SolanaRpc, fetched: dict[str, dict[str, Any]]) -> None:
        queue = [self.owner, *sorted(self.token_accounts)]
        while queue:
            address = queue.pop(0)
            if address in self.read:
                continue
            self.read.add(address)
            found = reads.signatures(rpc, address, self.until.get(address), self.held.slot)
            self.straddled = self.straddled or self.held.straddled_by(found)
            if found:
                self.newest[address] = found[0]["signature"]
            for entry in reversed(found):  # oldest first: a token account is known before its later transactions
                signature = entry["signature"]
                if signature not in fetched:
                    fetched[signature] = reads.transaction(rpc, signature)
                self.txs[signature] = fetched[signature]
                for account, (mint, decimals) in _owned_token_accounts(fetched[signature], self.owner).items():
                    self.mints[mint] = decimals
                    if account not in self.token_accounts:
                        self.token_accounts[account] = mint
                        queue.append(account)


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class SolanaConnector(Connector):
    kind = "wallet"

    def validate(self, provider: str | None, settings: Mapping[str, Any], credentials: Mapping[str, str]) -> str:
        if (provider or "").strip().lower() != PROVIDER:
            raise UserError(f"the Solana connector reads provider {PROVIDER!r}, not {provider!r}")
        check_credentials(credentials)
        SolanaConfig.parse(settings)
        return PROVIDER

    def extract(
        self, integration: Integration, cursors: Mapping[str, str], sink: RecordSink, *, full: bool, log: Log
    ) -> Snapshot:
        config = SolanaConfig.parse(integration.settings)
        rpc = SolanaRpc(endpoint(integration.decrypted_credentials()), retries=config.max_retries)
        cursor = {} if full or not cursors.get(CURSOR_STREAM) else json.loads(cursors[CURSOR_STREAM])
        owner = config.address
        reads.check_network(rpc)
        fetched: dict[str, dict[str, Any]] = {}  # signature: transaction, kept across passes
        for passes in range(1, MAX_PASSES + 1):
            held = reads.holdings(rpc, owner)
            walk = _Walk(owner, held, cursor)
            walk.run(rpc, fetched)
            if not walk.straddled:
                break
        else:
            raise SolanaRpcError(f"the wallet's transactions kept landing between the balance reads during {MAX_PASSES} "
                                 "passes; sync again later")
        txs, token_accounts, mints, read = walk.txs, walk.token_accounts, walk.mints, walk.read
        tokens: dict[str, list] = dict(cursor.get("tokens") or {})  # mint: [symbol, name, decimals]
        for mint, decimals in sorted(mints.items()):
            if mint not in tokens and mint != WRAPPED_SOL:
                tokens[mint] = [*(KNOWN_MINTS.get(mint) or reads.mint_metadata(rpc, mint)), decimals]
        stake_accounts = sorted(set(cursor.get("stake_accounts") or []) | set(held.stake_accounts))
        rewards, next_epoch = [], cursor.get("reward_epoch")
        if stake_accounts:
            first = next_epoch if next_epoch is not None else min(
                (epoch for _, epoch in held.stake_accounts.values()), default=0)
            rewards, next_epoch = reads.rewards(rpc, stake_accounts, first, held.slot)
        self._store(sink, owner, txs, token_accounts, tokens, stake_accounts, rewards)
        log.info(f"{integration.integration_id}: {len(txs)} new transactions over {len(read)} addresses, "
                 f"{len(rewards)} stake rewards, slot {held.slot}")
        state = {"until": {**walk.until, **walk.newest}, "token_accounts": token_accounts, "tokens": tokens,
                 "stake_accounts": stake_accounts, "reward_epoch": next_epoch}
        return Snapshot(
            balances=self._balances(held, tokens, log),
            cursors={CURSOR_STREAM: _dump(state)},
            synced_at=utc_now(),
            stats={"slot": held.slot, "passes": passes, "requests": rpc.requests, "new_transactions": len(txs),
                   "addresses_read": len(read), "new_rewards": len(rewards)},
        )

    @staticmethod
    def _store(sink: RecordSink, owner: str, txs: dict, token_accounts: dict, tokens: dict, stake_accounts: list,
               rewards: list) -> None:
        sink.add("transactions", [(signature, _time(tx.get("blockTime")), json.dumps(tx)) for signature, tx in txs.items()])
        sink.add("token_accounts", [(address, None, _dump({"address": address, "mint": mint, "owner": owner}))
                                    for address, mint in sorted(token_accounts.items())])
        sink.add("stake_accounts", [(address, None, _dump({"address": address, "withdrawer": owner}))
                                    for address in stake_accounts])
        sink.add("stake_rewards", [(f"{r['address']}:{r['epoch']}", _time(r["blockTime"]), _dump(r)) for r in rewards])
        sink.add("tokens", [(mint, None, _dump({"address": mint, "symbol": symbol, "name": name, "decimals": decimals}))
                            for mint, (symbol, name, decimals) in sorted(tokens.items())])
        sink.add("addresses", [(owner, None, _dump({"address": owner}))])
        sink.add("chain", [(PROVIDER, None, _dump({"native_symbol": NATIVE, "native_decimals": NATIVE_DECIMALS,
                                                   "known_tokens": sorted(KNOWN_MINTS)}))])

    @staticmethod
    def _balances(held: reads.Holdings, tokens: dict[str, list], log: Log) -> list[SyncedBalance]:
        """SOL (with the rent of the token accounts and the stake accounts' lamports) and every mint the
        wallet ever held (0 when none is left), at the cut-off slot."""
        balances = [SyncedBalance(NATIVE_ID, NATIVE, Decimal(held.sol).scaleb(-NATIVE_DECIMALS), str(held.sol), held.slot)]
        units = held.units()
        for mint, (symbol, _, decimals) in sorted(tokens.items()):
            amount = Decimal(units.get(mint, (0,))[0]).scaleb(-decimals)
            if amount >= MAX_AMOUNT:
                log.warning(f"solana:{mint}: balance {units[mint][0]} does not fit DECIMAL(38,18); left out (probable spam)")
                continue
            balances.append(SyncedBalance(asset_id(mint), symbol or mint, amount, str(units.get(mint, (0,))[0]), held.slot))
        return balances
