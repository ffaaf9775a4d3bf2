"""OKX (API v5): both of the account's ledgers, raw, through ccxt's implicit methods (signing with
key, secret and passphrase; OKX's error codes).

OKX keeps the money of an account in two places, each with its own balance and its own bills:

- Trading (unified) account: balance `GET /api/v5/account/balance` (`details[].cashBal`, the
  balance its bills add up to; `eq` adds unrealized profit of derivatives), bills in stream
  `bills`: every change of that balance (`balChg`, with a trade's fee inside it and repeated in
  `fee`). OKX answers them in three reaches: `account/bills` (7 days) and
  `account/bills-archive` (3 months), newest first, 100 a page, paged with `after` (bill id)
  inside `begin`/`end` (the start and the cut-off); older quarters only as the asynchronous
  archive file (`okx_archive.py`). A full sync reads the archive for each quarter before the
  current one, then `bills-archive` from the current quarter's start: the quarter files never
  hold the current quarter, and its start is always inside the three months.
- Funding account: balance `GET /api/v5/asset/balances` (`bal`), bills in stream `funding_bills`
  from `GET /api/v5/asset/bills-history` (since 2021; deposits, withdrawals and their network
  fee, transfers to and from the trading account, Earn), paged by bill id (`pagingType=2`) back to
  the stream's start. (`asset/bills` answers only the last month.)

The synced balance of a currency is trading + funding. Stream `fills` (`trade/fills-history`,
SPOT, 3 months) adds each trade's fill price and side; the bills alone move money, so a trade is
booked once from its bills (`sql/normalize/exchange/okx.sql`).

Settings of its own: `archive_poll_s`, `archive_wait_s` (see `okx_archive.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from pipelines.connectors.base import RecordSink, SyncedBalance
from pipelines.connectors.exchange.base import ExchangeReader, dumps, from_ms
from pipelines.connectors.exchange.okx_archive import Archive, quarter_of, quarter_start, quarters

PAGE = 100
DAY_MS = 86_400_000
#: OKX answers bills (archive files, the funding account's history) from 1 February 2021 on.
EARLIEST = "2021-02-01"
RECENT_DAYS, FILLS_DAYS = 7, 90
Key = Callable[[dict], str]


def bill_id(row: dict) -> str:
    """A bill's source id: OKX's bill id, the same in the API and in the archive files."""
    return row["billId"]


def fill_key(row: dict) -> str:
    """A fill's source id: instrument and trade id, the key the legs join a trade's bills on."""
    return f"{row['instId']}:{row['tradeId']}"


class OkxReader(ExchangeReader):
    streams = ("bills", "funding_bills", "fills")
    launched = "2017-01-01"  # as OKEx; nothing earlier is reachable than EARLIEST (recorded as api_reach)

    def prepare(self) -> None:
        """Nothing to load: bills name their currencies by code (ccxt's markets would cost
        four instrument lists and a private currency list)."""

    def reach_ms(self) -> int:
        return int(datetime.fromisoformat(EARLIEST).replace(tzinfo=UTC).timestamp() * 1000)

    def balances(self) -> list[SyncedBalance]:
        trading = self.call("privateGetAccountBalance")["data"]
        funding = self.call("privateGetAssetBalances")["data"]
        parts = [(self.code(d["ccy"]), f"trading:{d['ccy']}", Decimal(d["cashBal"]), d["cashBal"])
                 for account in trading for d in account.get("details") or []]
        parts += [(self.code(d["ccy"]), f"funding:{d['ccy']}", Decimal(d["bal"]), d["bal"]) for d in funding]
        return self.summed(parts)

    def _pages(self, method: str, params: dict, start: int, stream: str, sink: RecordSink, key: Key = bill_id) -> None:
        """Newest first, `after` the last bill id of each page, until a short page or a row older
        than `start`; rows after the cut-off are left to the next sync."""
        after = None
        while True:
            rows = self.call(method, {**params, "limit": str(PAGE), **({"after": after} if after else {})})["data"]
            keep = [r for r in rows if start <= int(r["ts"]) <= self.cutoff_ms]
            self._add(stream, keep, sink, key)
            if len(rows) < PAGE or any(int(r["ts"]) < start for r in rows):
                return
            after = rows[-1]["billId"]

    def _add(self, stream: str, rows: list[dict], sink: RecordSink, key: Key = bill_id) -> None:
        for row in rows:
            if row.get("ccy"):
                self.code(row["ccy"])
        self.add(sink, stream, [(key(r), from_ms(int(r["ts"])), dumps(r)) for r in rows])

    def read_bills(self, cursor, sink):
        start = self.start_ms(cursor)
        current = quarter_start(*quarter_of(from_ms(self.cutoff_ms).replace(tzinfo=UTC)))
        current_ms = int(current.timestamp() * 1000)
        if start < current_ms:
            archive = Archive(self.client, self.call, self.settings, self.integration.integration_id)
            for rows in archive.rows(list(quarters(from_ms(start).replace(tzinfo=UTC), current))):
                self._add("bills", [r for r in rows if start <= int(r["ts"]) < current_ms], sink)
            start = current_ms
        recent = start >= self.cutoff_ms - RECENT_DAYS * DAY_MS
        self._pages("privateGetAccountBills" if recent else "privateGetAccountBillsArchive",
                    {"begin": str(start), "end": str(self.cutoff_ms)}, start, "bills", sink)
        return str(self.cutoff_ms)

    def read_funding_bills(self, cursor, sink):
        self._pages("privateGetAssetBillsHistory", {"pagingType": "2"}, self.start_ms(cursor), "funding_bills", sink)
        return str(self.cutoff_ms)

    def read_fills(self, cursor, sink):
        """Three months at most: older trades are in the bills (and their archive) without it."""
        start = max(self.start_ms(cursor), self.cutoff_ms - FILLS_DAYS * DAY_MS + 60_000)
        window = {"instType": "SPOT", "begin": str(start), "end": str(self.cutoff_ms)}
        self._pages("privateGetTradeFillsHistory", window, start, "fills", sink, key=fill_key)
        return str(self.cutoff_ms)
