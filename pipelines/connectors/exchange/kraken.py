"""Kraken: raw private endpoints through ccxt (signing, nonces, errors), paged like the real API.

- Balances: `BalanceEx` `balance` per asset id. Staking and earn sub-balances (`DOT.S`, `ETH.F`,
  `.M`, `.B`, `.P` ...) are folded into their asset (`DOT.S` -> DOT): moving coins into staking is
  booked in the ledger as a transfer between the two ids, which nets to zero once both map to DOT,
  and rewards credited to `DOT.S` are DOT income.
- Ledger: `Ledgers` is Kraken's complete record of balance changes; 50 rows per call, newest
  first, paged with `ofs` inside a fixed `start`/`end` window (the end is the cut-off, so new
  entries cannot shift the pages). Normalization builds every transaction from it.
- Trades (`TradesHistory`, same paging), deposits (`DepositStatus`) and withdrawals
  (`WithdrawStatus`) add what the ledger lacks: pair, price, order and on-chain transaction ids.
"""

from __future__ import annotations

from decimal import Decimal

from pipelines.connectors.base import RecordSink, SyncedBalance
from pipelines.connectors.exchange.base import ExchangeReader, dumps, from_ms

PAGE = 50
FINAL = {"Success", "Failure"}


class KrakenReader(ExchangeReader):
    streams = ("ledger", "trades", "deposits", "withdrawals")
    launched = "2013-09-01"

    def unified_code(self, asset_id: str) -> str:
        base = asset_id.split(".")[0]
        return self.client.safe_currency_code(base)

    def balances(self) -> list[SyncedBalance]:
        result = self.call("privatePostBalanceEx")["result"]
        return self.summed(
            (self.code(asset_id), asset_id, Decimal(row["balance"]), row["balance"])
            for asset_id, row in result.items()
        )

    def _paged(self, method: str, key: str, cursor: str | None, stream: str, sink: RecordSink) -> str | None:
        window = {"start": self.start_ms(cursor) // 1000, "end": self.cutoff_ms // 1000}
        offset = 0
        while True:
            result = self.call(method, {**window, "ofs": offset})["result"]
            rows = result.get(key) or {}
            records = []
            for row_id, row in rows.items():
                at = float(row["time"]) * 1000
                records.append((row_id, from_ms(at), dumps(row)))
                if "asset" in row:
                    self.code(row["asset"])
            self.add(sink, stream, records)
            offset += len(rows)
            if not rows or offset >= int(result.get("count", 0)):
                break
        return str(self.cutoff_ms)

    def read_ledger(self, cursor, sink):
        return self._paged("privatePostLedgers", "ledger", cursor, "ledger", sink)

    def read_trades(self, cursor, sink):
        return self._paged("privatePostTradesHistory", "trades", cursor, "trades", sink)

    def _transfers(self, method: str, cursor: str | None, stream: str, sink: RecordSink) -> str | None:
        rows = self.call(method, {"start": self.start_ms(cursor) // 1000, "end": self.cutoff_ms // 1000})["result"]
        final = [r for r in rows if r.get("status") in FINAL]
        pending = [int(r["time"]) * 1000 for r in rows if r.get("status") not in FINAL]
        self.add(sink, stream, [(r["refid"], from_ms(int(r["time"]) * 1000), dumps(r)) for r in final])
        return str(min([self.cutoff_ms, *(p - 1000 for p in pending)]))

    def read_deposits(self, cursor, sink):
        return self._transfers("privatePostDepositStatus", cursor, "deposits", sink)

    def read_withdrawals(self, cursor, sink):
        return self._transfers("privatePostWithdrawStatus", cursor, "withdrawals", sink)
