"""Bitstamp: the private v2 endpoints through ccxt's raw methods (v2 X-Auth signing, errors).

- Balances: `account_balances/`, `total` per currency from the strings. It is the main account
  only: coins sent to staking leave it (see the ledger below).
- Transactions: `user_transactions/` is Bitstamp's complete record of balance changes (deposits,
  withdrawals, trades, sub-account transfers, staking, rewards), each row one change with one key
  per currency. ccxt's unified ledger keeps one currency of a trade, so the rows are stored as
  Bitstamp sends them and `sql/normalize/exchange/bitstamp.sql` builds every leg. Pages of 1000
  (the maximum) in ascending id order: the first from offset 0, each next one `since_id` the last
  id read (that row comes back first and is dropped by the dedupe). The cursor is the last id
  stored, so an incremental sync asks from it, and one with nothing new costs one request. Rows
  after the cut-off are left for the next sync; rows before `start_date` are skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from pipelines.connectors.base import RecordSink, SyncedBalance
from pipelines.connectors.exchange.base import ExchangeReader, dumps

PAGE = 1000
#: Keys of a user_transactions row that are not a currency's change (a pair's price has a "_").
NOT_CURRENCY = {"id", "datetime", "type", "fee"}


_EPOCH = datetime(1970, 1, 1)
_MS = timedelta(milliseconds=1)


def row_time(row: dict) -> tuple[datetime, int]:
    """A row's `datetime` ("2025-01-03 09:00:00.123456", UTC) as naive UTC, and in epoch ms."""
    at = datetime.fromisoformat(row["datetime"])
    return at, (at - _EPOCH) // _MS


class BitstampReader(ExchangeReader):
    streams = ("transactions",)
    launched = "2011-08-01"

    def prepare(self) -> None:
        """Nothing: currencies are the rows' own keys, so ccxt's markets are not needed."""

    def unified_code(self, asset_id: str) -> str:
        return self.client.safe_currency_code(asset_id.upper())

    def balances(self) -> list[SyncedBalance]:
        rows = self.call("privatePostAccountBalances")
        return self.summed((self.code(r["currency"]), r["currency"], Decimal(r["total"]), r["total"]) for r in rows)

    def read_transactions(self, cursor: str | None, sink: RecordSink) -> str | None:
        start = None if cursor else self.start_ms(None)
        last = int(cursor) if cursor else None
        while True:
            params = {"limit": PAGE, "sort": "asc", **({"since_id": last} if last is not None else {"offset": 0})}
            rows = self.call("privatePostUserTransactions", params)
            keep, done = [], len(rows) < PAGE
            for row in rows:
                at, ms = row_time(row)
                if ms > self.cutoff_ms:
                    done = True
                    break
                if int(row["id"]) != last and (start is None or ms >= start):
                    keep.append((str(row["id"]), at, dumps(row)))
                    for key in row:
                        if key not in NOT_CURRENCY and "_" not in key:
                            self.code(key)
                last = int(row["id"])
            self.add(sink, "transactions", keep)
            if done or not rows:
                return str(last) if last is not None else cursor

