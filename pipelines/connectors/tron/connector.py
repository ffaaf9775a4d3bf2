"""The Tron wallet connector: a wallet integration whose provider is `tron`.

Streams: `transactions` (each confirmed entry of `/v1/accounts/:a/transactions`, keyed by txID:
TRX transfers, contract calls and their burnt fees), `trc20_transfers` (each confirmed TRC-20
transfer, keyed `txid:n` by its position within its transaction: one call can move tokens several
times), `tokens` (each token's contract, symbol, name and decimals from TronGrid's `token_info`, in
the shape the EVM connector gives raw.token_metadata), `addresses` (the wallet's address in base58
and in the hex form `/transactions` names accounts in), `chain` (TRX and the well-known tokens,
for raw.wallet_chains) and `token_fanout` (`fanout.py`: how many addresses each token paid in a
transaction the wallet did not send, spam evidence). `sql/normalize/wallet/tron.sql` turns them into transactions.

One read is consistent when the account's confirmed balances are the same before and after its
history was read (no transaction landed in between); otherwise the pass is repeated. The cursor
holds the newest known entry of each history and every token's symbol and decimals (a later sync
with nothing new still scales the token balances). Staked TRX is the wallet's own: the synced TRX
balance holds it, and staking or unstaking books only its fee.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pipelines.connectors.base import Connector, Integration, Log, RecordSink, Snapshot, SyncedBalance
from pipelines.connectors.tron.config import TronConfig, check_credentials, endpoint
from pipelines.connectors.tron.fanout import token_fanout
from pipelines.connectors.tron.trongrid import TronGrid, TronGridError
from pipelines.errors import UserError
from pipelines.timeutil import utc_now

PROVIDER = "tron"
NATIVE_ID, NATIVE, NATIVE_DECIMALS = "tron:native", "TRX", 6
CURSOR_STREAM = "transactions"
#: Contracts that are never spam (raw.wallet_chains.known_tokens): Tether USD and USD Coin on Tron.
KNOWN_TOKENS = ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8")
MAX_PASSES = 5
#: DECIMAL(38,18) holds amounts below 10^20.
MAX_AMOUNT = Decimal(10) ** 20


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).replace(tzinfo=None)


def _staked(account: dict[str, Any]) -> int:
    """Sun the account staked (Stake 2.0 `frozenV2`, delegated or not, and `unfrozenV2` still waiting
    to be withdrawn; Stake 1.0 `frozen`): still the account's TRX, outside its liquid `balance`."""
    resource = account.get("account_resource") or {}
    parts = [entry.get("amount") for entry in account.get("frozenV2") or []]
    parts += [entry.get("unfreeze_amount") for entry in account.get("unfrozenV2") or []]
    parts += [entry.get("frozen_balance") for entry in account.get("frozen") or []]
    parts += [account.get("delegated_frozenV2_balance_for_bandwidth"), resource.get("delegated_frozenV2_balance_for_energy"),
              account.get("delegated_frozen_balance_for_bandwidth"), resource.get("delegated_frozen_balance_for_energy"),
              (resource.get("frozen_balance_for_energy") or {}).get("frozen_balance")]
    return sum(int(part) for part in parts if part)


def _holdings(account: dict[str, Any] | None) -> tuple[int, dict[str, int]]:
    """(sun, {contract: token units}) an account owns as `/v1/accounts/:a` reports it (staked TRX included)."""
    if account is None:
        return 0, {}
    tokens = {contract: int(units) for entry in account.get("trc20") or [] for contract, units in entry.items()}
    return int(account.get("balance") or 0) + _staked(account), tokens


