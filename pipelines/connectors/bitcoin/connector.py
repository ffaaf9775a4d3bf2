"""The Bitcoin wallet connector: a wallet integration whose provider is `bitcoin`.

Streams: `transactions` (each confirmed Esplora transaction touching an own address, keyed by
txid, payload as the explorer sent it, amounts in satoshi), `addresses` (each used own address
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
from pipelines.connectors.bitcoin.config import WalletConfig
from pipelines.connectors.bitcoin.esplora import Esplora
from pipelines.connectors.bitcoin.scan import Known, Scan, scan
from pipelines.errors import UserError
from pipelines.timeutil import utc_now

PROVIDER = "bitcoin"
ASSET_ID, ASSET = "bitcoin:native", "BTC"
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
        if (provider or "").strip().lower() != PROVIDER:
            raise UserError(f"the Bitcoin connector reads provider {PROVIDER!r}, not {provider!r}")
        if credentials:
            raise UserError("a Bitcoin wallet takes no credentials: addresses and public keys are settings")
        WalletConfig.parse(settings)
        return PROVIDER

    def extract(
        self, integration: Integration, cursors: Mapping[str, str], sink: RecordSink, *, full: bool, log: Log
    ) -> Snapshot:
        config = WalletConfig.parse(integration.settings)
        client = Esplora(config.explorer_url())
        result = scan(client, config, {} if full else _read_cursor(cursors.get(CURSOR_STREAM)))
        history = result.history()
        sink.add(CURSOR_STREAM, [(tx["txid"], _block_time(tx), json.dumps(tx)) for tx in history])
        sink.add("addresses", [
            (own.address, None, json.dumps({"address": own.address, "key": own.key, "branch": own.branch, "index": own.index}))
            for own in result.used
        ])
        # The chain record every wallet connector writes (raw.wallet_chains): a manual entry of
        # "BTC" on this integration then books to bitcoin:native, like the synced history.
        sink.add("chain", [(PROVIDER, None, json.dumps({"native_symbol": ASSET, "native_decimals": 8, "known_tokens": []}))])
        sats = result.balance_sats
        log.info(
            f"{integration.integration_id}: {len(history)} new transactions, {len(result.used)} used of "
            f"{len(result.totals)} addresses, balance {sats} sat at block {result.height}"
        )
        return Snapshot(
            balances=[SyncedBalance(ASSET_ID, ASSET, Decimal(sats).scaleb(-8), str(sats), result.height)],
            cursors={CURSOR_STREAM: _cursor(result)},
            synced_at=utc_now(),
            stats={"block": result.height, "passes": result.passes, "requests": client.requests,
                   "addresses_read": len(result.totals), "addresses_used": len(result.used),
                   "new_transactions": len(history)},
        )
