"""The Bybit imitation: the v5 REST endpoints a tax history needs, on 127.0.0.1, over a seeded account.

It checks what Bybit checks, with Bybit's answers (`{retCode, retMsg, result, retExtInfo, time}`):
the signature (HMAC-SHA256 of timestamp + api key + recv window + query string, hex, header
`X-BAPI-SIGN`; else retCode 10004 "error sign!"), the key (10003), the timestamp against the recv
window (10002), the parameters (10001: a window longer than the endpoint allows, `limit` above its
maximum, a start before the two years the history reaches back). Lists page with an opaque
`cursor` / `nextPageCursor` inside a `startTime`/`endTime` window, newest first; the convert history
pages with `index`. `fail` / `randomly` answer requests as Bybit does under load: retCode 10006
("Too many visits!", HTTP 200 with the X-Bapi-Limit headers), HTTP 403 (the IP rate limit), 5xx.
`add_now` books new activity at the current time (what an incremental sync must pick up).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from pipelines.imitations.bybit.history import PRICES, History, generate, ms
from pipelines.imitations.failing import FailingServer

DAY_MS = 86_400_000
REACH_MS = 730 * DAY_MS  # the history the API answers: two years
YIELD_REACH_MS = 90 * DAY_MS  # earn yields: three months


class Endpoint:
    """One history list: where its rows live, its time field, window and page limits."""

    def __init__(self, attribute: str, key: str, time_field: str, window_days: int, max_limit: int, default_limit: int,
                 reach_ms: int = REACH_MS) -> None:
        self.attribute, self.key, self.time_field = attribute, key, time_field
        self.window_ms, self.max_limit, self.default_limit, self.reach_ms = window_days * DAY_MS, max_limit, default_limit, reach_ms


LISTS = {
    "/v5/account/transaction-log": Endpoint("log", "list", "transactionTime", 7, 50, 20),
    "/v5/asset/transfer/query-inter-transfer-list": Endpoint("transfers", "list", "timestamp", 7, 50, 20),
    "/v5/asset/deposit/query-record": Endpoint("deposits", "rows", "successAt", 30, 50, 50),
    "/v5/asset/withdraw/query-record": Endpoint("withdrawals", "rows", "createTime", 30, 50, 50),
    "/v5/earn/yield": Endpoint("yields", "yield", "createdAt", 30, 100, 50, YIELD_REACH_MS),
}
CONVERTS = "/v5/asset/exchange/query-convert-history"
BALANCES = ("/v5/account/wallet-balance", "/v5/asset/transfer/query-account-coins-balance")


class BybitError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class BybitImitation(FailingServer):
    name = "bybit"
    #: `fail(kind)` and `randomly` answer as Bybit under load: retCode 10006, a 403 page, a gateway's 5xx.
    faults = ("10006", "403", "502", "503")

    def __init__(self, *, api_key: str = "bybit-key-XXXXXXXXXXXX", secret: str = "bybit-secret-0123456789abcdefABCDEF",
                 seed: int = 5, ancient: bool = False, port: int = 0) -> None:
        self.api_key, self.secret = api_key, secret
        self.history: History = generate(seed, ancient=ancient)
        super().__init__(port)

    # -- what tests use ---------------------------------------------------------------------------
    def true_balances(self) -> dict[str, Decimal]:
        with self._lock:
            return self.history.balances()

    def add_now(self) -> None:
        """New activity after any earlier sync's cut-off: a deposit, a transfer into the UTA and a
        spot buy there, and an earn yield."""
        with self._lock:
            now = datetime.now(UTC) - timedelta(seconds=1)
            self.history.deposit(now, "USDT", Decimal("250"), "TRX")
            self.history.transfer(now, "USDT", Decimal("200"), to_unified=True)
            self.history.trade(now, "Buy", "BTC", Decimal("0.002"), PRICES["BTC"])
            self.history.earn_yield(now, "USDT", Decimal("0.0123"))

    def withdraw_pending(self, coin: str, amount: Decimal, fee: Decimal) -> dict:
        """A withdrawal requested now, still `Pending` (it moves nothing until `finish`)."""
        with self._lock:
            return self.history.withdraw(datetime.now(UTC) - timedelta(seconds=1), coin, amount, fee, "TRX", status="Pending")

    def finish(self, row: dict) -> None:
        """A pending withdrawal completes: its status becomes `success` and the coins leave FUND."""
        with self._lock:
            row["status"] = "success"
            self.history.fund[row["coin"]] -= Decimal(row["amount"]) + Decimal(row["withdrawFee"])

    # -- answering --------------------------------------------------------------------------------

    def _check(self, headers, raw_query: str) -> None:
        """Bybit's order of checks: the key, the timestamp in the recv window, then the signature."""
        key = headers.get("X-BAPI-API-KEY")
        if key != self.api_key:
            raise BybitError(10003, "API key is invalid.")
        stamp, window = headers.get("X-BAPI-TIMESTAMP", ""), headers.get("X-BAPI-RECV-WINDOW", "5000")
        server = int(time.time() * 1000)
        if not stamp.isdigit() or not window.isdigit() or not server - int(window) <= int(stamp) < server + 1000:
            raise BybitError(10002, f"invalid request, please check your server timestamp or recv_window param. "
                                    f"req_timestamp[{stamp}],server_timestamp[{server}],recv_window[{window}]")
        origin = stamp + key + window + raw_query
        expected = hmac.new(self.secret.encode(), origin.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get("X-BAPI-SIGN", "")):
            raise BybitError(10004, f"error sign! origin_string[{origin}]")

    def answer(self, path: str, raw_query: str, headers) -> tuple[int, dict | str, dict[str, str]]:
        query = {k: v[-1] for k, v in parse_qs(raw_query).items()}
        with self._lock:
            action = self._count(path)
            failure = self._drawn()
        if failure == "403":
            return 403, "<html><body><h1>403 Forbidden</h1></body></html>", {}
        if failure is not None and failure != "10006":
            return int(failure), "<html><body><h1>Server Error</h1></body></html>", {}
        try:
            self._check(headers, raw_query)
            if failure == "10006":
                return 200, envelope(10006, "Too many visits!"), {
                    "X-Bapi-Limit": "50", "X-Bapi-Limit-Status": "0", "X-Bapi-Limit-Reset-Timestamp": str(int(time.time() * 1000) + 1000)}
            if action is not None:
                action()
            with self._lock:
                return 200, envelope(0, "OK", self._result(path, query)), {}
        except BybitError as error:
            return 200, envelope(error.code, error.message), {}

    def _result(self, path: str, query: dict[str, str]) -> dict:
        if path == BALANCES[0]:
            return self._unified(query)
        if path == BALANCES[1]:
            return self._fund(query)
        if path in LISTS:
            return self._page(LISTS[path], query)
        if path == CONVERTS:
            return self._converts(query)
        raise BybitError(10001, f"path {path} is not served by the imitation")

    def _unified(self, query: dict[str, str]) -> dict:
        if query.get("accountType") != "UNIFIED":
            raise BybitError(10001, "accountType only support UNIFIED.")
        coins = [{"coin": coin, "walletBalance": f"{amount:f}", "equity": f"{amount:f}", "usdValue": "0", "locked": "0",
                  "borrowAmount": "0", "accruedInterest": "0", "totalOrderIM": "0", "totalPositionIM": "0",
                  "totalPositionMM": "0", "unrealisedPnl": "0", "cumRealisedPnl": "0", "bonus": "0",
                  "collateralSwitch": True, "marginCollateral": True, "spotHedgingQty": "0",
                  "availableToWithdraw": "", "availableToBorrow": ""}
                 for coin, amount in sorted(self.history.unified.items()) if amount != 0]
        return {"list": [{"accountType": "UNIFIED", "totalEquity": "0", "totalWalletBalance": "0", "totalMarginBalance": "0",
                          "totalAvailableBalance": "0", "totalPerpUPL": "0", "totalInitialMargin": "0",
                          "totalMaintenanceMargin": "0", "accountIMRate": "0", "accountMMRate": "0", "accountLTV": "0",
                          "coin": coins}]}

    def _fund(self, query: dict[str, str]) -> dict:
        if query.get("accountType") != "FUND":
            raise BybitError(10001, "accountType is invalid.")
        return {"memberId": "100268", "accountType": "FUND", "balance": [
            {"coin": coin, "walletBalance": f"{amount:f}", "transferBalance": f"{amount:f}", "bonus": ""}
            for coin, amount in sorted(self.history.fund.items()) if amount != 0]}

    def _limit(self, query: dict[str, str], maximum: int, default: int) -> int:
        try:
            limit = int(query.get("limit", default))
        except ValueError:
            limit = 0
        if not 1 <= limit <= maximum:
            raise BybitError(10001, f"params error: limit must be in [1, {maximum}]")
        return limit

    def _page(self, endpoint: Endpoint, query: dict[str, str]) -> dict:
        """Rows of one window, newest first; the cursor is the offset, opaque to the reader."""
        if endpoint.attribute == "log" and query.get("accountType", "UNIFIED") != "UNIFIED":
            raise BybitError(10001, "accountType only support UNIFIED.")
        if endpoint.attribute == "yields" and query.get("category") != "FlexibleSaving":
            raise BybitError(10001, "params error: category is required")
        limit = self._limit(query, endpoint.max_limit, endpoint.default_limit)
        now = int(time.time() * 1000)
        end = int(query.get("endTime", 0)) or None
        start = int(query.get("startTime", 0)) or None
        default_span = DAY_MS if endpoint.window_ms == 7 * DAY_MS else endpoint.window_ms
        end = end or ((start + default_span) if start else now)
        start = start or end - default_span
        if end - start > endpoint.window_ms:
            raise BybitError(10001, f"params error: the time range between startTime and endTime cannot exceed "
                                    f"{endpoint.window_ms // DAY_MS} days")
        if start < now - endpoint.reach_ms - DAY_MS:
            raise BybitError(10001, f"params error: startTime cannot be earlier than {endpoint.reach_ms // DAY_MS} days ago")
        oldest = now - endpoint.reach_ms  # older rows are never served
        rows = [r for r in getattr(self.history, endpoint.attribute)
                if max(start, oldest) <= int(r[endpoint.time_field]) <= end and self._wanted(endpoint, r, query)]
        rows.sort(key=lambda r: int(r[endpoint.time_field]), reverse=True)
        offset = int(base64.b64decode(query["cursor"]).decode()) if query.get("cursor") else 0
        page = rows[offset:offset + limit]
        more = offset + limit < len(rows)
        return {endpoint.key: page, "nextPageCursor": base64.b64encode(str(offset + limit).encode()).decode() if more else ""}

    @staticmethod
    def _wanted(endpoint: Endpoint, row: dict, query: dict[str, str]) -> bool:
        """Withdrawals: `withdrawType` 0 (on-chain, Bybit's default), 1 (off-chain) or 2 (all)."""
        if endpoint.attribute != "withdrawals":
            return True
        kind = query.get("withdrawType", "0")
        return kind == "2" or str(row["withdrawType"]) == kind

    def _converts(self, query: dict[str, str]) -> dict:
        """Newest first, paged by `index` (from 1); only the account types asked."""
        limit = self._limit(query, 100, 20)
        index = int(query.get("index", 1))
        types = set(query.get("accountType", "").split(",")) - {""}
        rows = [r for r in self.history.converts if not types or r["accountType"] in types]
        rows.sort(key=lambda r: int(r["createdAt"]), reverse=True)
        return {"list": rows[(index - 1) * limit:index * limit]}

    def respond(self, request) -> tuple[int, str, bytes, dict[str, str]]:
        parts = urlsplit(request.path)
        status, body, headers = self.answer(parts.path, parts.query, request.headers)
        if isinstance(body, str):
            return status, "text/html", body.encode(), headers
        return status, "application/json", json.dumps(body).encode(), headers


def envelope(code: int, message: str, result: dict | None = None) -> dict:
    """Bybit's v5 answer around a result (an error carries an empty one)."""
    return {"retCode": code, "retMsg": message, "result": result if result is not None else {}, "retExtInfo": {},
            "time": ms(datetime.now(UTC))}