class TronConnector(Connector):
    kind = "wallet"

    def validate(self, provider: str | None, settings: Mapping[str, Any], credentials: Mapping[str, str]) -> str:
        if (provider or "").strip().lower() != PROVIDER:
            raise UserError(f"the Tron connector reads provider {PROVIDER!r}, not {provider!r}")
        check_credentials(credentials)
        TronConfig.parse(settings)
        return PROVIDER

    def extract(
        self, integration: Integration, cursors: Mapping[str, str], sink: RecordSink, *, full: bool, log: Log
    ) -> Snapshot:
        config = TronConfig.parse(integration.settings)
        client = TronGrid(*endpoint(integration.decrypted_credentials()), retries=config.max_retries)
        cursor = {} if full or not cursors.get(CURSOR_STREAM) else json.loads(cursors[CURSOR_STREAM])
        address = config.address.base58
        for passes in range(1, MAX_PASSES + 1):
            before = _holdings(client.account(address))
            txs = client.history(address, "", cursor.get("transactions"))
            transfers = client.history(address, "/trc20", cursor.get("trc20"))
            held = _holdings(client.account(address))
            if held == before:
                break
        else:
            raise TronGridError(f"new transactions kept arriving during {MAX_PASSES} passes; sync again later")
        tokens = dict(cursor.get("tokens") or {})
        for transfer in transfers:
            info = transfer["token_info"]
            tokens[info["address"]] = [info.get("symbol") or info["address"], int(info["decimals"]), info.get("name")]
        self._store(sink, config, txs, transfers, tokens)
        fanout = token_fanout(client, config.address.hex, txs, transfers, KNOWN_TOKENS)
        sink.add("token_fanout", [(f["transaction_id"], _time(f["block_timestamp"]), json.dumps(f)) for f in fanout])
        log.info(f"{integration.integration_id}: {len(txs)} new transactions, {len(transfers)} new TRC-20 transfers, "
                 f"balance {held[0]} sun, {len(held[1])} tokens")
        newest = {"transactions": txs[0]["txID"] if txs else cursor.get("transactions"),
                  "trc20": transfers[0]["transaction_id"] if transfers else cursor.get("trc20")}
        return Snapshot(
            balances=self._balances(held, tokens, log),
            cursors={CURSOR_STREAM: json.dumps({**newest, "tokens": tokens}, sort_keys=True, separators=(",", ":"))},
            synced_at=utc_now(),
            stats={"passes": passes, "requests": client.requests, "new_transactions": len(txs),
                   "new_trc20_transfers": len(transfers)},
        )

    @staticmethod
    def _store(sink: RecordSink, config: TronConfig, txs: list, transfers: list, tokens: dict) -> None:
        sink.add("transactions", [(tx["txID"], _time(tx["block_timestamp"]), json.dumps(tx)) for tx in txs])
        # Oldest first, so a transfer's position within its transaction is the order it happened in.
        seen: Counter[str] = Counter()
        records = []
        for transfer in reversed(transfers):
            txid = transfer["transaction_id"]
            records.append((f"{txid}:{seen[txid]}", _time(transfer["block_timestamp"]), json.dumps(transfer)))
            seen[txid] += 1
        sink.add("trc20_transfers", records)
        sink.add("tokens", [
            (contract, None, json.dumps({"address": contract, "symbol": symbol, "name": name, "decimals": decimals}))
            for contract, (symbol, decimals, name) in sorted(tokens.items())
        ])
        address = config.address
        sink.add("addresses", [(address.base58, None, json.dumps({"address": address.base58, "hex": address.hex}))])
        sink.add("chain", [(PROVIDER, None, json.dumps({"native_symbol": NATIVE, "native_decimals": NATIVE_DECIMALS,
                                                        "known_tokens": list(KNOWN_TOKENS)}))])

    @staticmethod
    def _balances(held: tuple[int, dict[str, int]], tokens: dict, log: Log) -> list[SyncedBalance]:
        """TRX and every token the wallet ever moved (0 when the account no longer lists it)."""
        sun, units = held
        balances = [SyncedBalance(NATIVE_ID, NATIVE, Decimal(sun).scaleb(-NATIVE_DECIMALS), str(sun))]
        for contract in sorted(set(units) | set(tokens)):
            if contract not in tokens:
                log.warning(f"tron:{contract}: held but never seen in a TRC-20 transfer (decimals unknown); left out")
                continue
            symbol, decimals, _ = tokens[contract]
            amount = Decimal(units.get(contract, 0)).scaleb(-decimals)
            if amount >= MAX_AMOUNT:
                log.warning(f"tron:{contract}: balance {units[contract]} does not fit DECIMAL(38,18); left out (probable spam)")
                continue
            balances.append(SyncedBalance(f"tron:{contract}", symbol, amount, str(units.get(contract, 0))))
        return balances
