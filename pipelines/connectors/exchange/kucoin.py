"""KuCoin: raw private endpoints through ccxt (key version 2 signing, passphrase, errors), walked in
the time windows the API allows.

- Balances: `GET /api/v1/accounts`, `balance` of every account (main, trade, margin ...) summed per
  currency.
- Ledger: `GET /api/v1/accounts/ledgers` is KuCoin's record of every balance change of the main and
  trade accounts, so normalization builds every transaction from it (as for Kraken). One request
  covers at most 24 hours (`startAt`/`endAt` in ms), so the history is walked day by day from the
  stream's start (about 2,600 requests from the ledger's start in 2019; `start_date` shortens it),
  with `currentPage`/`pageSize` (500) inside a day. Progress goes to the log every `PROGRESS_EVERY` windows.
- Deposits and withdrawals (`/api/v1/deposits`, `/api/v1/withdrawals`, 7-day windows) add the chain
  and on-chain `walletTxId`; a row still processing holds the stream's cursor back so it is read
  again once final. Fills (`/api/v1/fills`, price and liquidity of each trade) are not read: the
  ledger books each trade, and fills would add per-market 7-day walks for order detail only.
- The ledger starts on 2019-02-18 (older history is only in KuCoin's export): a start before it is
  clipped there, and the run records that day in stream `api_reach` (tip `history_unreachable`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

from pipelines.connectors.base import RecordSink, SyncedBalance
from pipelines.connectors.exchange.base import ExchangeReader, dumps, from_ms

DAY_MS = 86_400_000
PAGE = 500
PROGRESS_EVERY = 100
LEDGER_START_MS = int(datetime(2019, 2, 18, tzinfo=UTC).timestamp() * 1000)
#: stream -> (ccxt implicit method, widest window in ms)
ENDPOINTS = {"ledger": ("privateGetAccountsLedgers", DAY_MS), "deposits": ("privateGetDeposits", 7 * DAY_MS),
             "withdrawals": ("privateGetWithdrawals", 7 * DAY_MS)}
#: Deposit and withdrawal statuses that never change again; others (PROCESSING ...) are read again.
FINAL = {"SUCCESS", "FAILURE"}


class KucoinReader(ExchangeReader):
    streams = ("ledger", "deposits", "withdrawals")
    launched = "2019-02-18"

    def prepare(self) -> None:
        """Nothing to load: ledger rows name currencies by KuCoin's ids, which ccxt maps without its
        markets (loading them would cost five public and private requests per sync)."""

    def reach_ms(self) -> int:
        """KuCoin's ledger answers from a fixed day on, not a number of days back."""
        return LEDGER_START_MS

    def balances(self) -> list[SyncedBalance]:
        rows = self.call("privateGetAccounts")["data"]
        return self.summed((self.code(r["currency"]), f"{r['currency']}:{r['type']}", Decimal(r["balance"]), r["balance"])
                           for r in rows)

    def windows(self, start: int, widest: int, stream: str) -> Iterator[tuple[int, int]]:
        """[startAt, endAt] windows (both inclusive) from `start` to the cut-off, logging progress."""
        total = (self.cutoff_ms - start) // widest + 1
        for n, at in enumerate(range(start, self.cutoff_ms + 1, widest), 1):
            if n % PROGRESS_EVERY == 0:
                self.log.info(f"{self.integration.integration_id}: kucoin {stream} read through "
                              f"{from_ms(at).date()} (window {n} of {total})")
            yield at, min(at + widest - 1, self.cutoff_ms)

    def pages(self, method: str, start: int, end: int) -> Iterator[list[dict]]:
        page = 1
        while True:
            data = self.call(method, {"startAt": start, "endAt": end, "currentPage": page, "pageSize": PAGE})["data"]
            yield data.get("items") or []
            if page >= int(data.get("totalPage") or 0):
                return
            page += 1

    def read(self, stream: str, cursor: str | None, sink: RecordSink) -> str:
        """Every window from the stream's start to the cut-off. The new cursor is the cut-off, or just
        before the oldest deposit or withdrawal not final yet (not stored, so it is read again)."""
        method, widest = ENDPOINTS[stream]
        held = self.cutoff_ms + 1
        for start, end in self.windows(self.start_ms(cursor), widest, stream):
            for rows in self.pages(method, start, end):
                keep = []
                for row in rows:
                    if stream != "ledger" and row.get("status") not in FINAL:
                        held = min(held, int(row["createdAt"]))
                        continue
                    keep.append((self.source_id(stream, row), from_ms(int(row["createdAt"])), dumps(row)))
                    self.code(row["currency"])
                self.add(sink, stream, keep)
        return str(min(self.cutoff_ms, held - 1000))

    @staticmethod
    def source_id(stream: str, row: dict) -> str:
        """Ledger rows and withdrawals by their id; deposits (which have none) by chain transaction,
        currency and time."""
        if stream == "deposits":
            return f"{row.get('walletTxId') or ''}:{row['currency']}:{row['createdAt']}"
        return str(row["id"])
