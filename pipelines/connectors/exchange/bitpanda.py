"""Bitpanda (the broker): its classic API through `bitpanda_api.BitpandaApi` (ccxt has no Bitpanda).

- Balances: `/wallets` (crypto, per `cryptocoin_symbol`, several wallets of one coin summed) and
  `/fiatwallets` (per `fiat_symbol`). Staking and Earn balances are not in the classic API (see the
  README): an asset partly staked shows less than its history books.
- History: `trades` (`/trades`: buys and sells against fiat, savings-plan buys with `is_savings`,
  the BEST fee reduction under `best_fee_collection`), `wallet_transactions`
  (`/wallets/transactions`: crypto deposits, withdrawals, transfers such as staking rewards and the
  BEST fee payments) and `fiat_transactions` (`/fiatwallets/transactions`). Each list is newest
  first with cursor paging (100 rows a page); a stream reads pages until it reaches a row older
  than its start (cursor minus `overlap_s`, or `start_date`), so a sync with nothing new costs one
  request per stream. Rows after the cut-off are left to the next sync. Final rows are stored as
  received (normalization books the finished ones, each trade once); a row not final yet (pending)
  is skipped and holds the stream's cursor back to just before it, so a later sync reads it again.
- Asset ids: crypto by symbol; fiat by `fiat:<fiat_id>` (fiat transactions carry only the id),
  mapped to the symbol through the `currencies` stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pipelines.connectors.base import RecordSink, SyncedBalance
from pipelines.connectors.exchange.base import ExchangeReader, dumps, from_ms
from pipelines.connectors.exchange.bitpanda_api import BitpandaApi

PAGE = 100
#: Statuses that never change again; any other (pending, processing, open) is read again next sync.
FINAL = {"finished", "canceled", "cancelled", "failed", "error"}
PATHS = {"trades": "trades", "wallet_transactions": "wallets/transactions", "fiat_transactions": "fiatwallets/transactions"}


class BitpandaReader(ExchangeReader):
    streams = ("trades", "wallet_transactions", "fiat_transactions")
    launched = "2014-10-01"

    def connect(self, credentials: Mapping[str, str]) -> tuple[None, BitpandaApi]:
        return None, BitpandaApi(credentials.get("apiKey", ""), self.integration.integration_id, self.settings, self.log)

    def prepare(self) -> None:
        """Nothing to load: the balances name every asset."""

    def unified_code(self, asset_id: str) -> str:
        return asset_id

    def balances(self) -> list[SyncedBalance]:
        parts = []
        for row in self.call.get("wallets")["data"]:
            a = row["attributes"]
            if not a.get("deleted"):
                parts.append((self.code(a["cryptocoin_symbol"]), row["id"], Decimal(a["balance"]), a["balance"]))
        for row in self.call.get("fiatwallets")["data"]:
            a = row["attributes"]
            self.codes[f"fiat:{a['fiat_id']}"] = a["fiat_symbol"]
            parts.append((a["fiat_symbol"], row["id"], Decimal(a["balance"]), a["balance"]))
        return self.summed(parts)

    def read(self, stream: str, cursor: str | None, sink: RecordSink) -> str:
        """Pages back from the newest row to the stream's start; the new cursor is the cut-off, or
        just before the oldest row not final yet (not stored: raw records keep a source id's first
        version, so it is read again until it is)."""
        start = self.start_ms(cursor)
        pending_from = self.cutoff_ms + 1
        for page in self.call.pages(PATHS[stream], PAGE):
            keep = []
            for row in page.rows:
                attributes = row["attributes"]
                at = int(attributes["time"]["unix"]) * 1000
                if not start <= at <= self.cutoff_ms:
                    continue
                if attributes.get("status") not in FINAL:
                    pending_from = min(pending_from, at)
                    continue
                keep.append((row["id"], from_ms(at), dumps(row)))
                if attributes.get("cryptocoin_symbol"):
                    self.code(attributes["cryptocoin_symbol"])
            self.add(sink, stream, keep)
            if any(int(r["attributes"]["time"]["unix"]) * 1000 < start for r in page.rows):
                break
        return str(min(self.cutoff_ms, pending_from - 1000))
