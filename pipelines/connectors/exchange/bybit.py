"""Bybit (API v5, unified trading account): raw private endpoints through ccxt (signing, errors,
rate limits), paged like the real API.

A Bybit account keeps coins in two places this reader adds up: the unified trading account (UTA)
and the funding account (FUND). The streams are the fewest that account for every change of both:

- Balances: `account/wallet-balance?accountType=UNIFIED` (`coin[].walletBalance`) plus
  `asset/transfer/query-account-coins-balance?accountType=FUND` (`balance[].walletBalance`), summed
  per coin. Earn positions are in neither (README: import by hand).
- `ledger`: `account/transaction-log`, the UTA's own ledger: every change of a UTA balance (spot
  trades as one row per currency, transfers in and out, interest, settlements, fee refunds), with
  `change` = cashFlow + funding - fee. Like Kraken's ledger it is complete for its account, so UTA
  trades come only from it (no execution list: that would book them twice).
- FUND has no ledger, so its changes come from four lists: `deposits` (`asset/deposit/query-record`,
  on-chain deposits), `withdrawals` (`asset/withdraw/query-record`, `withdrawType=2`: on- and
  off-chain; Bybit's default is on-chain only), `transfers` (`asset/transfer/query-inter-transfer-list`,
  moves between the own accounts: the FUND side of what the ledger shows as TRANSFER_IN/OUT, so a
  move nets to zero) and `converts` (`asset/exchange/query-convert-history?accountType=eb_convert_funding`:
  a UTA convert is in the ledger already), plus `earn_yields` (`earn/yield?category=FlexibleSaving`).
- History: the API answers two years back (`history_days`) and each window may span at most 7 days
  (ledger, transfers) or 30 days (deposits, withdrawals, yields); every window is paged with
  `cursor`/`nextPageCursor` (`limit` 50, the maximum, 100 for yields) up to the cut-off. Earn yields
  reach back three months only: a sync that would need older ones warns. The convert history has no time filter: it is read newest first, by
  `index`, until a row older than the stream's start. Records not final yet (a deposit or withdrawal
  in progress, a pending yield or convert) are not stored and hold the stream's cursor back, so they
  are read again.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pipelines.connectors.base import RecordSink, SyncedBalance
from pipelines.connectors.exchange.base import ExchangeReader, dumps, from_ms

DAY_MS = 86_400_000
YIELD_REACH_MS = 90 * DAY_MS
CONVERT_PAGE = 100


class Window:
    """One windowed list: its ccxt method, result key, time field, window span, page size, fixed
    parameters, and the statuses after which a row never changes (None: every row is final)."""

    def __init__(self, method, key, time_field, days, limit, final=None, params=None) -> None:
        self.method, self.key, self.time_field = method, key, time_field
        self.span_ms, self.limit, self.final, self.params = days * DAY_MS, limit, final, params or {}


WINDOWS = {
    "ledger": Window("privateGetV5AccountTransactionLog", "list", "transactionTime", 7, 50,
                     params={"accountType": "UNIFIED"}),
    "deposits": Window("privateGetV5AssetDepositQueryRecord", "rows", "successAt", 30, 50, final={"3", "4", "10012"}),
    "withdrawals": Window("privateGetV5AssetWithdrawQueryRecord", "rows", "createTime", 30, 50,
                          final={"success", "BlockchainConfirmed", "CancelByUser", "Reject", "Fail"},
                          params={"withdrawType": 2}),
    "transfers": Window("privateGetV5AssetTransferQueryInterTransferList", "list", "timestamp", 7, 50,
                        final={"SUCCESS", "FAILED"}),
    "earn_yields": Window("privateGetV5EarnYield", "yield", "createdAt", 30, 100, final={"Success", "Fail"},
                          params={"category": "FlexibleSaving"}),
}


def source_id(stream: str, row: dict) -> str:
    """The row's own id. Older ledger and deposit rows (ccxt's recorded samples) carry none: then
    the fields that tell two rows apart."""
    if stream == "ledger":
        return row.get("id") or ":".join(str(row.get(k, "")) for k in ("transactionTime", "type", "currency", "tradeId"))
    if stream == "deposits":
        return row.get("id") or f"{row['txID']}:{row['coin']}"
    return str(row[{"withdrawals": "withdrawId", "transfers": "transferId", "earn_yields": "id",
                    "converts": "exchangeTxId"}[stream]])


def record(stream: str, row: dict) -> tuple[str, datetime, str]:
    """(source id, time, payload) of one row as raw.records stores it."""
    field = "createdAt" if stream == "converts" else WINDOWS[stream].time_field
    return source_id(stream, row), from_ms(int(row[field])), dumps(row)


CONVERT_FINAL = {"success", "failure"}


class BybitReader(ExchangeReader):
    streams = ("ledger", "deposits", "withdrawals", "transfers", "converts", "earn_yields")
    launched = "2018-11-01"
    history_days = 730

    def prepare(self) -> None:
        """Nothing to load: the rows name their coins, and ccxt's markets would cost a request per
        market type and one for the currencies on every sync."""

    def balances(self) -> list[SyncedBalance]:
        unified = self.call("privateGetV5AccountWalletBalance", {"accountType": "UNIFIED"})["result"]["list"]
        fund = self.call("privateGetV5AssetTransferQueryAccountCoinsBalance", {"accountType": "FUND"})["result"]["balance"]
        parts = [(self.code(c["coin"]), f"UNIFIED:{c['coin']}", Decimal(c["walletBalance"]), c["walletBalance"])
                 for account in unified for c in account.get("coin") or []]
        parts += [(self.code(c["coin"]), f"FUND:{c['coin']}", Decimal(c["walletBalance"]), c["walletBalance"]) for c in fund]
        return self.summed(parts)

    def read(self, stream: str, cursor: str | None, sink: RecordSink) -> str | None:
        if stream == "converts":
            return self._converts(cursor, sink)
        window = WINDOWS[stream]
        start = self.start_ms(cursor)
        if stream == "earn_yields" and start < self.cutoff_ms - YIELD_REACH_MS:
            if cursor:  # a full sync's earlier yields are covered by the history_unreachable tip
                self.log.warning(f"{self.integration.integration_id}: Bybit answers earn yields for three months only; "
                                 f"those between {from_ms(start).date()} and {from_ms(self.cutoff_ms - YIELD_REACH_MS).date()} "
                                 "cannot be read (import them from Bybit's export)")
            start = self.cutoff_ms - YIELD_REACH_MS
        pending_from = self.cutoff_ms + 1
        while start <= self.cutoff_ms:
            end = min(start + window.span_ms - 1, self.cutoff_ms)
            page_cursor = None
            while True:
                params = {**window.params, "startTime": start, "endTime": end, "limit": window.limit}
                if page_cursor:
                    params["cursor"] = page_cursor
                result = self.call(window.method, params)["result"]
                keep = []
                for row in result.get(window.key) or []:
                    at = int(row[window.time_field] or start)  # a deposit not credited yet may have no successAt
                    if window.final is not None and str(row.get("status")) not in window.final:
                        pending_from = min(pending_from, at)
                        continue
                    keep.append(record(stream, row))
                    self.code(row.get("currency") or row["coin"])
                self.add(sink, stream, keep)
                page_cursor = result.get("nextPageCursor")
                if not page_cursor:
                    break
            start = end + 1
        return str(min(self.cutoff_ms, pending_from - 1))

    def _converts(self, cursor: str | None, sink: RecordSink) -> str:
        """Funding-account converts, newest first by page `index`, back to the stream's start."""
        start = self.start_ms(cursor)
        pending_from = self.cutoff_ms + 1
        index = 1
        while True:
            rows = self.call("privateGetV5AssetExchangeQueryConvertHistory",
                             {"accountType": "eb_convert_funding", "index": index, "limit": CONVERT_PAGE})["result"]["list"]
            keep = []
            for row in rows:
                at = int(row["createdAt"])
                if not start <= at <= self.cutoff_ms:
                    continue
                if row.get("exchangeStatus") not in CONVERT_FINAL:
                    pending_from = min(pending_from, at)
                    continue
                keep.append(record("converts", row))
                self.code(row["fromCoin"])
                self.code(row["toCoin"])
            self.add(sink, "converts", keep)
            if len(rows) < CONVERT_PAGE or any(int(r["createdAt"]) < start for r in rows):
                return str(min(self.cutoff_ms, pending_from - 1))
            index += 1
