"""Binance spot: raw endpoints through ccxt (signing, errors, rate limits), paged like the real API.

- Balances: `GET /api/v3/account`, `free + locked` per asset from the strings. Simple Earn
  flexible positions (`LD<asset>`, e.g. `LDBTC`) are folded into their asset: subscribing moves
  coins between Binance's own wallets, which none of the history endpoints report, so the asset's
  synced balance is spot + earn.
- Deposits and withdrawals: `capital/deposit/hisrec` and `capital/withdraw/history` in windows of
  at most 90 days from the cursor (or `start_date`) to the cut-off, 1000 rows per page (`offset`).
  Records not final yet (pending) are not stored and hold the cursor back, so they are read again.
- Trades: `myTrades` needs a symbol per call. The markets asked are: markets already in the
  cursor, listed spot markets whose base and quote both appear in the balances, deposits or
  withdrawals, the `markets` setting (unified symbols like "SOL/USDT" or ids like "SOLUSDT"), and
  every listed spot market only when `all_markets` is true. Each market pages with `fromId`
  (1000 rows per call) from its last stored trade id; its exchangeInfo entry is stored in stream
  `markets` (normalization reads base and quote from it).
- Listed spot markets with a side among the account's assets are stored in stream
  `listed_markets` ({id, symbol, base, quote}, unified codes), whether asked or not: the
  reconciliation names one whose two assets mismatch and that no sync asks (tip `market_not_asked`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from pipelines.connectors.base import RecordSink, SyncedBalance
from pipelines.connectors.exchange.base import ExchangeReader, dumps, from_ms

PAGE = 1000
WINDOW_MS = 90 * 86_400_000
FINAL_DEPOSIT = {1, 6}  # success; credited but not yet withdrawable (both count in the balance)
FINAL_WITHDRAWAL = {1, 3, 5, 6}  # cancelled, rejected, failure, completed


def applied_ms(text: str) -> int:
    """A withdrawal's `applyTime` ("2024-05-01 10:11:12", UTC) in milliseconds."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp() * 1000)


class BinanceReader(ExchangeReader):
    streams = ("deposits", "withdrawals", "trades")
    launched = "2017-07-14"

    def __init__(self, integration, log) -> None:
        super().__init__(integration, log)
        self.assets: set[str] = set()  # exchange asset ids the account touched

    def unified_code(self, asset_id: str) -> str:
        if asset_id.startswith("LD") and asset_id[2:] in (self.client.currencies_by_id or {}):
            return self.client.safe_currency_code(asset_id[2:])
        return self.client.safe_currency_code(asset_id)

    def balances(self) -> list[SyncedBalance]:
        rows = self.call("privateGetAccount", {"omitZeroBalances": "true"})["balances"]
        parts = []
        for row in rows:
            amount = Decimal(row["free"]) + Decimal(row["locked"])
            if amount:
                code = self.code(row["asset"])
                self.assets.add(self.client.currency(code)["id"] if code in self.client.currencies else row["asset"])
                parts.append((code, row["asset"], amount, f"{row['free']}+{row['locked']}"))
        return self.summed(parts)

    def _windows(self, cursor: str | None, method: str, time_of, final: set[int], stream: str, sink: RecordSink) -> str | None:
        start = self.start_ms(cursor)
        pending_from = None
        while start <= self.cutoff_ms:
            end = min(start + WINDOW_MS - 1, self.cutoff_ms)
            offset = 0
            while True:
                rows = self.call(method, {"startTime": start, "endTime": end, "offset": offset, "limit": PAGE})
                keep = []
                for row in rows:
                    at = time_of(row)
                    if row.get("status") not in final:
                        pending_from = min(at, pending_from or at)
                        continue
                    keep.append((str(row["id"]), from_ms(at), dumps(row)))
                    self.assets.add(row["coin"])
                    self.code(row["coin"])
                self.add(sink, stream, keep)
                if len(rows) < PAGE:
                    break
                offset += PAGE
            start = end + 1
        return str(self.cutoff_ms if pending_from is None else min(self.cutoff_ms, pending_from - 1))

    def read_deposits(self, cursor, sink):
        return self._windows(cursor, "sapiGetCapitalDepositHisrec", lambda r: int(r["insertTime"]), FINAL_DEPOSIT,
                             "deposits", sink)

    def read_withdrawals(self, cursor, sink):
        return self._windows(cursor, "sapiGetCapitalWithdrawHistory", lambda r: applied_ms(r["applyTime"]),
                             FINAL_WITHDRAWAL, "withdrawals", sink)

    def _markets(self, known: dict[str, int], sink: RecordSink) -> list[dict]:
        """The listed spot markets to ask for trades (see the module docstring)."""
        listed = {m["id"]: m for m in self.client.markets.values() if m.get("spot")}
        self.add(sink, "listed_markets", [
            (m["id"], None, dumps({"id": m["id"], "symbol": m["symbol"], "base": self.unified_code(m["baseId"]),
                                   "quote": self.unified_code(m["quoteId"])}))
            for m in listed.values()
            if m.get("active") is not False and (m["baseId"] in self.assets or m["quoteId"] in self.assets)
        ])
        wanted = set(known)
        for entry in self.settings.get("markets") or []:
            market = self.client.markets.get(entry) or listed.get(str(entry).replace("/", "").upper())
            if market is None:
                self.log.warning(f"{self.integration.integration_id}: market {entry!r} is not listed; skipped")
            else:
                wanted.add(market["id"])
        for market in listed.values():
            if self.settings.get("all_markets") or (market["baseId"] in self.assets and market["quoteId"] in self.assets):
                wanted.add(market["id"])
        for market_id in sorted(wanted - set(listed)):
            self._warn_unlisted(market_id)
        return [listed[i] for i in sorted(wanted & set(listed))]

    def _trades_page(self, market: dict, from_id: int) -> list[dict] | None:
        """One page of a market's trades from `from_id`; None for a delisted market whose trades
        Binance no longer returns (it keeps the market in exchangeInfo with status BREAK, and answers
        -1121 Invalid symbol): warned about on every sync that asks it, a fresh integration too."""
        import ccxt

        try:
            return self.call("privateGetMyTrades", {"symbol": market["id"], "fromId": from_id, "limit": PAGE})
        except ccxt.BadSymbol:
            if market.get("active") is not False:
                raise
            self._warn_unlisted(market["id"])
            return None

    def _warn_unlisted(self, market_id: str) -> None:
        self.log.warning(f"{self.integration.integration_id}: market {market_id} is no longer listed; "
                         "its trades cannot be fetched")

    def read_trades(self, cursor, sink):
        known: dict[str, int] = json.loads(cursor) if cursor else {}
        new = dict(known)
        for market in self._markets(known, sink):
            self.add(sink, "markets", [(market["id"], None, dumps(market["info"]))])
            self.code(market["baseId"])
            self.code(market["quoteId"])
            from_id = known.get(market["id"], 0)  # the last stored id again: a one-row overlap
            while True:
                rows = self._trades_page(market, from_id)
                if rows is None:
                    break
                keep = [r for r in rows if int(r["time"]) <= self.cutoff_ms]
                for row in keep:
                    self.code(row["commissionAsset"])
                self.add(sink, "trades", [(f"{r['symbol']}:{r['id']}", from_ms(r["time"]), dumps(r)) for r in keep])
                if keep:
                    new[market["id"]] = max(new.get(market["id"], 0), max(int(r["id"]) for r in keep))
                if len(rows) < PAGE or len(keep) < len(rows):
                    break
                from_id = int(rows[-1]["id"]) + 1
        return json.dumps(new, sort_keys=True) if new else None
