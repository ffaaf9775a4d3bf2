"""The Bitcoin wallet connector: a wallet integration whose provider is `bitcoin` or another UTXO
coin of `coins.py` (`litecoin`, ...); the provider names the coin and its asset `<coin>:native`.

Streams: `transactions` (each confirmed transaction touching an own address, keyed by txid,
payload as Esplora sends it, or Blockbook's in Esplora's field names, amounts in satoshi), `addresses` (each used own address
with the key, branch and index it was derived from) and `chain` (the native asset, as the EVM
wallet connector records it for raw.wallet_chains). `sql/normalize/wallet/bitcoin.sql` nets every
transaction over all own addresses, so the normalization needs both. The cursor stream
`transactions` holds the tip height of the last sync and, per used address, its confirmed count and
newest txid; it only ever moves with confirmed blocks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pipelines.connectors.base import Connector, Integration, Log, RecordSink, Snapshot, SyncedBalance
from pipelines.connectors.bitcoin.coins import COINS, coin
from pipelines.connectors.bitcoin.config import WalletConfig
from pipelines.connectors.bitcoin.scan import Known, Scan, scan
from pipelines.errors import UserError
from pipelines.timeutil import utc_now

CURSOR_STREAM = "transactions"


def _read_cursor(text: str | None) -> dict[str, Known]:
    if not text:
        return {}
    return {address: Known(*entry) for address, entry in json.loads(text)["addresses"].items()}


def _cursor(result: Scan) -> str:
    addresses = {a: [k.count, k.newest] for a, k in sorted(result.known.items())}
    return json.dumps({"height": result.height, "addresses": addresses}, separators=(",", ":"))


def _block_time(tx: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(tx["status"]["block_time"], UTC).replace(tzinfo=None)


class BitcoinConnector(Connector):
    kind = "wallet"

    def validate(self, provider: str | None, settings: Mapping[str, Any], credentials: Mapping[str, str]) -> str:
        if (provider or "").strip().lower() not in COINS:
            raise UserError(f"the Bitcoin connector reads providers {', '.join(COINS)}, not {provider!r}")
        chain = coin(provider)
        WalletConfig.check_credentials(credentials)
        WalletConfig.parse(settings, chain)
        return chain.name

    def extract(
        self, integration: Integration, cursors: Mapping[str, str], sink: RecordSink, *, full: bool, log: Log
    ) -> Snapshot:
        chain = coin(integration.provider)
        config = WalletConfig.parse(integration.settings, chain)
        client = config.explorer(integration.decrypted_credentials())
        result = scan(client, config, {} if full else _read_cursor(cursors.get(CURSOR_STREAM)))
        history = result.history()
        sink.add(CURSOR_STREAM, [(tx["txid"], _block_time(tx), json.dumps(tx)) for tx in history])
        sink.add("addresses", [
            (own.address, None, json.dumps({"address": own.address, "key": own.key, "branch": own.branch, "index": own.index}))
            for own in result.used
        ])
        # The chain record every wallet connector writes (raw.wallet_chains): a manual entry of
        # "BTC" on this integration then books to bitcoin:native, like the synced history, and
        # the normalize query names the asset from it.
        sink.add("chain", [(chain.name, None, json.dumps({"native_symbol": chain.symbol, "native_decimals": chain.decimals, "known_tokens": []}))])
        sats = result.balance_sats
        log.info(
            f"{integration.integration_id}: {len(history)} new transactions, {len(result.used)} used of "
            f"{len(result.totals)} addresses, balance {sats} sat at block {result.height}"
        )
        return Snapshot(
            balances=[SyncedBalance(chain.asset_id, chain.symbol, Decimal(sats).scaleb(-8), str(sats), result.height)],
            cursors={CURSOR_STREAM: _cursor(result)},
            synced_at=utc_now(),
            stats={"block": result.height, "passes": result.passes, "requests": client.requests,
                   "addresses_read": len(result.totals), "addresses_used": len(result.used),
                   "new_transactions": len(history)},
        )
